"""Rules judge one kind of record each (an instrument's `domain`): each has its own facts and
stages, and a checker only runs the rules of its domain."""
import shutil
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.core.calendar import add_months, months_between
from engine.core.check import checker_for
from engine.core.domains import DECISION, DOCUMENT, domain
from engine.documents.facts import flatten
from engine.documents.use_cases import Basis, NormativeDocument
from engine.rulebook.lint import lint

ROOT = Path(__file__).resolve().parents[2]


@given(st.dates(date(1990, 1, 1), date(2060, 12, 31)), st.dates(date(1990, 1, 1), date(2060, 12, 31)))
def test_months_between_is_the_fewest_months_that_reach_the_day(a, b):
    n = months_between(a, b)
    if b >= a:
        assert add_months(a, n) >= b and (n == 0 or add_months(a, n - 1) < b)
    else:
        assert n == -months_between(b, a)


def test_month_end_arithmetic_follows_the_civil_code():
    assert add_months(date(2024, 1, 31), 3) == date(2024, 4, 30)      # 民法典 Art. 202
    assert months_between(date(2024, 1, 31), date(2024, 4, 30)) == 3
    assert months_between(date(2024, 1, 31), date(2024, 5, 1)) == 4
    assert months_between(date(2020, 2, 29), date(2021, 2, 28)) == 12


def test_each_checker_runs_only_the_rules_of_its_domain():
    decisions = {cr.rule.id for cr in checker_for("CN").compiled}
    documents = {cr.rule.id for cr in checker_for("CN", domain=DOCUMENT).compiled}
    assert decisions and documents and not decisions & documents
    assert all(r.startswith("NDOC-") for r in documents)
    assert all(not r.startswith("NDOC-") for r in decisions)


def doc(**changes) -> NormativeDocument:
    base = dict(number="岳龙政规〔2019〕1号", title="测试", issuer="岳龙镇人民政府", issued_on=date(2019, 3, 1),
                effective_from=date(2019, 4, 1), expires_on=date(2024, 3, 31), kind="regular",
                legality_reviewed_on=date(2019, 2, 20), published_on=date(2019, 3, 5), filed_on=date(2019, 3, 20),
                basis=(Basis("中华人民共和国行政处罚法", date(2017, 9, 1)),), sets=("fee",), status="in_force",
                last_reviewed_on=date(2022, 5, 1))
    base.update(changes)
    return NormativeDocument(**base)


def test_a_document_is_seen_as_it_was_known_on_the_day():
    before = flatten(doc(), date(2019, 2, 28))
    assert set(before) == {"as_of", "number", "title", "issuer"}              # not issued yet
    on_issue = flatten(doc(), date(2019, 3, 1))
    assert on_issue["expires_on"] == date(2024, 3, 31).toordinal()            # stated in the document
    assert "published_on" not in on_issue and "last_reviewed_on" not in on_issue   # later acts
    assert on_issue["sets.has.fee"] is True and on_issue["sets.has.licence"] is False
    assert on_issue["cleanup_clock_on"] == date(2019, 3, 1).toordinal()


def test_a_basis_law_counts_as_amended_once_the_new_version_is_in_force():
    adopted_not_in_force = flatten(doc(), date(2021, 7, 14))
    assert "basis.changed_on" not in adopted_not_in_force
    in_force = flatten(doc(), date(2021, 7, 15))
    assert in_force["basis.changed_on"] == date(2021, 1, 22).toordinal()
    assert "2021-01-22" in in_force["basis.changes"] and "行政处罚法" in in_force["basis.changes"]
    written_after = flatten(doc(issued_on=date(2021, 2, 1)), date(2024, 1, 1))
    assert "basis.changed_on" not in written_after          # issued after the revision was adopted
    unknown = flatten(doc(basis=(Basis("某某条例", date(2010, 1, 1)),)), date(2024, 1, 1))
    assert unknown["basis.unknown"] == "《某某条例》" and "basis.changed_on" not in unknown


@pytest.fixture
def rules(tmp_path):
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    return tmp_path / "rules"


@pytest.mark.slow
def test_a_document_rule_may_not_read_a_decision_fact_and_is_told_with_its_line(rules):
    text = (rules / "CN" / "normative-documents.yaml").read_text(encoding="utf-8")
    text = text.replace("requires: {fact: sets.has.penalty, is: false}",
                        "requires: {fact: legality_review.opinion_on, present: true}", 1)
    (rules / "CN" / "normative-documents.yaml").write_text(text, encoding="utf-8")
    problems = lint(["CN"], rules)
    assert problems and all(p.file.endswith("normative-documents.yaml") for p in problems)
    assert any("legality_review.opinion_on" in p.message for p in problems)


def test_a_document_rule_names_the_topics_of_its_own_domain(rules):
    text = (rules / "CN" / "normative-documents.yaml").read_text(encoding="utf-8")
    (rules / "CN" / "normative-documents.yaml").write_text(text.replace("stage: filing", "stage: publication_x", 1),
                                                            encoding="utf-8")
    problems = lint(["CN"], rules)
    assert len(problems) == 1 and "publication_x" in problems[0].message and "cleanup" in problems[0].message


def test_the_domains_offer_their_own_catalogues():
    assert domain(DECISION).fact_type("legality_review.opinion_on").kind == "date"
    assert domain(DOCUMENT).fact_type("legality_review.opinion_on") is None
    assert domain(DOCUMENT).fact_type("sets.has.licence").kind == "bool"
    assert domain(DOCUMENT).topic_ids() == ["content", "drafting", "legality_review", "publication", "filing",
                                            "validity", "cleanup"]
