"""The decision catalogue (决策事项目录, Decree 713 Art. 3(3)): import, export, and the scan's entries and verdicts."""
from __future__ import annotations

import io
import json
from datetime import date

import pytest
from sqlalchemy import select

from engine.accounts.use_cases import create_user
from engine.catalogue.facts import Entry
from engine.catalogue.queries import export_catalogue, item_count, items_by_key, iter_items
from engine.catalogue.scan import CatalogueScanner, entries, write_json, write_table
from engine.catalogue.use_cases import import_catalogue, read_catalogue
from engine.core.errors import InputError, PermissionDeniedError
from engine.decisions.record import case_to_document, load_case
from engine.store.models import TrailEvent

from .conftest import FIXTURES

CATALOGUE = FIXTURES / "catalogue-2022.csv"
CASES = FIXTURES / "catalogue-cases"
HEADER = "year,unit,item,title,category,planned,published_on,party_consent_on,case_id,adjusted_reason\n"


@pytest.fixture
def office(uow) -> str:
    """An official of the government office who keeps the catalogue."""
    with uow() as u:
        create_user(u.session, "bangongshi", "岳龙镇党政办", ["official"])
        create_user(u.session, "shenji", "区审计局", ["auditor"])
        u.commit()
    return "bangongshi"


def write(tmp_path, *rows: str):
    path = tmp_path / "catalogue.csv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def cases() -> list[tuple[str, dict]]:
    return [(c.id, case_to_document(c)) for c in (load_case(p) for p in sorted(CASES.glob("*.yaml")))]


def test_a_catalogue_is_imported_with_a_trail_event_per_item_and_exported_with_months_as_their_last_day(uow, office):
    with uow() as u:
        result = import_catalogue(u, CATALOGUE, office)
        u.commit()
    assert sorted(result.imported) == ["2022/宁河区人民政府/1", "2022/岳龙镇人民政府/1", "2022/岳龙镇人民政府/2",
                                       "2022/岳龙镇人民政府/3"]
    with uow(read_only=True) as u:
        assert item_count(u.session) == 4
        chains = set(u.session.scalars(select(TrailEvent.case_id)))
        assert chains == {"cat:" + k for k in result.imported}
        out = io.StringIO()
        export_catalogue(u.session, out, bom=False)
    assert out.getvalue().replace("\r\n", "\n").splitlines()[1:] == \
        [line for line in CATALOGUE.read_text(encoding="utf-8").replace("2022-09,", "2022-09-30,")
                                  .replace("2022-06,", "2022-06-30,").splitlines()[1:]]


def test_an_identical_reimport_changes_nothing_and_an_edited_row_is_an_update(uow, office, tmp_path):
    with uow() as u:
        import_catalogue(u, CATALOGUE, office)
        u.commit()
    edited = CATALOGUE.read_text(encoding="utf-8").replace("农村生活污水治理,public_construction,2022-10-31,2022-03-15,2022-03-01,,",
                                                           "农村生活污水治理,public_construction,2022-10-31,2022-03-15,2022-03-01,,资金未落实")
    path = tmp_path / "edited.csv"
    path.write_text(edited, encoding="utf-8")
    with uow() as u:
        result = import_catalogue(u, path, office)
        u.commit()
    assert result.updated == ["2022/岳龙镇人民政府/2"] and len(result.unchanged) == 3
    with uow(read_only=True) as u:
        assert items_by_key(u.session, ["2022/岳龙镇人民政府/2"])["2022/岳龙镇人民政府/2"].adjusted_reason == "资金未落实"


def test_a_file_with_a_bad_row_is_refused_whole_naming_row_and_column(uow, office, tmp_path):
    path = write(tmp_path, "2022,岳龙镇人民政府,1,甲,public_policy,,,,,",
                 "22,岳龙镇人民政府,2,乙,zoning,2022-13-01,,,,",
                 "2022,岳龙镇人民政府,1,丙,public_policy,,,,,")
    with uow() as u, pytest.raises(InputError) as refused:
        import_catalogue(u, path, office)
    text = str(refused.value)
    for expected in ("row 3, year", "row 3, category", "row 3, planned", "row 4, item", "年度", "类别"):
        assert expected in text
    with uow(read_only=True) as u:
        assert item_count(u.session) == 0


def test_rows_of_one_catalogue_must_agree_on_its_dates(tmp_path):
    path = write(tmp_path, "2022,岳龙镇人民政府,1,甲,public_policy,,2022-03-15,2022-03-01,,",
                 "2022,岳龙镇人民政府,2,乙,public_policy,,2022-03-16,2022-03-01,,")
    rows = read_catalogue(path)
    assert rows[0].ok and not rows[1].ok
    assert "row 3, published_on" in rows[1].problems[0].path


def test_only_the_keepers_of_the_catalogue_may_import_it(uow, office):
    with uow() as u, pytest.raises(PermissionDeniedError):
        import_catalogue(u, CATALOGUE, "shenji")


def _scan(items, as_of, jurisdiction="CN"):
    scanner = CatalogueScanner(as_of, jurisdiction)
    return {s.entry.key: s for s in scanner.scan(entries(items, cases()))}


def _verdict(scan, rule):
    return next((f.verdict, f.reason) for f in scan.findings if f.rule == rule)


def test_the_scan_finds_the_unpublished_catalogue_the_item_without_a_case_and_the_case_naming_no_item():
    items = [r.record for r in read_catalogue(CATALOGUE)]
    scans = _scan(items, date(2023, 1, 5))
    assert _verdict(scans["2022/宁河区人民政府"], "CAT-PUB-01") == ("violated", None)
    assert _verdict(scans["2022/岳龙镇人民政府"], "CAT-PUB-01") == ("satisfied", None)
    assert _verdict(scans["2022/岳龙镇人民政府/2"], "CAT-ITEM-01") == ("violated", None)
    assert _verdict(scans["2022/岳龙镇人民政府/1"], "CAT-ITEM-01") == ("satisfied", None)       # decided 2022-08-20
    assert _verdict(scans["2022/岳龙镇人民政府/3"], "CAT-ITEM-01") == ("not_applicable", "condition_not_met")
    assert _verdict(scans["case:YL-2022-009"], "CAT-CASE-01") == ("violated", None)
    assert _verdict(scans["case:YL-2022-001"], "CAT-CASE-01") == ("satisfied", None)
    outside = scans["case:YL-2022-010"]
    assert _verdict(outside, "CAT-CASE-02") == ("violated", None)
    assert [f.verified for f in outside.actions()] == [False]


def test_before_the_year_ends_an_item_without_a_case_is_running_with_its_due_date():
    items = [r.record for r in read_catalogue(CATALOGUE)]
    scan = _scan(items, date(2022, 7, 5))["2022/岳龙镇人民政府/2"]
    finding = next(f for f in scan.findings if f.rule == "CAT-ITEM-01")
    assert (finding.verdict, finding.reason, finding.to_json()["due_on"]) == ("pending", "running", "2022-12-31")


def test_under_tianjin_a_catalogue_is_due_in_the_first_quarter_with_the_party_committees_consent():
    items = [r.record for r in read_catalogue(CATALOGUE)]
    scans = _scan(items, date(2022, 4, 2), "CN-12")
    assert _verdict(scans["2022/宁河区人民政府"], "LOC-TJ-CAT-01") == ("violated", None)
    assert _verdict(scans["2022/岳龙镇人民政府"], "LOC-TJ-CAT-01") == ("satisfied", None)


def test_a_case_excluded_by_article_3_2_is_not_a_catalogue_matter():
    case = {"id": "X-1", "decision_body": {"name": "岳龙镇人民政府"}, "exclusion": "emergency",
            "initiation": {"proposed_on": "2022-05-01"}}
    items = [r.record for r in read_catalogue(CATALOGUE)]
    assert not [e for e in entries(items, [("X-1", case)]) if e.kind == "case"]


def test_the_json_report_has_the_scan_shape_and_the_text_report_names_each_entry():
    items = [r.record for r in read_catalogue(CATALOGUE)]
    scanner = CatalogueScanner(date(2023, 1, 5))
    out = io.StringIO()
    summary = write_json(scanner, scanner.scan(entries(items, cases())), out)
    report = json.loads(out.getvalue())
    assert set(report) == {"as_of", "rulebook", "items", "summary"}
    assert report["summary"] == {"catalogues": 2, "items": 4, "cases": 3, "needing_action": 5,
                                 "by_rule": {"CAT-CASE-01": 1, "CAT-CASE-02": 1, "CAT-ITEM-01": 2, "CAT-PUB-01": 1}}
    assert summary.blocking is False
    text = io.StringIO()
    write_table(scanner, scanner.scan(entries(items, cases())), text)
    assert "案件 YL-2022-009" in text.getvalue() and "目录 2022/宁河区人民政府" in text.getvalue()


def test_an_entry_reads_only_what_was_known_on_the_day():
    from engine.catalogue.facts import flatten
    entry = Entry("catalogue", 2022, "岳龙镇人民政府", "2022/岳龙镇人民政府", published_on=date(2022, 3, 15))
    assert "published_on" not in flatten(entry, date(2022, 3, 1))
    assert "year_counted_from" not in flatten(entry, date(2021, 12, 30))


def test_stored_items_are_read_back_in_register_order(uow, office):
    with uow() as u:
        import_catalogue(u, CATALOGUE, office)
        u.commit()
    with uow(read_only=True) as u:
        assert [i.key for i in iter_items(u.session)][0] == "2022/岳龙镇人民政府/1"


@pytest.mark.slow
def test_yifa_catalogue_scan_reports_the_three_problems_and_exits_by_severity(cli_instance):
    from tests.yifa_cli import run_yifa
    refused = run_yifa(cli_instance, "catalogue", "import", CATALOGUE, "--as", "liu")
    assert refused.returncode == 2 and "liu" in refused.stderr
    assert run_yifa(cli_instance, "catalogue", "import", CATALOGUE, "--as", "zhang").returncode == 0
    args = ["catalogue", "scan", "--as-of", "2023-01-05", *[a for p in sorted(CASES.glob("*.yaml")) for a in ("--case", p)]]
    text = run_yifa(cli_instance, *args)
    assert text.returncode == 0 and "Traceback" not in text.stderr, text.stderr
    for expected in ("CAT-PUB-01", "2022/宁河区人民政府目录应于2022-12-31前向社会公布",
                     "第2项「农村生活污水治理」应于2022-12-31前", "案件YL-2022-009载明属于目录2022/岳龙镇人民政府第9项"):
        assert expected in text.stdout
    report = json.loads(run_yifa(cli_instance, *args, "--format", "json").stdout)
    assert report["summary"]["by_rule"]["CAT-ITEM-01"] == 2
    exported = run_yifa(cli_instance, "catalogue", "export")
    assert exported.returncode == 0 and "农村生活污水治理" in exported.stdout


def test_an_item_edited_behind_the_registers_back_is_caught_against_its_trail_chain(uow, office):
    from engine.core.record_states import check_records
    with uow() as u:
        import_catalogue(u, CATALOGUE, office)
        u.commit()
    with uow(read_only=True) as u:
        assert check_records(u.session) == []
    with uow() as u:
        items_by_key(u.session, ["2022/岳龙镇人民政府/2"])["2022/岳龙镇人民政府/2"].adjusted_reason = "事后补写的理由"
        u.commit()
    with uow(read_only=True) as u:
        found = check_records(u.session)
        assert {(f.chain, f.kind) for f in found} == {("cat:2022/岳龙镇人民政府/2", "edited")}   # its column, its chain
        assert {f.kind for f in check_records(u.session, "cat:2022/岳龙镇人民政府/2")} == {"edited"}


def test_a_case_the_catalogue_row_names_is_in_the_catalogue_though_its_file_says_nothing():
    items = [r.record for r in read_catalogue(CATALOGUE)]
    silent = [(i, {k: v for k, v in d.items() if k != "in_catalogue"}) for i, d in cases()]
    scans = {s.entry.key: s for s in CatalogueScanner(date(2023, 1, 5)).scan(entries(items, silent))}
    assert _verdict(scans["case:YL-2022-001"], "CAT-CASE-02") == ("satisfied", None)     # row 1 names it
    assert _verdict(scans["case:YL-2022-010"], "CAT-CASE-02") == ("violated", None)
