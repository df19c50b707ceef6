"""Importing and exporting the administrative-penalty register (CASE_FORMAT §4), on SQLite and PostgreSQL."""
from __future__ import annotations

import csv
import dataclasses
import io
import json
from datetime import date

import pytest
from sqlalchemy import func, inspect, select

import engine.registers.csvio as csvio
from engine.core.errors import InputError, PermissionDeniedError
from engine.credit.credit_code import with_check_characters
from engine.credit.models import PenaltyRecordRow
from engine.credit.queries import all_penalties, export_penalties
from engine.credit.use_cases import (
    COLUMNS,
    PenaltyRecord,
    import_penalties,
)
from engine.store.models import TrailEvent
from engine.trail import verify_all

REGISTER = "penalties.csv"
SECTION_4 = ["case_number", "party", "credit_code", "authority", "decided_on", "category", "published_on",
             "fulfilled_on", "commitment_on", "training_on", "credit_report_on", "repair_applied_on",
             "repair_decided_on", "repair_result", "revoked_on", "withdrawn_on"]
REPAIRED = "宁河综执罚〔2021〕15号"   # fixture row 3: published, fulfilled, committed, applied, granted, withdrawn


# --- helpers -----------------------------------------------------------------------------

def fixture_rows(fixtures) -> list[dict[str, str]]:
    with open(fixtures / REGISTER, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def repaired_row(fixtures, **changes) -> dict[str, str]:
    row = next(r for r in fixture_rows(fixtures) if r["case_number"] == REPAIRED)
    return {**row, **changes}


def write_csv(path, rows, columns=None):
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, columns or SECTION_4)      # a §4 file as before the optional `sector`
        writer.writeheader()
        writer.writerows(rows)
    return path


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline="")))


def do_import(uow, path, actor, **options):
    with uow() as u:
        result = import_penalties(u, path, actor, **options)
        u.commit()
    return result


def export_text(uow, bom=True) -> str:
    stream = io.StringIO(newline="")
    with uow(read_only=True) as u:
        export_penalties(u.session, stream, bom=bom)
    return stream.getvalue()


def count(uow, model=PenaltyRecordRow) -> int:
    with uow(read_only=True) as u:
        return u.session.scalar(select(func.count()).select_from(model))


def events(uow, case_number):
    with uow(read_only=True) as u:
        return u.session.scalars(select(TrailEvent).where(TrailEvent.case_id == f"penalty:{case_number}")
                                 .order_by(TrailEvent.seq)).all()


# --- the format --------------------------------------------------------------------------

def test_the_record_has_exactly_the_section_4_columns_in_order():
    # the §4 columns, then the optional `sector` (CASE_FORMAT v2: a file may leave it out)
    assert list(COLUMNS) == SECTION_4 + ["sector"]
    assert [f.name for f in dataclasses.fields(PenaltyRecord)] == SECTION_4 + ["sector"]


@pytest.mark.parametrize("text", ["2021-05-10", "2021/5/1", "2021-5-1", "2021/05/10", "2021-02-30", "21-5-1",
                                  "2021.5.1", "2021年5月1日", "20210501", ""])
def test_dates_are_read_exactly_as_the_document_register_reads_them(text):
    from engine.documents import use_cases as documents
    assert documents.parse_date is csvio.parse_date             # one reader for both registers
    expected = {"2021-05-10": (2021, 5, 10), "2021/5/1": (2021, 5, 1), "2021-5-1": (2021, 5, 1),
                "2021/05/10": (2021, 5, 10)}.get(text)
    assert csvio.parse_date(text) == (date(*expected) if expected else None)


def test_the_table_is_indexed_by_authority_and_decision_date(engine):
    indexes = {tuple(ix["column_names"]) for ix in inspect(engine).get_indexes("penalty_records")}
    assert {("authority",), ("decided_on",)} <= indexes


def test_the_fixture_register_imports_and_exports_back_byte_for_byte(uow, clerk, fixtures, tmp_path):
    result = do_import(uow, fixtures / REGISTER, clerk)
    assert len(result.imported) == 20 and not result.rejected and not result.warnings
    exported = export_text(uow)
    assert exported.encode("utf-8") == (fixtures / REGISTER).read_bytes()
    again = tmp_path / "again.csv"
    again.write_bytes(exported.encode("utf-8"))
    result = do_import(uow, again, clerk)
    assert len(result.unchanged) == 20 and not result.imported and not result.updated
    assert export_text(uow) == exported
    assert count(uow, TrailEvent) == 20                     # identical rows leave no event


@pytest.mark.slow
def test_an_exported_register_imports_into_a_fresh_database_and_exports_identically(uow, clerk, fixtures, tmp_path):
    """Round trip through Excel's encoding: GB18030 without BOM, Excel dates, LF line ends."""
    rows = fixture_rows(fixtures)
    for row in rows:
        row["decided_on"] = row["decided_on"].replace("-0", "/").replace("-", "/")
    path = tmp_path / "excel.csv"
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode("gb18030"))
    assert "2021/5/10" in path.read_bytes().decode("gb18030")
    assert len(do_import(uow, path, clerk).imported) == 20
    assert export_text(uow).encode("utf-8") == (fixtures / REGISTER).read_bytes()


def test_a_utf8_file_without_byte_order_mark_and_a_given_encoding_import(uow, clerk, fixtures, tmp_path):
    path = tmp_path / "plain.csv"
    path.write_bytes((fixtures / REGISTER).read_bytes()[3:])
    assert len(do_import(uow, path, clerk, encoding="utf-8").imported) == 20


@pytest.mark.slow
def test_the_columns_are_matched_by_name_and_exported_in_the_section_4_order(uow, clerk, fixtures, tmp_path):
    path = write_csv(tmp_path / "reordered.csv", fixture_rows(fixtures), columns=list(reversed(COLUMNS)))
    assert len(do_import(uow, path, clerk).imported) == 20
    assert export_text(uow).encode("utf-8") == (fixtures / REGISTER).read_bytes()


def test_the_stdout_export_has_no_byte_order_mark(uow, clerk, fixtures):
    do_import(uow, fixtures / REGISTER, clerk)
    text = export_text(uow, bom=False)
    assert text.startswith("case_number,party,") and text.endswith("\r\n")


# --- bad rows ----------------------------------------------------------------------------

def bad_rows(fixtures):
    """(changes to the fully repaired row, column of the problem, words of its message)."""
    code = repaired_row(fixtures)["credit_code"]
    wrong = next(c for c in "0123456789ABC" if c != code[-1])
    return [
        ({"case_number": ""}, "case_number", "required"),
        ({"party": ""}, "party", "必填"),
        ({"credit_code": ""}, "credit_code", "required"),
        ({"authority": ""}, "authority", "required"),
        ({"decided_on": ""}, "decided_on", "required"),
        ({"category": ""}, "category", "required"),
        ({"decided_on": "2021-02-30"}, "decided_on", "invalid date '2021-02-30'"),
        ({"published_on": "2021.06.09"}, "published_on", "expected YYYY-MM-DD"),
        ({"category": "serious"}, "category", "expected one of minor | general | severe | specified_severe"),
        ({"repair_result": "approved"}, "repair_result", "expected one of granted | refused"),
        ({"credit_code": code[:-1] + wrong}, "credit_code", f"校验位应为 {code[-1]}，实际为 {wrong}"),
        ({"credit_code": code.lower()}, "credit_code", "lower-case"),
        ({"credit_code": code[:17]}, "credit_code", "got 17"),
        ({"repair_decided_on": ""}, "repair_result", "without repair_decided_on"),
        ({"repair_result": ""}, "repair_result", "without a result"),
        ({"repair_applied_on": "2021-09-25"}, "repair_decided_on", "before the application (2021-09-25)"),
        ({"published_on": "2021-06-02"}, "published_on", "before the decision (2021-06-03)"),
        ({"fulfilled_on": "2021-05-30"}, "fulfilled_on", "before the decision"),
        ({"repair_applied_on": "2021-06-01"}, "repair_applied_on", "before the decision"),
        ({"revoked_on": "2021-06-01"}, "revoked_on", "早于处罚决定日期"),
        ({"withdrawn_on": "2021-06-01"}, "withdrawn_on", "before the decision"),
        ({"withdrawn_on": "2021-06-05"}, "withdrawn_on", "before the publication (2021-06-09)"),
        ({"published_on": ""}, "withdrawn_on", "never published"),
        ({"case_number": "宁河综执罚" + "〔2021〕" * 40}, "case_number", "at most 200"),
        ({"party": "某" * 201}, "party", "too long (201 characters"),
        ({"party": '=HYPERLINK("http://example.invalid","点击")'}, "party", "must not begin with ="),
        ({"authority": "@SUM(1+1)"}, "authority", "begin with @"),
        ({"case_number": "+86-22-1"}, "case_number", "begin with +"),
        ({"party": "-2+3"}, "party", "begin with -"),
        ({"party": "天津市宁河区\x00某某公司"}, "party", "control character U+0000"),
        ({"authority": "岳龙镇\x1b人民政府"}, "authority", "U+001B"),
        ({"party": "某" * 20_000}, "party", "cell too long (20000 characters"),
        ({"party": "某" * 200_000}, "party", "cell too long (200000 characters"),  # over csv's own field limit
    ]


def write_bad_file(fixtures, tmp_path):
    cases = bad_rows(fixtures)
    good = fixture_rows(fixtures)[0]
    rows = [good] + [repaired_row(fixtures, **{"case_number": f"宁河综执罚〔2021〕{100 + i}号", **changes})
                     for i, (changes, _, _) in enumerate(cases)]
    return write_csv(tmp_path / "bad.csv", rows), cases


def test_a_file_with_bad_rows_is_refused_whole_naming_row_column_and_reason_of_each(uow, clerk, fixtures, tmp_path):
    path, cases = write_bad_file(fixtures, tmp_path)
    with pytest.raises(InputError) as refused:
        do_import(uow, path, clerk)
    problems = refused.value.problems
    for n, (changes, column, words) in enumerate(cases, start=3):
        mine = [p for p in problems if p.path.startswith(f"row {n},")]
        assert any(p.path == f"row {n}, {column}" and words in p.message for p in mine), (changes, mine)
        assert all(p.file == str(path) for p in mine)
    assert not any(p.path.startswith("row 2,") for p in problems)
    assert count(uow) == 0 and count(uow, TrailEvent) == 0


def test_skip_invalid_imports_the_good_rows_and_writes_the_rejected_ones_with_reasons(uow, clerk, fixtures, tmp_path):
    path, cases = write_bad_file(fixtures, tmp_path)
    out = tmp_path / "rejected.csv"
    result = do_import(uow, path, clerk, skip_invalid=True, rejected_out=out)
    assert result.imported == ["宁河综执罚〔2021〕12号"] and count(uow) == 1
    rejected = rows_of(out.read_text(encoding="utf-8"))
    assert list(rejected[0]) == SECTION_4 + ["reason"]
    assert len(rejected) == len(cases)
    assert rejected[6]["decided_on"] == "2021-02-30" and "row 9, decided_on" in rejected[6]["reason"]
    assert rejected[10]["credit_code"] != repaired_row(fixtures)["credit_code"]   # the cells as given…
    assert rejected[25]["party"] == "'" + cases[25][0]["party"]                     # …formulas defused
    assert rejected[28]["party"] == "'-2+3"


def test_a_case_number_twice_in_one_file_refuses_the_second(uow, clerk, fixtures, tmp_path):
    rows = fixture_rows(fixtures)
    path = write_csv(tmp_path / "dup.csv", rows + [dict(rows[4], party="天津市宁河区另一家有限公司")])
    with pytest.raises(InputError) as refused:
        do_import(uow, path, clerk)
    [problem] = refused.value.problems
    assert problem.path == "row 22, case_number" and "row 6" in problem.message
    assert count(uow) == 0


def test_repair_materials_dated_before_the_decision_and_a_decision_without_application_are_warnings(
        uow, clerk, fixtures, tmp_path):
    rows = [repaired_row(fixtures, commitment_on="2021-01-04", training_on="2020-12-01"),
            repaired_row(fixtures, case_number="宁河综执罚〔2021〕16号", repair_applied_on="")]
    result = do_import(uow, write_csv(tmp_path / "warn.csv", rows), clerk)
    assert len(result.imported) == 2
    assert [w.path for w in result.warnings] == ["row 2, commitment_on", "row 2, training_on",
                                                 "row 3, repair_decided_on"]
    payload = json.loads(events(uow, REPAIRED)[0].payload)
    assert any("commitment_on" in w for w in payload["warnings"])


# --- hostile files -----------------------------------------------------------------------

def _header() -> str:
    return ",".join(SECTION_4)          # without the optional `sector`


def _good_line(fixtures) -> str:
    return (fixtures / REGISTER).read_text(encoding="utf-8-sig").splitlines()[1]


HOSTILE = {
    # name: (bytes of the file, the problem's path, words of the message)
    "empty": (lambda fx: b"", "row 1", "empty file"),
    "blank lines only": (lambda fx: b"\r\n\r\n", "row 1", "no header row"),
    "utf-16": (lambda fx: (_header() + "\n" + _good_line(fx) + "\n").encode("utf-16"), "(root)", "UTF-16"),
    "utf-16 without BOM": (lambda fx: (_header() + "\n").encode("utf-16-le"), "(root)", "UTF-16"),
    "an xlsx saved as csv": (lambda fx: b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "(root)", ".xlsx"),
    "latin-1": (lambda fx: (_header() + "\nMüller-Café, Straße é\n").encode("latin-1"), "(root)",
                "neither UTF-8 nor GB18030"),
    "missing column": (lambda fx: (_header().rsplit(",", 1)[0] + "\n").encode(), "row 1",
                       "missing column 'withdrawn_on'"),
    "unknown column": (lambda fx: (_header() + ",remarks\n").encode(), "row 1", "unknown column 'remarks'"),
    "renamed column": (lambda fx: _header().replace("party", "当事人").encode() + b"\n", "row 1",
                       "the header mixes Chinese column names (当事人)"),
    "duplicate column": (lambda fx: ("party," + _header() + "\n").encode(), "row 1", "duplicate column 'party'"),
    "short row": (lambda fx: (_header() + "\n" + _good_line(fx).rsplit(",", 3)[0] + "\n").encode(),
                  "row 2, repair_result", "expected 16 fields, got 13"),
    "long row": (lambda fx: (_header() + "\n" + _good_line(fx) + ",=cmd|' /C calc'!A0,x\n").encode(),
                 "row 2, column 17", "expected 16 fields, got 18"),
    "NUL in a cell": (lambda fx: (_header() + "\n" + _good_line(fx).replace("商贸", "商\x00贸") + "\n").encode(),
                      "row 2, party", "U+0000"),
    "NUL in a GB18030 cell": (lambda fx: (_header() + "\n" + _good_line(fx).replace("商贸", "商\x00贸") + "\n")
                              .encode("gb18030"), "row 2, party", "U+0000"),
    "formula in a cell": (lambda fx: (_header() + "\n" + _good_line(fx).replace(
        "天津市宁河区某某商贸有限公司", "=1+1") + "\n").encode(), "row 2, party", "formula"),
    "a huge field": (lambda fx: (_header() + "\n" + _good_line(fx).replace("岳龙镇人民政府", "岳" * 300_000)
                                + "\n").encode(), "row 2, authority", "cell too long"),
    "an unterminated quote": (lambda fx: (_header() + "\n" + _good_line(fx) + '\n"宁河综执罚〔2022〕1号,x\n').encode(),
                              "row 3, party", "expected 16 fields, got 1"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_file_is_refused_naming_file_row_column_and_problem(uow, clerk, fixtures, tmp_path, name):
    make, path_of_problem, words = HOSTILE[name]
    path = tmp_path / "hostile.csv"
    path.write_bytes(make(fixtures))
    with pytest.raises(InputError) as refused:
        do_import(uow, path, clerk)
    problems = refused.value.problems
    assert any(p.path == path_of_problem and words in p.message for p in problems), problems
    assert all(p.file == str(path) for p in problems) and str(path) in str(refused.value)
    assert count(uow) == 0


@pytest.mark.slow
def test_a_file_over_the_size_limit_is_refused_before_it_is_read(uow, clerk, fixtures, monkeypatch):
    monkeypatch.setattr(csvio, "MAX_FILE_BYTES", 1000)
    with pytest.raises(InputError, match="file too large"):
        do_import(uow, fixtures / REGISTER, clerk)


def test_a_missing_file_is_an_input_error(uow, clerk, tmp_path):
    with pytest.raises(InputError, match="cannot read the file"):
        do_import(uow, tmp_path / "nowhere.csv", clerk)


def test_a_header_only_file_imports_nothing(uow, clerk, tmp_path):
    path = tmp_path / "header.csv"
    path.write_text(_header() + "\r\n", encoding="utf-8")
    result = do_import(uow, path, clerk)
    assert not result.imported and count(uow) == 0


@pytest.mark.slow
def test_a_stored_formula_cell_is_exported_defused_without_error(uow, clerk, fixtures):
    """Import refuses formula cells; one stored by other means is exported with a leading `'` so no
    spreadsheet runs it (OWASP's defence against CSV injection)."""
    do_import(uow, fixtures / REGISTER, clerk)
    with uow() as u:
        record = u.session.scalars(select(PenaltyRecordRow).where(PenaltyRecordRow.case_number == REPAIRED)).one()
        record.party = "=HYPERLINK(\"http://example.invalid\")"
        u.commit()
    [row] = [r for r in rows_of(export_text(uow)) if r["case_number"] == REPAIRED]
    assert row["party"] == "'=HYPERLINK(\"http://example.invalid\")"


# --- re-import, trail, transaction, access --------------------------------------------------

def test_reimporting_a_changed_row_updates_it_with_a_trail_event_and_leaves_the_others(uow, clerk, fixtures, tmp_path):
    do_import(uow, fixtures / REGISTER, clerk)
    rows = fixture_rows(fixtures)
    target = rows[0]["case_number"]
    rows[0].update(commitment_on="2021-08-20", repair_applied_on="2021-08-23")
    result = do_import(uow, write_csv(tmp_path / "edited.csv", rows), clerk)
    assert result.updated == [target] and len(result.unchanged) == 19 and not result.imported
    chain = events(uow, target)
    assert [e.action for e in chain] == ["penalty.imported", "penalty.updated"]
    first, second = (json.loads(e.payload) for e in chain)
    assert second["previous_sha256"] == first["sha256"] != second["sha256"]
    assert second["row"]["commitment_on"] == "2021-08-20" and second["source_row"] == 2
    assert [e.action for e in events(uow, rows[1]["case_number"])] == ["penalty.imported"]
    with uow(read_only=True) as u:
        stored = {p.case_number: p for p in all_penalties(u.session)}
    assert stored[target].repair_applied_on == date(2021, 8, 23)


@pytest.mark.slow
def test_every_import_leaves_a_verifiable_trail_one_chain_per_penalty(uow, clerk, fixtures):
    do_import(uow, fixtures / REGISTER, clerk)
    with uow(read_only=True) as u:
        statuses = verify_all(u.session)
    chains = {s.case_id for s in statuses if s.case_id.startswith("penalty:")}
    assert len(chains) == 20 and all(s.ok for s in statuses)
    [event] = events(uow, "宁河综执罚〔2021〕12号")
    payload = json.loads(event.payload)
    assert event.actor == clerk and payload["row"]["credit_code"] == "91120117MA05RJT21Q"
    assert len(payload["sha256"]) == 64 and payload["source_row"] == 2


def test_a_failure_half_way_stores_nothing(uow, clerk, fixtures, monkeypatch):
    import engine.registers.imports as imports

    def failing_append(*args, **kwargs):      # the rows and their events written, then the database goes away
        real(*args, **kwargs)
        raise RuntimeError("the database went away")

    real = imports.append_events
    monkeypatch.setattr(imports, "append_events", failing_append)
    with pytest.raises(RuntimeError):
        do_import(uow, fixtures / REGISTER, clerk)
    assert count(uow) == 0 and count(uow, TrailEvent) == 0


def test_only_a_register_keeper_may_import(uow, fixtures, auditor):
    with pytest.raises(PermissionDeniedError):
        do_import(uow, fixtures / REGISTER, auditor)
    assert count(uow) == 0


def test_a_generated_code_in_a_row_is_accepted(uow, clerk, fixtures, tmp_path):
    code = with_check_characters("93120117MA05Q50L")
    row = repaired_row(fixtures, credit_code=code, case_number="岳龙镇罚〔2024〕1号")
    assert do_import(uow, write_csv(tmp_path / "one.csv", [row]), clerk).imported == ["岳龙镇罚〔2024〕1号"]
