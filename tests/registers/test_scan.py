"""The clean-up scan (CASE_FORMAT §5) of a generated township register, stored and read back.

The oracle is the generator's plan (tests/docgen.py): every planted defect must be found by its
rule, and a document drafted lawful must need no action.
"""
from __future__ import annotations

import io
import json
from datetime import date

import pytest

from engine.core.check import checker_for
from engine.core.domains import DOCUMENT
from engine.documents.queries import iter_documents
from engine.documents.scan import (
    DocumentScanner,
    ProgressBar,
    Summary,
    write_csv,
    write_json,
    write_table,
)
from engine.documents.use_cases import import_documents, read_documents
from tests.docgen import generate, to_csv


def _read_back(tmp_path, count: int, as_of: date, **kwargs) -> tuple[list, dict]:
    """`count` generated documents written as a register file and read back, as the scan reads them,
    with the generator's plan (number → the rules that must find it)."""
    docs, plan = generate(count, as_of, **kwargs)
    path = tmp_path / "r.csv"
    path.write_text(to_csv(docs), encoding="utf-8")
    return [r.record for r in read_documents(path)], plan


def _store(uow, clerk, tmp_path, docs) -> None:
    path = tmp_path / "register.csv"
    path.write_text(to_csv(docs), encoding="utf-8")
    with uow() as u:
        import_documents(u, path, clerk)
        u.commit()


@pytest.mark.slow
@pytest.mark.parametrize("as_of", [date(2022, 6, 1), date(2024, 6, 1)])
def test_every_planted_defect_is_found_and_lawful_documents_need_nothing(uow, clerk, tmp_path, as_of):
    docs, plan = generate(300, as_of, seed=as_of.year)
    _store(uow, clerk, tmp_path, docs)
    scanner = DocumentScanner(as_of)
    with uow(read_only=True) as u:
        scans = list(scanner.scan(iter_documents(u.session)))
    assert len(scans) == 300
    planted = 0
    for scan in scans:
        found = {f.rule for f in scan.actions()}
        expected = plan[scan.document.number]
        assert expected <= found, (scan.document.number, expected - found)
        if not expected:
            assert not scan.needs_action, (scan.document.number, found)
        planted += bool(expected)
    assert 60 < planted < 200                      # the generator did plant a realistic share


def test_the_json_is_exactly_the_contract_shape(tmp_path):
    as_of = date(2024, 6, 1)
    documents, plan = _read_back(tmp_path, 40, as_of, seed=3)
    scanner = DocumentScanner(as_of)
    out = io.StringIO()
    summary = write_json(scanner, scanner.scan(documents), out)
    report = json.loads(out.getvalue())
    assert list(report) == ["as_of", "rulebook", "documents", "summary"]
    assert report["as_of"] == "2024-06-01" and report["rulebook"]["jurisdiction"] == "CN"
    assert report["rulebook"]["version"].startswith("sha256:")
    rules = [cr.rule.id for cr in checker_for("CN", domain=DOCUMENT).compiled]
    for doc in report["documents"]:
        assert list(doc) == ["number", "findings"]
        assert [f["rule"] for f in doc["findings"]] == rules           # every rule, every document
        for f in doc["findings"]:
            assert {"rule", "verdict", "severity", "citation", "verified", "facts"} <= set(f)
            assert ("message" in f) == (f["verdict"] == "violated")
            assert f["verdict"] != "not_applicable" or "reason" in f
    needing = [d for d in report["documents"] if any(
        f["verdict"] == "violated" and f["severity"] != "info" for f in d["findings"])]
    assert list(report["summary"]) == ["documents", "needing_action", "by_rule", "by_issuer"]
    assert report["summary"]["documents"] == 40
    assert report["summary"]["needing_action"] == len(needing) == summary.needing_action
    assert sum(report["summary"]["by_issuer"].values()) == len(needing)
    assert len(needing) == sum(1 for n, rules in plan.items() if rules)


def test_parameters_that_spec_leaves_unverified_say_so_in_every_finding(tmp_path):
    documents, _ = _read_back(tmp_path, 30, date(2024, 6, 1), seed=5, defect_rate=0)
    scan = DocumentScanner(date(2024, 6, 1)).scan_one(documents[0])
    by_rule = {f.rule: f for f in scan.findings}
    assert by_rule["NDOC-FIL-01"].verified is False          # filing_days: verified false (§5 default)
    assert by_rule["NDOC-CLN-03"].verified is False          # cleanup_interval_months
    assert by_rule["NDOC-CNT-02"].verified is True           # 行政处罚法 Art. 16, no parameter


def test_a_document_is_judged_only_from_its_issue_and_by_what_was_known_then(tmp_path):
    from datetime import timedelta
    [record], _ = _read_back(tmp_path, 1, date(2024, 6, 1), seed=11, defect_rate=0)
    before = DocumentScanner(record.issued_on - timedelta(days=1)).scan_one(record)
    assert {f.verdict for f in before.findings} == {"not_applicable"}
    # every rule in force that day finds its condition unmet; only the rules of instruments in force
    # from a later day (the market-related process rules: 2020-01-01, 2024-08-01) say not_in_force
    later = {f.rule for f in before.findings if f.reason != "condition_not_met"}
    assert {f.reason for f in before.findings if f.rule in later} <= {"not_in_force"}
    assert later <= {"NDOC-PROC-03", "NDOC-PROC-07", "NDOC-PROC-08"}
    # on the day of issue, before its publication: publication pending, not violated
    on_issue = DocumentScanner(record.issued_on).scan_one(record)
    pub = next(f for f in on_issue.findings if f.rule == "NDOC-PUB-02")
    assert pub.verdict == "pending" and pub.reason == "running"
    assert not on_issue.needs_action


def test_both_evaluators_agree_on_a_register(tmp_path):
    as_of = date(2022, 6, 1)
    documents, _ = _read_back(tmp_path, 120, as_of, seed=21, defect_rate=0.6)
    native = DocumentScanner(as_of, engine="native")
    durable = DocumentScanner(as_of, engine="durable")
    for d in documents:
        a = [(f.rule, f.verdict, f.reason) for f in native.scan_one(d).findings]
        b = [(f.rule, f.verdict, f.reason) for f in durable.scan_one(d).findings]
        assert a == b, d.number


def test_table_and_csv_list_what_needs_action_with_the_article(tmp_path):
    as_of = date(2024, 6, 1)
    documents, plan = _read_back(tmp_path, 50, as_of, seed=9)
    scanner = DocumentScanner(as_of)
    table = io.StringIO()
    write_table(scanner, scanner.scan(documents), table)
    text = table.getvalue()
    flagged = [n for n, rules in plan.items() if rules]
    assert all(f"■ {n}" in text for n in flagged)
    assert f"需处理 {len(flagged)} 件" in text
    rows = io.StringIO()
    summary = write_csv(scanner.scan(documents), rows)
    lines = rows.getvalue().splitlines()
    assert lines[0].split(",")[:4] == ["number", "title", "issuer", "rule"]
    assert len(lines) - 1 == sum(summary.by_rule.values())
    assert any("第十六条" in line or "第（" in line for line in lines[1:])


def test_the_progress_bar_shows_on_large_registers_only_when_asked_off_a_terminal():
    out = io.StringIO()
    bar = ProgressBar(1000, stream=out, every=100)
    for n in range(1, 1001):
        bar(n)
    assert out.getvalue() == ""                                   # not a terminal, not forced
    forced = ProgressBar(1000, stream=out, force=True, every=100)
    for n in range(1, 1001):
        forced(n)
    forced.done()
    assert "1,000/1,000" in out.getvalue() and out.getvalue().count("\r") == 10


def test_summary_counts_warnings_and_above_but_not_info():
    summary = Summary()
    assert summary.to_json() == {"documents": 0, "needing_action": 0, "by_rule": {}, "by_issuer": {}}
