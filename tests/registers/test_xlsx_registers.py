"""Registers as people keep them (CASE_FORMAT v2 §3–§4): an .xlsx first sheet, Chinese or English
headers, templates, documents without a number, masked credit codes, the optional `sector`, and
bad workbooks refused with one message naming the file."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from engine.core.errors import InputError
from engine.credit import use_cases as credit
from engine.credit.facts import flatten, regime_context
from engine.credit.queries import export_penalties
from engine.credit.scan import CreditScanner
from engine.credit.scan import write_json as credit_json
from engine.documents import use_cases as docs
from engine.documents.queries import export_documents
from engine.documents.scan import DocumentScanner
from engine.documents.scan import write_json as docs_json
from engine.registers.csvio import header_labels, write_table
from engine.trail import canonical

FIXTURES = Path(__file__).parent / "fixtures"
DOCS_CSV = FIXTURES / "yuelong-register.csv"
PENALTIES_CSV = FIXTURES / "penalties.csv"


def csv_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def workbook(path: Path, header: list, rows: list[list], dates: bool = False, title: str = "登记表") -> Path:
    """An .xlsx as a spreadsheet program saves it: `dates` writes ISO dates as date cells."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(header)
    for row in rows:
        sheet.append([date.fromisoformat(c) if dates and len(c) == 10 and c[4] == "-" and c[:4].isdigit() else c
                      for c in row])
    book.save(path)
    return path


def chinese(header: list[str], table) -> list[str]:
    zh = {c.name: c.zh for c in table}
    return [zh[h] for h in header]


def records(rows) -> list:
    assert all(r.ok for r in rows), [p for r in rows for p in r.problems]
    return [r.record for r in rows]


def json_reports(scanner, write_json, *registers) -> list[dict]:
    """Each register scanned and written as JSON by `write_json`, read back."""
    reports = []
    for register in registers:
        out = io.StringIO()
        write_json(scanner, scanner.scan(register), out)
        reports.append(json.loads(out.getvalue()))
    return reports


# --- an .xlsx with Chinese headers scans to the same findings as its CSV twin ----------------

def test_a_document_register_in_xlsx_with_chinese_headers_scans_as_its_csv_twin(tmp_path):
    header, rows = csv_rows(DOCS_CSV)
    path = workbook(tmp_path / "规范性文件登记表.xlsx", chinese(header, docs.TABLE), rows, dates=True)
    from_xlsx, from_csv = records(docs.read_documents(path)), records(docs.read_documents(DOCS_CSV))
    assert from_xlsx == from_csv and len(from_csv) >= 3
    reports = json_reports(DocumentScanner(date(2024, 6, 1)), docs_json, from_xlsx, from_csv)
    assert reports[0] == reports[1]
    assert reports[0]["summary"]["needing_action"] > 0          # there is something to find


def test_a_penalty_register_in_xlsx_with_chinese_headers_scans_as_its_csv_twin(tmp_path):
    header, rows = csv_rows(PENALTIES_CSV)
    path = workbook(tmp_path / "行政处罚登记表.xlsx", chinese(header, credit.TABLE), rows, dates=True)
    from_xlsx, from_csv = records(credit.read_penalties(path)), records(credit.read_penalties(PENALTIES_CSV))
    assert from_xlsx == from_csv and len(from_csv) == 20
    reports = json_reports(CreditScanner(date(2022, 1, 10)), credit_json, from_xlsx, from_csv)
    assert reports[0] == reports[1] and reports[0]["follow_ups"]


def test_a_chinese_header_csv_reads_like_the_english_one(tmp_path):
    header, rows = csv_rows(PENALTIES_CSV)
    path = tmp_path / "zh.csv"
    with open(path, "w", encoding="gb18030", newline="") as f:       # what Excel saves for Chinese
        writer = csv.writer(f)
        writer.writerow(chinese(header, credit.TABLE))
        writer.writerows(rows)
    assert records(credit.read_penalties(path)) == records(credit.read_penalties(PENALTIES_CSV))


def test_a_mixed_header_is_refused_naming_the_file_and_the_columns(tmp_path):
    header, rows = csv_rows(DOCS_CSV)
    mixed = chinese(header, docs.TABLE)
    mixed[2] = "issuer"
    path = workbook(tmp_path / "mixed.xlsx", mixed, rows)
    with pytest.raises(InputError) as refused:
        docs.read_documents(path)
    said = str(refused.value)
    assert "mixed.xlsx" in said and "混用" in said and "issuer" in said and "文号" in said and "mixes" in said


def test_a_chinese_header_missing_a_column_names_it_in_chinese(tmp_path):
    header, rows = csv_rows(DOCS_CSV)
    path = workbook(tmp_path / "short.xlsx", chinese(header, docs.TABLE)[:-1], [r[:-1] for r in rows])
    with pytest.raises(InputError) as refused:
        docs.read_documents(path)
    assert "缺少列 '最近评估日期'" in str(refused.value)


# --- templates, exports ------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("headers", ["zh", "en"])
@pytest.mark.parametrize("module", [docs, credit], ids=["documents", "penalties"])
def test_a_template_round_trips(tmp_path, fmt, headers, module):
    path = tmp_path / f"template.{fmt}"
    with (open(path, "wb") if fmt == "xlsx" else open(path, "w", encoding="utf-8", newline="")) as out:
        write_table([module.EXAMPLE], module.TABLE, out, fmt, headers, every_column=True)
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(path).worksheets[0]
        assert [c.value for c in sheet[1]] == list(header_labels(module.TABLE, headers))
        assert sheet.max_row == 2
    read = module.read_documents(path) if module is docs else module.read_penalties(path)
    [row] = read
    assert row.ok, row.problems
    expected = {c.name: module.EXAMPLE.get(c.name, "") for c in module.TABLE
                if not c.optional or module.EXAMPLE.get(c.name)}          # an optional column when filled
    assert row.record.to_row() == expected


@pytest.mark.parametrize("headers", ["zh", "en"])
def test_exports_in_both_languages_and_formats_import_back_unchanged(uow, clerk, tmp_path, headers):
    with uow() as u:
        docs.import_documents(u, DOCS_CSV, clerk)
        credit.import_penalties(u, PENALTIES_CSV, clerk)
        u.commit()
    for module, export, name in ((docs, export_documents, "d"), (credit, export_penalties, "p")):
        with uow(read_only=True) as u, open(tmp_path / f"{name}.xlsx", "wb") as out:
            export(u.session, out, headers=headers, fmt="xlsx")
        with uow(read_only=True) as u, open(tmp_path / f"{name}.csv", "w", encoding="utf-8", newline="") as text:
            export(u.session, text, headers=headers)
        sheet = openpyxl.load_workbook(tmp_path / f"{name}.xlsx").worksheets[0]
        labels = [c.value for c in sheet[1]]
        first_csv_line = (tmp_path / f"{name}.csv").read_text(encoding="utf-8-sig").splitlines()[0]
        assert labels == first_csv_line.split(",")
        optional = {c.name for c in module.TABLE if c.optional}   # written only when a row has it
        assert labels == [c.zh if headers == "zh" else c.name for c in module.TABLE if c.name not in optional]
        assert all(cell.data_type == "s" for row in sheet.iter_rows(min_row=2) for cell in row if cell.value)
        importer = docs.import_documents if module is docs else credit.import_penalties
        for fmt in ("xlsx", "csv"):
            with uow() as u:
                result = importer(u, tmp_path / f"{name}.{fmt}", clerk)
                u.commit()
            assert not result.imported and not result.updated and result.unchanged


def test_formula_text_is_refused_in_xlsx_and_defused_in_an_xlsx_export(tmp_path):
    header, rows = csv_rows(DOCS_CSV)
    rows[0][1] = '=HYPERLINK("http://evil.example","x")'
    book = openpyxl.Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)              # openpyxl stores a text beginning with = as a formula
    book.save(tmp_path / "formula.xlsx")
    [bad] = [r for r in docs.read_documents(tmp_path / "formula.xlsx") if not r.ok]
    assert bad.number == 2 and any("title" in p.path and "公式" in p.message for p in bad.problems)

    out = tmp_path / "export.xlsx"
    hostile = {**docs.EXAMPLE, "title": "=1+1", "issuer": "@SUM(A1)", "basis": ""}
    with open(out, "wb") as f:
        write_table([hostile], docs.TABLE, f, "xlsx", "zh")
    sheet = openpyxl.load_workbook(out).worksheets[0]
    title, issuer = sheet.cell(2, 2), sheet.cell(2, 3)
    assert (title.value, title.data_type) == ("'=1+1", "s") and (issuer.value, issuer.data_type) == ("'@SUM(A1)", "s")
    with zipfile.ZipFile(out) as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode()    # no formula element anywhere


# --- bad workbooks: one message naming the file and the problem --------------------------------

def merged_header(path: Path) -> Path:
    book = openpyxl.Workbook()
    book.active.append(["岳龙镇规范性文件登记表"])
    book.active.merge_cells("A1:N1")
    book.active.append(list(docs.COLUMNS))
    book.save(path)
    return path


def empty_sheet(path: Path) -> Path:
    openpyxl.Workbook().save(path)
    return path


def written(data: bytes):
    def make(path: Path) -> Path:
        path.write_bytes(data)
        return path
    return make


@pytest.mark.parametrize("name,make,expected", [
    ("register.xlsx", written(b"%PDF-1.7\n1 0 obj\n"), "PDF"),
    ("register.xlsx", written(b"number,title\n"), "不是有效的 .xlsx"),
    ("register.xls", written(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100), ".xls"),
    ("register.xlsx", written(b"PK\x03\x04" + b"\x00" * 60), "ZIP"),
    ("register.xlsx", lambda p: (zipfile.ZipFile(p, "w").writestr("a.txt", "x"), p)[1], "无法作为 .xlsx 工作簿打开"),
    ("register.xlsx", empty_sheet, "为空"),
    ("register.xlsx", merged_header, "合并单元格（A1:N1）"),
])
def test_a_bad_workbook_is_one_message_naming_the_file(tmp_path, name, make, expected):
    path = make(tmp_path / name)
    for read in (docs.read_documents, credit.read_penalties):
        with pytest.raises(InputError) as refused:
            read(path)
        assert len(refused.value.problems) == 1
        said = str(refused.value)
        assert str(path) in said and expected in said and "Traceback" not in said


def test_a_sheet_row_number_is_the_spreadsheets_with_blank_rows_between(tmp_path):
    header, rows = csv_rows(PENALTIES_CSV)
    bad = list(rows[1])
    bad[4] = "2021-02-30"
    path = workbook(tmp_path / "gaps.xlsx", header, [rows[0], [], [], bad])
    [problem] = [p for r in credit.read_penalties(path) for p in r.problems]
    assert problem.path == "row 5, decided_on"


# --- a document without a number, a masked credit code, a sector ------------------------------

def test_a_document_without_a_number_gets_a_stable_key_and_a_warning(uow, clerk, tmp_path):
    header, rows = csv_rows(DOCS_CSV)
    rows[0][0] = ""
    path = workbook(tmp_path / "no-number.xlsx", chinese(header, docs.TABLE), rows)
    first = docs.read_documents(path)[0]
    assert first.ok and first.record.number.startswith(docs.KEY_PREFIX) and len(first.record.number) == 20
    assert any("未填写文号" in w.message and first.record.number in w.message for w in first.warnings)
    assert first.record.to_row()["number"] == ""
    with uow() as u:
        imported = docs.import_documents(u, path, clerk)
        u.commit()
    rows[0][12] = "repealed"                                     # the same document, its status edited
    again = workbook(tmp_path / "again.xlsx", chinese(header, docs.TABLE), rows)
    with uow() as u:
        updated = docs.import_documents(u, again, clerk)
        u.commit()
    assert first.record.number in imported.imported and updated.updated == [first.record.number]
    rows.append(list(rows[0]))                                  # the same unnumbered document twice
    twice = workbook(tmp_path / "twice.xlsx", header, rows)
    [dup] = [r for r in docs.read_documents(twice) if not r.ok]
    assert "与第 2 行相同" in dup.problems[0].message


def test_a_number_cannot_pose_as_a_key(tmp_path):
    header, rows = csv_rows(DOCS_CSV)
    rows[0][0] = docs.KEY_PREFIX + "0123456789abcdef"
    [bad] = [r for r in docs.read_documents(workbook(tmp_path / "k.xlsx", header, rows)) if not r.ok]
    assert "留作无文号文件的登记键" in bad.problems[0].message


@pytest.mark.parametrize("code,ok", [("9141010*********8X", True), ("91120221MA05T6****", True),
                                     ("9141010*********8x", False), ("91A1010*********8X", False),
                                     ("9141010********8X", False)])
def test_a_masked_credit_code_is_accepted_as_masked_never_checked_as_whole(tmp_path, code, ok):
    header, rows = csv_rows(PENALTIES_CSV)
    rows[0][2] = code
    row = credit.read_penalties(workbook(tmp_path / "m.xlsx", header, rows[:1]))[0]
    assert row.ok is ok, row.problems
    if ok:
        assert row.record.credit_code == code and row.record.masked
        assert [w.path for w in row.warnings if "脱敏" in w.message] == ["row 2, credit_code"]
        assert "check characters cannot be verified" in row.warnings[-1].message


def test_the_sector_column_is_optional_stored_and_lets_sector_periods_apply(uow, clerk, tmp_path):
    header, rows = csv_rows(PENALTIES_CSV)
    row = dict(zip(header, rows[0]))
    row.update(decided_on="2024-03-01", published_on="2024-03-01", fulfilled_on="", commitment_on="",
               training_on="", credit_report_on="", repair_applied_on="", repair_decided_on="",
               repair_result="", revoked_on="", withdrawn_on="", category="general")
    path = tmp_path / "sector.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, [*header, "sector"])
        writer.writeheader()
        writer.writerow({**row, "sector": "安全生产"})
        writer.writerow({**row, "case_number": row["case_number"] + "乙", "sector": "市场监管"})
        writer.writerow({**row, "case_number": row["case_number"] + "丙", "sector": ""})
    safety, market, none = records(credit.read_penalties(path))
    assert (safety.sector, market.sector, none.sector) == ("安全生产", "市场监管", None)
    context = regime_context(CreditScanner(date(2024, 9, 1)).checker.book, None)
    months = [flatten(p, date(2024, 9, 1), **context)["min_months"] for p in (safety, market, none)]
    assert months == [12, 3, 3]                 # Order 58, Shenzhen guidance item 2 for work safety
    later = flatten(replace(safety, decided_on=date(2025, 7, 1), published_on=date(2025, 7, 1)),
                    date(2025, 9, 1), **context)
    assert later["min_months"] == 3             # 国办发〔2025〕22号's periods: no sector source yet
    with uow() as u:
        credit.import_penalties(u, path, clerk)
        u.commit()
    with uow(read_only=True) as u:
        text = io.StringIO(newline="")
        export_penalties(u.session, text)
    lines = text.getvalue().lstrip("\ufeff").split("\r\n")
    assert lines[0].endswith(",sector") and lines[1].endswith(",安全生产") and lines[3].endswith(",")


def test_a_file_without_the_sector_column_keeps_its_digests(uow, clerk):
    with uow() as u:
        credit.import_penalties(u, PENALTIES_CSV, clerk)
        u.commit()
    with uow() as u:
        again = credit.import_penalties(u, PENALTIES_CSV, clerk)
    assert len(again.unchanged) == 20
    first = records(credit.read_penalties(PENALTIES_CSV))[0]
    row = first.to_row()
    assert row.pop("sector") == ""
    assert first.sha256() == hashlib.sha256(canonical(row).encode()).hexdigest()   # the digest before v2


def test_damaged_workbooks_end_in_an_input_error_never_another_exception(tmp_path):
    """Bytes of a real workbook, cut short or with bytes changed (seeded): either read, or one
    InputError naming the file — nothing else escapes openpyxl, zipfile or the XML parser."""
    import random
    header, rows = csv_rows(PENALTIES_CSV)
    good = workbook(tmp_path / "good.xlsx", header, rows).read_bytes()
    rng = random.Random(14)
    samples = [good[:n] for n in (30, 200, len(good) // 2, len(good) - 10)]
    for _ in range(60):
        damaged = bytearray(good)
        for _ in range(rng.randint(1, 8)):
            damaged[rng.randrange(30, len(damaged))] = rng.randrange(256)
        samples.append(bytes(damaged))
    refused = 0
    for i, data in enumerate(samples):
        path = tmp_path / f"damaged-{i}.xlsx"
        path.write_bytes(data)
        try:
            credit.read_penalties(path)
        except InputError as e:
            refused += 1
            assert str(path) in str(e)
    assert refused >= 4                     # at least the cut ones


@pytest.mark.parametrize("headers", ["zh", "en"])
def test_the_catalogue_reads_its_template_in_xlsx_with_either_header(tmp_path, headers):
    from engine.catalogue.record import EXAMPLE, TABLE
    from engine.catalogue.use_cases import read_catalogue
    path = tmp_path / "目录.xlsx"
    with open(path, "wb") as out:
        write_table([EXAMPLE], TABLE, out, "xlsx", headers, every_column=True)
    [row] = read_catalogue(path)
    assert row.ok, row.problems
    assert row.record.title == EXAMPLE["title"] and row.record.key.endswith("/1")
