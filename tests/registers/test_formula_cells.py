"""No formula reaches a spreadsheet (CSV injection, OWASP): both registers refuse formula-like free
text on import, naming the row and the column; every CSV written defuses such a cell with a `'`."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from engine.documents.use_cases import COLUMNS as DOC_COLUMNS
from engine.documents.use_cases import read_documents
from engine.registers.csvio import formula_problem, safe_writer, write_register

ROOT = Path(__file__).resolve().parents[2]
FORMULAS = ['=HYPERLINK("http://x","点")', "+1+1", "@SUM(A1)", "-1+2"]


def _doc_row(**cells: str) -> dict:
    with open(ROOT / "web" / "demo_documents.csv", encoding="utf-8-sig", newline="") as f:
        row = next(csv.DictReader(f))
    return row | cells


def _write(path: Path, rows: list[dict], columns) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        write_register(rows, columns, f, bom=False)
    return path


@pytest.mark.parametrize("formula", FORMULAS)
@pytest.mark.parametrize("column", ["title", "issuer"])
def test_the_document_register_refuses_a_formula_in_free_text(tmp_path, formula, column):
    path = tmp_path / "docs.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:     # written raw: the file an attacker sends
        writer = csv.DictWriter(f, DOC_COLUMNS)
        writer.writeheader()
        writer.writerow(_doc_row(**{column: formula}))
    [row] = read_documents(path)
    assert not row.ok
    assert any(column in p.path and "公式" in p.message and "formula" in p.message for p in row.problems), \
        row.problems


@pytest.mark.parametrize("formula", FORMULAS)
def test_every_csv_written_defuses_a_formula_cell(formula):
    out = io.StringIO()
    write_register([{"title": formula, "n": "2024-01-01"}], ("title", "n"), out, bom=False)
    assert out.getvalue().splitlines()[1].startswith(("'" + formula[0], "\"'" + formula[0]))
    worklist = io.StringIO()
    safe_writer(worklist).writerow([formula, "plain", "-"])
    cells = next(csv.reader(io.StringIO(worklist.getvalue())))
    assert cells == ["'" + formula, "plain", "'-"]


@pytest.mark.parametrize("cell", ["\t=1+1", "\r+1", " @SUM(A1)", "\tplain"])
def test_a_cell_opening_with_a_tab_return_or_blank_before_a_formula_is_defused(cell):
    out = io.StringIO()
    safe_writer(out).writerow([cell, "a-b", "1+1", "'quoted"])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["'" + cell, "a-b", "1+1", "'quoted"]
    assert formula_problem(cell) is not None and "p " not in formula_problem(cell)[1]


def test_the_one_import_check_is_what_both_registers_apply():
    import engine.credit.use_cases as credit
    import engine.documents.use_cases as documents
    assert credit.formula_problem is documents.formula_problem is formula_problem
    assert formula_problem("宁河区某某公司") is None and formula_problem("") is None
    assert formula_problem("-1+2") == ("不得以 - 开头（电子表格会当作公式执行）",
                                      "must not begin with - (a spreadsheet would run it as a formula)")
