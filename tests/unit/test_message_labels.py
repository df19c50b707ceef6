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
