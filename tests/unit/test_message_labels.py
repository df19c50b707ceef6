"""A message names an enumeration word by its label in the message's language: 「传阅」 and
「县级」 in Chinese, never the code `circulation` or `county` (one mechanism for every domain:
`Domain.value_label`, read by engine/core/findings.py)."""
from datetime import date

import pytest

from engine.core.check import checker_for
from engine.core.domains import DOCUMENT
from engine.core.yamlio import LoadedYaml
from engine.decisions.record import parse_case
from engine.evaluate.durable import durable_available
from tests.unit.test_domains import doc

ENGINES = ["native"] + (["durable"] if durable_available() is None else [])


def _finding(result, rule: str):
    [finding] = [f for f in result.findings if f.rule == rule]
    return finding


@pytest.mark.parametrize("engine", ENGINES)
def test_a_decision_message_names_the_meeting_and_level_by_their_labels(engine):
    case = parse_case(LoadedYaml({
        "id": "L-1", "title": "测试", "jurisdiction": "CN",
        "decision_body": {"name": "测试县人民政府", "level": "county"}, "category": "public_construction",
        "collective_decision": {"meeting_type": "circulation", "held_on": "2021-06-10", "decision": "approve"}}), "t")
    result = checker_for("CN").check(case, date(2021, 7, 1), engine)
    finding = _finding(result, "MAD-COL-02")
    assert finding.verdict == "violated"
    zh, en = finding.message["zh"], finding.message["en"]
    assert "「传阅」" in zh and "层级：县级" in zh
    assert "circulation" not in zh and "county" not in zh
    assert "“circulation”" in en and "level: county" in en


def test_a_set_parameter_is_named_by_its_labels_too():
    from engine.core.findings import FindingPlan, _Values
    checker = checker_for("CN")
    cr = next(cr for cr in checker.compiled if cr.rule.id == "MAD-COL-02")
    values = _Values(FindingPlan(cr, checker.book), {"as_of": date(2021, 7, 1).toordinal()}, checker.calendar)
    assert values.in_language("zh").get("param:collective_meeting_types") == "常务会议、全体会议"
    assert values.in_language("en").get("param:collective_meeting_types") == "executive, plenary"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_document_message_names_the_kind_by_its_label(engine):
    checker = checker_for("CN", domain=DOCUMENT)
    document = doc(kind="provisional", effective_from=date(2020, 2, 10), expires_on=date(2022, 2, 11),
                   issued_on=date(2020, 1, 10), legality_reviewed_on=date(2020, 1, 5),
                   published_on=date(2020, 1, 12), filed_on=date(2020, 1, 20), last_reviewed_on=None)
    finding = _finding(checker.check(document, date(2021, 6, 1), engine), "NDOC-VAL-02-T")
    assert finding.verdict == "violated"
    assert "本文件为暂行文件" in finding.message["zh"] and "provisional" not in finding.message["zh"]
    assert "(kind: Provisional)" in finding.message["en"]


def _decision_case(**sections):
    return parse_case(LoadedYaml({
        "id": "L-2", "title": "测试", "jurisdiction": "CN",
        "decision_body": {"name": "测试县人民政府", "level": "county"}, "category": "public_construction",
        **sections}), "t")


@pytest.mark.parametrize("engine", ENGINES)
def test_the_head_s_decision_and_the_majority_view_are_named_by_their_labels(engine):
    case = _decision_case(collective_decision={"meeting_type": "executive", "held_on": "2021-06-10",
                                               "majority_view": "defer", "decision": "approve",
                                               "head_reasons_recorded": False})
    finding = _finding(checker_for("CN").check(case, date(2021, 7, 1), engine), "MAD-COL-05")
    assert finding.verdict == "violated"
    zh, en = finding.message["zh"], finding.message["en"]
    assert "决定（通过）" in zh and "多数人意见（暂缓）" in zh
    assert "approve" not in zh and "defer" not in zh
    assert "(approve)" in en and "(defer)" in en


@pytest.mark.parametrize("engine", ENGINES)
def test_an_amended_decision_is_named_as_taken_not_as_put_off(engine):
    # every rule reads `amend` as a decision taken (published, executed, archived): its label says so
    case = _decision_case(risk_assessment={"completed_on": "2021-05-12", "conclusion": "uncontrollable"},
                          collective_decision={"meeting_type": "executive", "held_on": "2021-06-10",
                                               "decision": "amend"})
    finding = _finding(checker_for("CN").check(case, date(2021, 7, 1), engine), "MAD-RISK-04")
    assert finding.verdict == "violated"
    assert "作出决策（修改后通过）" in finding.message["zh"]


def test_no_rule_test_renders_an_enumeration_code_in_a_chinese_message():
    """Every message a rule test produces, in the decision and document domains, names each
    enumeration word by its Chinese label."""
    import re

    from engine.core.domains import DECISION, domain
    from engine.decisions.enums import CHOICES_ZH
    from engine.documents.vocab import NAMES
    from engine.rulebook.testing import collect_rule_tests
    codes = {DECISION: set(CHOICES_ZH), DOCUMENT: set(NAMES)}
    seen, shown = 0, []
    for t in collect_rule_tests(["CN", "CN-12", "CN-12/ninghe", "CN-12/ninghe/yuelong"]):
        if t.domain not in codes:
            continue
        case = domain(t.domain).test_record(t.document, t.label)
        for f in checker_for(t.jurisdiction, None, t.domain).check(case, t.as_of, "native").findings:
            if f.rule != t.rule_id or not f.message:
                continue
            seen += 1
            words = set(re.findall(r"[A-Za-z_]+", f.message["zh"])) & codes[t.domain]
            if words:
                shown.append((t.label, sorted(words)))
    assert seen > 100
    assert not shown, shown
