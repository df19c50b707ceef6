"""Importing and exporting the normative-document register (CASE_FORMAT §3)."""
from __future__ import annotations

import csv
import io
import json

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from engine.core import schema
from engine.core.errors import InputError, PermissionDeniedError
from engine.documents.models import NormativeDocumentRecord
from engine.documents.queries import all_documents, export_documents
from engine.documents.use_cases import COLUMNS, import_documents
from engine.registers.csvio import decode
from engine.store.models import TrailEvent
from engine.trail import verify_all

REGISTER = "yuelong-register.csv"


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline="")))


def export_text(uow) -> str:
    stream = io.StringIO(newline="")
    with uow(read_only=True) as u:
        export_documents(u.session, stream)
    return stream.getvalue()


def do_import(uow, path, actor, **options):
    with uow() as u:
        result = import_documents(u, path, actor, **options)
        u.commit()
    return result


def count(uow) -> int:
    with uow(read_only=True) as u:
        return u.session.scalar(select(func.count()).select_from(NormativeDocumentRecord))


@pytest.mark.slow
def test_the_migrated_table_is_exactly_what_the_model_describes(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, schema.metadata) == []


def test_a_good_register_imports_and_exports_back_identically(uow, clerk, fixtures, tmp_path):
    result = do_import(uow, fixtures / REGISTER, clerk)
    assert len(result.imported) == 6 and not result.rejected and not result.warnings
    exported = export_text(uow)
    assert exported.startswith("\ufeff") and "\r\n" in exported
    original = rows_of((fixtures / REGISTER).read_text(encoding="utf-8"))
    assert rows_of(exported) == original
    assert list(rows_of(exported)[0]) == list(COLUMNS)
    again = tmp_path / "again.csv"
    again.write_text(exported, encoding="utf-8", newline="")
    result = do_import(uow, again, clerk)
    assert result.unchanged == [r["number"] for r in original] and not result.imported
    assert export_text(uow) == exported


def test_a_gb18030_file_imports(uow, clerk, fixtures, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes((fixtures / REGISTER).read_text(encoding="utf-8").encode("gb18030"))
    assert len(do_import(uow, path, clerk).imported) == 6
    with uow(read_only=True) as u:
        titles = {d.title for d in all_documents(u.session)}
    assert "岳龙镇关于规范农村宅基地建房管理的通知" in titles


def test_a_utf8_file_with_a_byte_order_mark_imports(uow, clerk, fixtures, tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (fixtures / REGISTER).read_bytes())
    assert len(do_import(uow, path, clerk, encoding="utf-8").imported) == 6


@pytest.mark.parametrize("codec, expected", [("utf-16", "UTF-16"), ("utf-16-le", "UTF-16"),
                                             ("latin-1", "neither UTF-8 nor GB18030")])
def test_a_latin1_or_utf16_file_is_refused_naming_the_encoding_problem(codec, expected, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(("number,title\nMüller-Café, Straße é,x\n").encode(codec))
    with pytest.raises(InputError) as refused:
        decode(path.read_bytes(), str(path))
    message = str(refused.value)
    assert str(path) in message and "UTF-8" in message and "GB18030" in message
    assert expected in message


def test_a_given_encoding_that_does_not_fit_is_refused(fixtures, tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("标题\n岳龙镇\n".encode("gb18030"))
    with pytest.raises(InputError, match="not valid UTF-8"):
        decode(path.read_bytes(), str(path), encoding="utf-8")
    with pytest.raises(InputError, match="unsupported encoding"):
        decode(path.read_bytes(), str(path), encoding="latin-1")


@pytest.mark.slow
def test_a_file_with_two_bad_rows_is_refused_whole_listing_both_and_nothing_is_stored(uow, clerk, fixtures):
    with pytest.raises(InputError) as refused:
        do_import(uow, fixtures / "two-bad-rows.csv", clerk)
    where = [(p.path, p.message) for p in refused.value.problems]
    assert [w for w, _ in where] == ["row 2, issued_on", "row 4, kind"]
    assert "2023-02-30" in where[0][1] and "permanent" in where[1][1]
    assert count(uow) == 0
    with uow(read_only=True) as u:
        assert u.session.scalar(select(func.count()).select_from(TrailEvent)) == 0


def test_skip_invalid_imports_the_good_rows_and_writes_the_rejected_ones_with_reasons(uow, clerk, fixtures, tmp_path):
    out = tmp_path / "rejected.csv"
    result = do_import(uow, fixtures / "two-bad-rows.csv", clerk, skip_invalid=True, rejected_out=out)
    assert result.imported == ["岳龙政发〔2023〕1号"]
    rejected = rows_of(out.read_text(encoding="utf-8"))
    assert [r["number"] for r in rejected] == ["宁河政规〔2023〕4号", "岳龙政发〔2023〕2号"]
    assert list(rejected[0]) == list(COLUMNS) + ["reason"]
    assert "row 2, issued_on" in rejected[0]["reason"] and "row 4, kind" in rejected[1]["reason"]
    assert rejected[1]["kind"] == "permanent"  # the cells as given, to be corrected and imported again


def test_a_number_twice_in_one_file_is_refused_naming_both_rows(uow, clerk, fixtures, tmp_path):
    lines = (fixtures / REGISTER).read_text(encoding="utf-8").splitlines()
    path = tmp_path / "dup.csv"
    path.write_text("\n".join(lines + [lines[1]]) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as refused:
        do_import(uow, path, clerk)
    [problem] = refused.value.problems
    assert problem.path == "row 8, number" and "row 2" in problem.message
    assert count(uow) == 0


def test_reimporting_a_changed_row_updates_it_with_a_trail_event(uow, clerk, fixtures, tmp_path):
    do_import(uow, fixtures / REGISTER, clerk)
    text = (fixtures / REGISTER).read_text(encoding="utf-8").replace(
        "2018-05-31,provisional,2016-05-03,2016-05-12,2016-05-30,中华人民共和国行政许可法@2003-08-27,licence,expired,2018-06-15",
        "2018-05-31,provisional,2016-05-03,2016-05-12,2016-05-30,中华人民共和国行政许可法@2003-08-27,licence,repealed,2024-03-01")
    path = tmp_path / "edited.csv"
    path.write_text(text, encoding="utf-8")
    result = do_import(uow, path, clerk)
    assert result.updated == ["宁河政规〔2016〕7号"] and len(result.unchanged) == 5
    with uow(read_only=True) as u:
        events = u.session.scalars(select(TrailEvent).where(TrailEvent.case_id == "doc:宁河政规〔2016〕7号")
                                   .order_by(TrailEvent.seq)).all()
    assert [e.action for e in events] == ["document.imported", "document.updated"]
    payload = json.loads(events[1].payload)
    assert payload["row"]["status"] == "repealed" and payload["previous_sha256"] == json.loads(events[0].payload)["sha256"]


def test_an_unknown_basis_law_is_a_warning_and_the_row_is_imported(uow, clerk, fixtures, tmp_path):
    text = (fixtures / REGISTER).read_text(encoding="utf-8").replace(
        "中华人民共和国政府信息公开条例@2019-04-03", "岳龙镇村规民约@2019-04-03")
    path = tmp_path / "unknown-law.csv"
    path.write_text(text, encoding="utf-8")
    result = do_import(uow, path, clerk)
    assert len(result.imported) == 6
    [warning] = result.warnings
    assert warning.path == "row 6, basis" and "岳龙镇村规民约" in warning.message and "law register" in warning.message


def test_taking_effect_before_issue_is_a_warning_but_expiring_before_taking_effect_is_refused(uow, clerk, fixtures, tmp_path):
    header = (fixtures / REGISTER).read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "dates.csv"
    path.write_text(header + "\n"
                    "岳龙政发〔2022〕3号,岳龙镇殡葬管理办法,岳龙镇人民政府,2022-05-10,2022-05-01,,regular,2022-05-01,2022-05-11,2022-05-30,,,in_force,\n"
                    "岳龙政发〔2022〕4号,岳龙镇养殖管理办法,岳龙镇人民政府,2022-05-10,2022-06-01,2022-05-31,regular,,,,,,in_force,\n",
                    encoding="utf-8")
    result = do_import(uow, path, clerk, skip_invalid=True)
    assert result.imported == ["岳龙政发〔2022〕3号"]
    assert [w.path for w in result.warnings] == ["row 2, effective_from"]
    assert [p.path for p in result.rejected] == ["row 3, expires_on"]


@pytest.mark.parametrize("header, named", [
    ("number,title,issuer,issued_on,effective_from,expires_on,kind,legality_reviewed_on,published_on,filed_on,basis,sets,status",
     "missing column 'last_reviewed_on'"),
    ("number,title,issuer,issued_on,effective_from,expires_on,kind,legality_reviewed_on,published_on,filed_on,basis,sets,state,last_reviewed_on",
     "unknown column 'state'"),
    ("number,number,title,issuer,issued_on,effective_from,expires_on,kind,legality_reviewed_on,published_on,filed_on,basis,sets,status,last_reviewed_on",
     "duplicate column 'number'"),
])
@pytest.mark.slow
def test_a_wrong_header_is_refused_naming_the_column(uow, clerk, tmp_path, header, named):
    path = tmp_path / "header.csv"
    path.write_text(header + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=named):
        do_import(uow, path, clerk)


@pytest.mark.slow
def test_every_import_leaves_a_verifiable_trail(uow, clerk, fixtures):
    do_import(uow, fixtures / REGISTER, clerk)
    with uow(read_only=True) as u:
        statuses = verify_all(u.session)
        event = u.session.scalars(select(TrailEvent).where(TrailEvent.case_id == "doc:岳龙政发〔2021〕5号")).one()
    chains = {s.case_id for s in statuses if s.case_id.startswith("doc:")}
    assert len(chains) == 6 and all(s.ok for s in statuses)
    payload = json.loads(event.payload)
    assert event.action == "document.imported" and event.actor == clerk
    assert payload["row"]["sets"] == "compulsory_measure;adds_obligations" and len(payload["sha256"]) == 64


@pytest.mark.slow
def test_only_a_register_keeper_may_import(uow, fixtures, auditor):
    with pytest.raises(PermissionDeniedError):
        do_import(uow, fixtures / REGISTER, auditor)


def test_dates_as_excel_writes_them_are_accepted_and_exported_as_iso(uow, clerk, fixtures, tmp_path):
    header = (fixtures / REGISTER).read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "excel-dates.csv"
    path.write_text(header + "\n岳龙政发〔2024〕1号,岳龙镇安全生产网格化管理办法,岳龙镇人民政府,2024/1/5,2024/2/1,,regular,2023/12/28,2024/1/8,2024/1/30,"
                    "中华人民共和国行政处罚法@2021/1/22,,in_force,\n", encoding="utf-8")
    do_import(uow, path, clerk)
    [row] = rows_of(export_text(uow))
    assert row["issued_on"] == "2024-01-05" and row["basis"] == "中华人民共和国行政处罚法@2021-01-22"
