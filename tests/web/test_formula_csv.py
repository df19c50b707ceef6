"""No formula reaches a spreadsheet (CSV injection, OWASP), through the web and the CLI, on both
registers: an upload holding a formula-like free-text cell is refused naming the file, the row and
the column; a formula-like cell already stored (from before the import refused them, or by other
means) leaves every export and download with a leading `'`."""
from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.credit.models import PenaltyRecordRow
from engine.credit.use_cases import import_penalties
from engine.documents.models import NormativeDocumentRecord
from engine.documents.use_cases import import_documents
from tests.days import TODAY

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "web" / "demo_documents.csv"
PENALTIES = ROOT / "web" / "demo_penalties.csv"
FORMULAS = ['=HYPERLINK("http://example.invalid","点击")', "+1+1", "@SUM(A1)", "-1+2"]
# (register, upload page, demo file, key column, the free-text column tampered with, table, its key)
REGISTERS = {
    "documents": ("/documents/import", DOCS, "number", "title", NormativeDocumentRecord, "number"),
    "credit": ("/credit/import", PENALTIES, "case_number", "party", PenaltyRecordRow, "case_number"),
}


def _with_formula(demo: Path, column: str, formula: str) -> bytes:
    """The demo register with the first row's `column` replaced, written raw (an attacker's file)."""
    with open(demo, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        rows, header = list(reader), reader.fieldnames
    rows[0][column] = formula
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, header, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize("formula", FORMULAS)
@pytest.mark.parametrize("name", sorted(REGISTERS))
def test_an_upload_with_a_formula_cell_is_refused_naming_file_row_and_column(client, login_as, post_form, uow,
                                                                             name, formula):
    page, demo, _, column, table, _ = REGISTERS[name]
    login_as("official")
    response = post_form(page, {"file": (io.BytesIO(_with_formula(demo, column, formula)), "带公式.csv")},
                         content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400, html[:500]
    assert "带公式.csv" in html
    assert re.search(rf'<td class="row">2</td>\s*<td>[^<]*<code class="en">{column}</code>', html), html[-3000:]
    assert "公式" in html and "formula" in html
    assert html.index("公式") < html.index("formula")                  # Chinese first
    with uow(read_only=True) as u:
        assert u.session.scalar(select(func.count()).select_from(table)) == 0


def _stored_with_formula(uow, make_user, name: str, formula: str) -> str:
    """The demo register imported, then one row's free text set to a formula (as a row stored before
    the import refused them would be); gives that row's key."""
    _, demo, _, column, table, key = REGISTERS[name]
    make_user("keeper", ["official"])
    with uow() as u:
        (import_documents if name == "documents" else import_penalties)(u, demo, "keeper")
        u.commit()
    with uow() as u:
        row = u.session.scalars(select(table).order_by(getattr(table, key)).limit(1)).one()
        setattr(row, column, formula)
        u.commit()
        return getattr(row, key)


def _cell(body: bytes, key_column: str, key: str, column: str) -> str:
    rows = csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline=""))
    return next(r[column] for r in rows if r[key_column] == key)


def _no_cell_runs(body: bytes) -> None:
    for record in csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")):
        for cell in record:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


@pytest.mark.parametrize("formula", ["=HYPERLINK(\"http://example.invalid\")", "-1+2"])
@pytest.mark.parametrize("name", sorted(REGISTERS))
def test_a_stored_formula_leaves_the_web_and_cli_exports_defused(app, client, login_as, uow, make_user, tmp_path,
                                                                  name, formula):
    _, _, key_column, column, _, _ = REGISTERS[name]
    key = _stored_with_formula(uow, make_user, name, formula)
    login_as("secretary")
    response = client.get(f"/{name}/export.csv")
    assert response.status_code == 200
    web_body = response.get_data()
    response.close()
    out = tmp_path / "cli.csv"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": app.config["DATABASE_URL"]}
    group = "docs" if name == "documents" else "credit"
    proc = subprocess.run([sys.executable, "-m", "engine.cli", group, "export", "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    for body in (web_body, out.read_bytes()):
        assert _cell(body, key_column, key, column) == "'" + formula
        _no_cell_runs(body)


def test_a_stored_formula_leaves_the_worklist_downloads_defused(client, login_as, uow, make_user):
    _stored_with_formula(uow, make_user, "documents", "=1+1")
    _stored_with_formula(uow, make_user, "credit", "@SUM(A1)")
    login_as("secretary")
    for url in ("/documents/scan.csv", "/credit/follow-ups.csv"):
        response = client.get(url, query_string={"as_of": TODAY.isoformat()})
        assert response.status_code == 200, url
        _no_cell_runs(response.get_data())
        response.close()
