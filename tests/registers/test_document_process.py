"""The document register's optional drafting-process columns (CASE_FORMAT §3, extended): a file with
or without them, what an empty cell means (`missing`, never `violated`), the rules that read them
(NDOC-LEG-02-D, NDOC-PROC-03, -05, -07, -08), and the migration that stores them (0009)."""
from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date

import pytest
from sqlalchemy import inspect, text

from engine.core.errors import InputError
from engine.documents.queries import all_documents, export_documents
from engine.documents.scan import DocumentScanner, write_json
from engine.documents.use_cases import COLUMNS, PROCESS_COLUMNS, import_documents, read_documents
from engine.store.db import alembic_config, head_revision, make_engine, upgrade
from engine.trail import canonical
from tests.docgen import generate, to_csv

REGISTER = "yuelong-register.csv"
PROCESS_RULES = ("NDOC-LEG-02-D", "NDOC-PROC-03", "NDOC-PROC-05", "NDOC-PROC-07", "NDOC-PROC-08")
BASE = {"title": "测试文件", "issuer": "宁河区人民政府", "effective_from": "2022-04-01", "expires_on": "",
        "kind": "regular", "legality_reviewed_on": "2022-02-01", "published_on": "2022-03-02",
        "filed_on": "2022-03-10", "basis": "", "sets": "", "status": "in_force", "last_reviewed_on": "2024-11-01"}


def write(path, rows: list[dict[str, str]], columns) -> None:
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})


def doc(number: str, issued_on: str = "2022-03-01", **process: str) -> dict[str, str]:
    return {**BASE, "number": number, "issued_on": issued_on, **process}


def scan_json(documents, as_of: date, engine: str = "native") -> dict:
    out = io.StringIO()
    write_json(DocumentScanner(as_of, engine=engine), DocumentScanner(as_of, engine=engine).scan(documents), out)
    return json.loads(out.getvalue())


def verdicts(documents, as_of: date, engine: str = "native") -> dict[str, dict[str, tuple]]:
    scanner = DocumentScanner(as_of, engine=engine)
    return {d.number: {f.rule: (f.verdict, f.reason) for f in scanner.scan_one(d).findings} for d in documents}


# ---------------------------------------------------------------- a file without the columns

def test_a_register_without_the_columns_gives_the_findings_it_gave_before(tmp_path):
    """Every earlier rule judges a row as before; the process rules leave it alone (not_applicable),
    and the summary (what needs action, by rule, by issuer) is that of the same file with the
    columns present and empty."""
    as_of = date(2024, 6, 1)
    docs, plan = generate(80, as_of, seed=5, defect_rate=0.5)
    old = tmp_path / "old.csv"
    old.write_text(to_csv(docs), encoding="utf-8")
    widened = tmp_path / "widened.csv"
    rows = list(csv.DictReader(io.StringIO(to_csv(docs))))
    write(widened, rows, COLUMNS + PROCESS_COLUMNS)
    before = [r.record for r in read_documents(old)]
    after = [r.record for r in read_documents(widened)]
    assert before == after
    report = scan_json(before, as_of)
    for entry in report["documents"]:
        for f in entry["findings"]:
            if f["rule"] in PROCESS_RULES:
                assert f["verdict"] == "not_applicable", (entry["number"], f)
                assert f["reason"] in ("condition_not_met", "not_in_force"), (entry["number"], f)
    assert report == scan_json(after, as_of)
    # the planted defects are still what needs action, and nothing else
    needing = {e["number"] for e in report["documents"]
               if any(f["verdict"] == "violated" and f["severity"] != "info" for f in e["findings"])}
    assert needing == {n for n, rules in plan.items() if rules}
    assert not any(rule in report["summary"]["by_rule"] for rule in PROCESS_RULES)


def test_a_row_without_the_columns_keeps_its_canonical_row_and_sha256(uow, clerk, fixtures):
    """The trail's row and sha256 are those of the fourteen §3 columns, so re-importing a register
    stored before the columns existed finds every row unchanged."""
    rows = read_documents(fixtures / REGISTER)
    for row in rows:
        cells = row.record.to_row()
        assert list(cells) == list(COLUMNS)
        assert row.record.sha256() == hashlib.sha256(canonical({c: cells[c] for c in COLUMNS}).encode()).hexdigest()
    with uow() as u:
        import_documents(u, fixtures / REGISTER, clerk)
        u.commit()
    with uow() as u:
        again = import_documents(u, fixtures / REGISTER, clerk)
        u.commit()
    assert len(again.unchanged) == 6 and not again.updated


def test_a_register_without_process_data_exports_the_fourteen_columns(uow, clerk, fixtures):
    with uow() as u:
        import_documents(u, fixtures / REGISTER, clerk)
        u.commit()
    stream = io.StringIO(newline="")
    with uow(read_only=True) as u:
        export_documents(u.session, stream)
    assert stream.getvalue().lstrip("\ufeff").splitlines()[0] == ",".join(COLUMNS)


# ---------------------------------------------------------------- a file with them

def test_the_columns_are_imported_stored_and_exported_back(uow, clerk, tmp_path):
    path = tmp_path / "process.csv"
    rows = [doc("宁河政规〔2022〕1号", deliberated_on="2022-02-20", comment_opened_on="2022-01-05",
                comment_closes_on="2022-02-04", market_related="yes", fair_competition_reviewed_on="2022-02-10"),
            doc("宁河政规〔2022〕2号", market_related="no"),
            doc("宁河政规〔2022〕3号")]
    write(path, rows, COLUMNS + PROCESS_COLUMNS)
    with uow() as u:
        result = import_documents(u, path, clerk)
        u.commit()
    assert len(result.imported) == 3 and not result.warnings
    with uow(read_only=True) as u:
        stored = {d.number: d for d in all_documents(u.session)}
    first = stored["宁河政规〔2022〕1号"]
    assert (first.deliberated_on, first.comment_opened_on, first.comment_closes_on, first.market_related,
            first.fair_competition_reviewed_on) == (date(2022, 2, 20), date(2022, 1, 5), date(2022, 2, 4), True,
                                                    date(2022, 2, 10))
    assert stored["宁河政规〔2022〕2号"].market_related is False
    assert stored["宁河政规〔2022〕3号"].market_related is None and stored["宁河政规〔2022〕3号"].deliberated_on is None
    out = io.StringIO(newline="")
    with uow(read_only=True) as u:
        export_documents(u.session, out)
    exported = list(csv.DictReader(io.StringIO(out.getvalue().lstrip("\ufeff"))))
    assert list(exported[0]) == list(COLUMNS + PROCESS_COLUMNS)
    assert [{c: r[c] for c in PROCESS_COLUMNS} for r in exported] == [
        {c: r.get(c, "") for c in PROCESS_COLUMNS} for r in rows]
    # the export imports back unchanged
    again = tmp_path / "again.csv"
    again.write_text(out.getvalue(), encoding="utf-8")
    with uow() as u:
        result = import_documents(u, again, clerk)
        u.commit()
    assert len(result.unchanged) == 3


def test_a_file_may_carry_only_some_of_the_columns(tmp_path):
    path = tmp_path / "some.csv"
    write(path, [doc("宁河政规〔2022〕4号", deliberated_on="2022-02-20")], COLUMNS + ("deliberated_on",))
    [row] = read_documents(path)
    assert row.ok and row.record.deliberated_on == date(2022, 2, 20) and row.record.market_related is None


@pytest.mark.parametrize(("cells", "column", "words"), [
    ({"market_related": "是"}, "market_related", "yes"),
    ({"market_related": "true"}, "market_related", "yes"),
    ({"deliberated_on": "2022-02-30"}, "deliberated_on", "YYYY-MM-DD"),
    ({"comment_opened_on": "2022-02-10", "comment_closes_on": "2022-02-01"}, "comment_closes_on", "早于开始日期"),
])
def test_a_bad_process_cell_is_refused_naming_the_row_and_column(tmp_path, cells, column, words):
    path = tmp_path / "bad.csv"
    write(path, [doc("宁河政规〔2022〕5号", **cells)], COLUMNS + PROCESS_COLUMNS)
    [row] = read_documents(path)
    assert not row.ok
    [problem] = row.problems
    assert problem.file == str(path) and problem.path == f"row 2, {column}" and words in problem.message


def test_an_unknown_column_is_still_refused_and_the_message_lists_the_optional_ones(tmp_path):
    path = tmp_path / "typo.csv"
    write(path, [doc("宁河政规〔2022〕6号", deliberated_on="2022-02-20")], COLUMNS + ("deliberation_on",))
    with pytest.raises(InputError) as refused:
        read_documents(path)
    [problem] = refused.value.problems
    assert "deliberation_on" in problem.message and "deliberated_on" in problem.message


def test_an_act_after_the_issue_is_imported_with_a_warning(tmp_path):
    path = tmp_path / "late.csv"
    write(path, [doc("宁河政规〔2022〕7号", deliberated_on="2022-03-05")], COLUMNS + PROCESS_COLUMNS)
    [row] = read_documents(path)
    assert row.ok and [w.path for w in row.warnings] == ["row 2, deliberated_on"]


# ---------------------------------------------------------------- missing, never violated, for an empty cell

CASES = {
    # number: (process cells, issued_on, expected verdict per rule)
    "全部记录且合规": ({"deliberated_on": "2022-02-20", "comment_opened_on": "2022-01-05", "comment_closes_on": "2022-02-04",
                  "market_related": "yes", "fair_competition_reviewed_on": "2022-02-10"}, "2022-03-01",
                 {"NDOC-PROC-05": "satisfied", "NDOC-LEG-02-D": "satisfied", "NDOC-PROC-03": "satisfied",
                  "NDOC-PROC-07": "satisfied", "NDOC-PROC-08": "not_applicable"}),
    "只记录涉及市场主体": ({"market_related": "yes"}, "2022-03-01",
                   {"NDOC-PROC-05": "missing", "NDOC-LEG-02-D": "pending", "NDOC-PROC-03": "missing",
                    "NDOC-PROC-07": "missing", "NDOC-PROC-08": "not_applicable"}),
    "记录晚于印发": ({"deliberated_on": "2022-03-02", "comment_opened_on": "2022-01-05", "comment_closes_on": "2022-01-25",
                "market_related": "yes", "fair_competition_reviewed_on": "2022-03-03"}, "2022-03-01",
               {"NDOC-PROC-05": "violated", "NDOC-LEG-02-D": "satisfied", "NDOC-PROC-03": "violated",
                "NDOC-PROC-07": "violated", "NDOC-PROC-08": "not_applicable"}),
    "未记录是否涉及市场主体": ({"deliberated_on": "2022-02-20", "comment_opened_on": "2022-01-05",
                      "comment_closes_on": "2022-01-25"}, "2022-03-01",
                     {"NDOC-PROC-05": "satisfied", "NDOC-PROC-03": "missing", "NDOC-PROC-07": "missing"}),
    "审议先于审核": ({"deliberated_on": "2022-01-20", "market_related": "no"}, "2022-03-01",
               {"NDOC-PROC-05": "satisfied", "NDOC-LEG-02-D": "violated", "NDOC-PROC-03": "not_applicable",
                "NDOC-PROC-07": "not_applicable"}),
    "条例施行后未审查": ({"deliberated_on": "2024-08-20", "market_related": "yes", "comment_opened_on": "2024-07-01",
                  "comment_closes_on": "2024-08-05"}, "2024-09-02",
                 {"NDOC-PROC-08": "missing", "NDOC-PROC-07": "not_applicable", "NDOC-PROC-03": "satisfied"}),
    "条例施行后先出台后审查": ({"deliberated_on": "2024-08-20", "market_related": "yes", "comment_opened_on": "2024-07-01",
                     "comment_closes_on": "2024-08-05", "fair_competition_reviewed_on": "2024-09-03"}, "2024-09-02",
                    {"NDOC-PROC-08": "violated"}),
}


@pytest.fixture
def judged(tmp_path):
    rows = []
    for name, (cells, issued, _) in CASES.items():
        row = doc(name, issued, **cells)
        if issued >= "2024":
            row.update(effective_from="2024-10-01", legality_reviewed_on="2024-08-01", published_on="2024-09-03",
                       filed_on="2024-09-10")
        rows.append(row)
    path = tmp_path / "cases.csv"
    write(path, rows, COLUMNS + PROCESS_COLUMNS)
    documents = [r.record for r in read_documents(path)]
    assert len(documents) == len(CASES)
    return documents


@pytest.mark.parametrize("engine", ["native", "durable"])
def test_an_empty_process_cell_is_missing_and_a_late_date_violated(judged, engine):
    found = verdicts(judged, date(2024, 12, 1), engine)
    for name, (_, _, expected) in CASES.items():
        for rule, verdict in expected.items():
            assert found[name][rule][0] == verdict, (name, rule, found[name][rule])


def test_a_missing_finding_says_which_record_is_absent_and_never_needs_action(judged):
    scanner = DocumentScanner(date(2024, 12, 1))
    scan = scanner.scan_one(next(d for d in judged if d.number == "只记录涉及市场主体"))
    missing = {f.rule: f for f in scan.findings if f.verdict == "missing"}
    assert set(missing) == {"NDOC-PROC-05", "NDOC-PROC-03", "NDOC-PROC-07"}
    assert "未见集体审议的记录" in missing["NDOC-PROC-05"].message["zh"]
    assert "未见公平竞争审查的记录" in missing["NDOC-PROC-07"].message["zh"]
    assert not scan.needs_action


def test_a_late_process_act_needs_action_and_its_message_gives_the_dates(judged):
    scan = DocumentScanner(date(2024, 12, 1)).scan_one(next(d for d in judged if d.number == "记录晚于印发"))
    assert scan.needs_action
    assert set(scan.action_rules()) == {"NDOC-PROC-05", "NDOC-PROC-03", "NDOC-PROC-07"}
    message = {f.rule: f.message["zh"] for f in scan.findings if f.verdict == "violated"}
    assert "2022-03-02" in message["NDOC-PROC-05"] and "2022-03-01" in message["NDOC-PROC-05"]
    assert "20日" in message["NDOC-PROC-03"] and "30日" in message["NDOC-PROC-03"]


# ---------------------------------------------------------------- migration 0009

def test_migration_0009_adds_the_columns_empty_and_the_downgrade_removes_them(db_url):
    """A register stored before 0009 keeps its rows, now with every process column null (not recorded);
    the downgrade drops the columns and keeps the rows (on SQLite and PostgreSQL)."""
    from alembic import command

    from engine.documents.models import NormativeDocumentRecord
    from engine.documents.use_cases import from_record
    from engine.store.uow import UnitOfWork

    assert upgrade(db_url, "0008") == "0008"
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO normative_documents (number, title, issuer, issued_on, effective_from, kind, basis, sets,"
                " status, row_sha256, updated_by, created_at, updated_at) VALUES ('宁河政规〔2019〕3号', '办法',"
                " '宁河区人民政府', :d, :d, 'regular', '[]', '[]', 'in_force', :h, 'old', :at, :at)"),
                {"d": date(2019, 3, 12), "h": "0" * 64, "at": "2020-01-01T00:00:00+00:00"})
        assert upgrade(db_url) == head_revision()
        columns = {c["name"] for c in inspect(engine).get_columns("normative_documents")}
        assert set(PROCESS_COLUMNS) <= columns
        with UnitOfWork(engine) as u:
            [stored] = u.session.query(NormativeDocumentRecord).all()
            document = from_record(stored)
        assert all(getattr(document, c) is None for c in PROCESS_COLUMNS)
        assert list(document.to_row()) == list(COLUMNS)
        found = verdicts([document], date(2024, 6, 1))[document.number]
        assert all(found[r][0] == "not_applicable" for r in PROCESS_RULES)
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0008")
        columns = {c["name"] for c in inspect(engine).get_columns("normative_documents")}
        assert not set(PROCESS_COLUMNS) & columns
        with engine.connect() as connection:
            assert connection.execute(text("SELECT number FROM normative_documents")).scalars().all() == ["宁河政规〔2019〕3号"]
        assert upgrade(db_url) == head_revision()          # and up again
    finally:
        engine.dispose()


def test_the_text_report_lists_what_is_not_recorded_and_a_missing_blocker_sets_the_exit_status(judged):
    """A `missing` finding is listed as 【未见记录】 under its document and counted apart from what
    needs action; a blocker or error among them makes the scan blocking (exit 1, CASE_FORMAT §2)."""
    from engine.documents.scan import write_table
    as_of = date(2024, 12, 1)
    scanner = DocumentScanner(as_of)
    unreviewed = [d for d in judged if d.number == "条例施行后未审查"]
    out = io.StringIO()
    summary = write_table(scanner, scanner.scan(unreviewed), out)
    text_ = out.getvalue()
    assert "【未见记录】【阻断】 NDOC-PROC-08" in text_ and "未见公平竞争审查的记录" in text_
    assert "需处理 0 件" in text_ and "制定程序未见记录 1 件" in text_
    assert summary.blocking and summary.needing_action == 0
    complete = [d for d in judged if d.number == "全部记录且合规"]
    summary = write_table(scanner, scanner.scan(complete), io.StringIO())
    assert not summary.blocking and summary.unrecorded == 0
