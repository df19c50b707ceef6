"""No formula reaches a spreadsheet, through the pages and the CLI, on both registers: an upload with
a formula-like free-text cell is refused naming the file, the row and the field; a cell stored before
that rule (or by other means) is downloaded and exported with a leading `'` (OWASP)."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.credit.models import PenaltyRecordRow
from engine.credit.use_cases import import_penalties
from engine.documents.models import NormativeDocumentRecord
from engine.documents.use_cases import import_documents
from tests.yifa_cli import run_yifa_on

ROOT = Path(__file__).resolve().parents[2]
FORMULAS = ['=HYPERLINK("http://example.invalid","点击")', "+1+1", "@SUM(A1)", "-1+2"]
REGISTERS = {
    "documents": dict(csv=ROOT / "web" / "demo_documents.csv", column="title", key="number",
                      model=NormativeDocumentRecord, role="official", cli="docs", importer=import_documents),
    "credit": dict(csv=ROOT / "web" / "demo_penalties.csv", column="party", key="case_number",
                   model=PenaltyRecordRow, role="official", cli="credit", importer=import_penalties),
}


def _first_row_with(register: dict, value: str) -> bytes:
    with open(register["csv"], encoding="utf-8-sig", newline="") as stream:
        reader = csv.DictReader(stream)
        rows = list(reader)
        columns = reader.fieldnames
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\r\n")    # the raw file an attacker sends
    writer.writeheader()
    writer.writerow(rows[0] | {register["column"]: value})
    return out.getvalue().encode("utf-8")


def _count(uow, model) -> int:
    with uow(read_only=True) as u:
        return u.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("name", REGISTERS)
@pytest.mark.parametrize("formula", FORMULAS)
def test_an_upload_with_a_formula_is_refused_naming_file_row_and_field(client, login_as, post_form, uow,
                                                                       name, formula):
    register = REGISTERS[name]
    login_as(register["role"])
    raw = _first_row_with(register, formula)
    response = post_form(f"/{name}/import", {"file": (io.BytesIO(raw), "恶意.csv")},
                         content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "恶意.csv" in text                                            # the file
    assert re.search(rf" 2 (\S+ )?{register['column']} .*不得以 {re.escape(formula[0])} 开头（电子表格会当作公式执行） / "
                     rf"must not begin with {re.escape(formula[0])} \(a spreadsheet would run it as a formula\)",
                     text), text[-800:]                                 # row, field, problem; Chinese first
    assert _count(uow, register["model"]) == 0


def _export(client, name: str) -> list[dict]:
    response = client.get(f"/{name}/export.csv")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    response.close()
    return list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))


@pytest.mark.parametrize("name", REGISTERS)
def test_a_stored_formula_is_downloaded_and_exported_defused(app, client, login_as, make_user, uow, name, tmp_path):
    register = REGISTERS[name]
    make_user("keeper", [register["role"]])
    with uow() as u:
        register["importer"](u, register["csv"], "keeper")
        u.commit()
    with uow() as u:                     # stored before import refused it, or by other means
        rows = u.session.scalars(select(register["model"]).order_by(register["model"].id).limit(len(FORMULAS))).all()
        keys = [getattr(r, register["key"]) for r in rows]
        for row, formula in zip(rows, FORMULAS):
            setattr(row, register["column"], formula)
        u.commit()
    login_as("auditor")
    downloaded = {r[register["key"]]: r[register["column"]] for r in _export(client, name)}
    assert [downloaded[k] for k in keys] == ["'" + f for f in FORMULAS]
    out = tmp_path / "cli.csv"
    proc = run_yifa_on(app.config["DATABASE_URL"], register["cli"], "export", "--out", out)
    assert proc.returncode == 0, proc.stderr
    with open(out, encoding="utf-8-sig", newline="") as stream:
        exported = {r[register["key"]]: r[register["column"]] for r in csv.DictReader(stream)}
    assert [exported[k] for k in keys] == ["'" + f for f in FORMULAS]
