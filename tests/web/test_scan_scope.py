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
from tests.days import TODAY
from tests.web.conftest import read_csrf_token
from web.db import get_engine
from web.demo import DEMO_USERS, DOCUMENTS, seed_demo

PASSWORDS = {u.username: u.password for u in DEMO_USERS}
FENGTAI = "丰台镇人民政府"


def sign_in(client, username: str) -> None:
    if client.get("/login").status_code == 302:
        client.post("/logout", data={"csrf_token": read_csrf_token(client.get("/").get_data(as_text=True))})
    token = read_csrf_token(client.get("/login").get_data(as_text=True))
    answer = client.post("/login", data={"username": username, "password": PASSWORDS[username],
                                         "csrf_token": token})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]


@pytest.fixture
def two_townships(app, uow, tmp_path):
    """The demo (岳龙镇's register), and 丰台镇's: the same rows under other numbers (丰台 for 宁河) and
    its own name as the issuer; gives 岳龙镇's numbers."""
    with app.app_context():
        seed_demo(get_engine(), TODAY)
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


def test_the_clean_up_scan_of_one_township_is_not_shown_to_another(client, two_townships):
    sign_in(client, "official")
    own = client.get("/documents/scan").get_data(as_text=True)
    assert "岳龙镇人民政府" in own and FENGTAI not in own          # 岳龙镇's scan, now kept
    sign_in(client, "fengtai")
    other = client.get("/documents/scan").get_data(as_text=True)
    assert FENGTAI in other and "岳龙镇人民政府" not in other
    assert "沿用" not in other                                      # scanned for 丰台镇, not reused
    worklist = client.get("/documents/scan.csv").get_data(as_text=True)
    assert f",{FENGTAI}," in worklist and "岳龙镇人民政府" not in worklist
    for number in two_townships:
        assert f"\n{number}," not in worklist, number
