"""`yifa docs|credit template` and `export --headers zh|en --format csv|xlsx`, and an .xlsx import
and scan, as a user runs them: exit codes, files, no traceback (CASE_FORMAT v2 §3–§4)."""
import io
from pathlib import Path

import openpyxl
import pytest

from engine.credit import use_cases as credit
from engine.documents import use_cases as docs

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.slow
@pytest.mark.parametrize("command,module", [("docs", docs), ("credit", credit)])
def test_templates_print_the_header_and_one_example_and_import_back(yifa, tmp_path, command, module):
    code, out, _, _ = yifa(command, "template", "--headers", "zh")
    lines = out.decode("utf-8").splitlines()
    assert code == 0 and lines[0] == ",".join(c.zh for c in module.TABLE) and len(lines) == 2
    code, out, _, _ = yifa(command, "template", "--format", "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(out)).worksheets[0]
    assert code == 0 and [c.value for c in sheet[1]] == [c.name for c in module.TABLE] and sheet.max_row == 2
    code, _, _, _ = yifa(command, "template", "--headers", "zh", "--format", "xlsx", "-o", tmp_path / "t.xlsx")
    assert code == 0
    code, _, _, err = yifa(command, "import", tmp_path / "t.xlsx", "--as", "zhang")
    assert code == 0, err
    code, _, _, _ = yifa(command, "export", "--headers", "zh", "--format", "xlsx", "-o", tmp_path / "e.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "e.xlsx").worksheets[0]
    assert code == 0 and sheet.cell(1, 1).value == module.TABLE[0].zh and sheet.max_row == 2
    code, out, _, _ = yifa(command, "export", "--headers", "en")
    assert code == 0 and out.decode("utf-8").startswith(module.TABLE[0].name + ",")


@pytest.mark.slow
def test_an_xlsx_register_is_scanned_from_the_file_and_a_bad_one_refused(yifa, tmp_path):
    source = FIXTURES / "penalties.csv"
    import csv
    with open(source, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    book = openpyxl.Workbook()
    zh = {c.name: c.zh for c in credit.TABLE}
    book.active.append([zh[h] for h in rows[0]])
    for row in rows[1:]:
        book.active.append(row)
    book.save(tmp_path / "penalties.xlsx")
    args = ("--as-of", "2022-01-10", "--format", "json")
    xlsx = yifa("credit", "scan", "--file", tmp_path / "penalties.xlsx", "--jobs", "2", *args)
    twin = yifa("credit", "scan", "--file", source, *args)
    assert xlsx[0] == twin[0] != 2 and xlsx[1] == twin[1] and b"follow_ups" in xlsx[1]
    (tmp_path / "fake.xlsx").write_bytes(b"%PDF-1.5\n")
    code, _, _, err = yifa("docs", "import", tmp_path / "fake.xlsx", "--as", "zhang")
    assert code == 2 and "fake.xlsx" in err and "PDF" in err
