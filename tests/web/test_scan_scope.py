"""A whole-register scan kept for one unit's people is never shown to another unit's (engine/units).

Two townships with as many documents each: the register's state alone (how many documents a user
sees, how many events their chains hold) is the same for both, so the kept scan must be told apart
by the units it covers.
"""
from __future__ import annotations

import csv
import io

import pytest

from engine.documents.use_cases import import_documents
from web.demo import DOCUMENTS

FENGTAI = "丰台镇人民政府"


@pytest.fixture
def two_townships(seeded, uow, tmp_path):
    """The demo (岳龙镇's register), and 丰台镇's: the same rows under other numbers (丰台 for 宁河) and
    its own name as the issuer; gives 岳龙镇's numbers."""
    with open(DOCUMENTS, encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "number": "丰台" + row["number"], "issuer": FENGTAI})
    path = tmp_path / "fengtai.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    with uow() as u:
        import_documents(u, path, "fengtai")
        u.commit()
    return [row["number"] for row in rows]


def test_the_clean_up_scan_of_one_township_is_not_shown_to_another(client, sign_in, two_townships):
    sign_in("official")
    own = client.get("/documents/scan").get_data(as_text=True)
    assert "岳龙镇人民政府" in own and FENGTAI not in own          # 岳龙镇's scan, now kept
    sign_in("fengtai")
    other = client.get("/documents/scan").get_data(as_text=True)
    assert FENGTAI in other and "岳龙镇人民政府" not in other
    assert "沿用" not in other                                      # scanned for 丰台镇, not reused
    worklist = client.get("/documents/scan.csv").get_data(as_text=True)
    assert f",{FENGTAI}," in worklist and "岳龙镇人民政府" not in worklist
    for number in two_townships:
        assert f"\n{number}," not in worklist, number
