"""A message names an enumeration word by its label in the message's language: 「传阅」 and
「县级」 in Chinese, never the code `circulation` or `county` (one mechanism for every domain:
`Domain.value_label`, read by engine/core/findings.py)."""
import re
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


# ---------------------------------------------------------------- every word of every domain
JURISDICTIONS = ("CN", "CN-12", "CN-12/ninghe", "CN-12/ninghe/yuelong")
DOMAINS = ["major_decision", "normative_document", "credit_repair", "decision_catalogue"]
CODE = r"[A-Za-z0-9_-]+"


def _words(name: str) -> dict[str, tuple[str, ...]]:
    """Each enumeration fact and each list of words of a domain → its words."""
    from engine.core.domains import domain
    from engine.core.findings import _word_list_facts
    catalogue = domain(name).catalogue()
    out = {k: t.values for k, t in catalogue.items() if t.kind == "enum"}
    for head in _word_list_facts(name):
        out[head] = tuple(k.partition(".has.")[2] for k in catalogue if k.startswith(head + ".has."))
    return out


@pytest.mark.parametrize("name", DOMAINS)
def test_every_enumeration_word_has_a_chinese_label(name):
    from engine.core.domains import domain
    label = domain(name).value_label
    words = _words(name)
    assert words
    bare = [(fact, w) for fact, ws in words.items() for w in ws
            if label(w)[0] == w or re.search("[A-Za-z]", label(w)[0])]
    assert not bare, bare


def test_a_regime_is_named_by_the_number_its_rule_file_gives():
    from engine.credit.vocab import REGIME_NAMES, REGIMES
    book = checker_for("CN").book
    assert sorted(r.id for r in book.regimes) == sorted(REGIMES)
    assert {r.id: r.number for r in book.regimes} == {k: zh for k, (zh, _) in REGIME_NAMES.items()}


def _synthetic_facts(checker, cr, words: dict, i: int) -> dict:
    """A fact for every catalogue entry: the i-th word of each enumeration (every word over the
    rounds), every word of each list, a date, a number, a truth value, a Chinese text."""
    from engine.core.domains import CREDIT
    from engine.credit.facts import MISSING, _next_step, _regime_basis
    from engine.rulebook.compile import due_fact
    day = date(2024, 6, 3).toordinal()
    facts: dict = {"as_of": day, due_fact(cr.rule.id): day}
    for path, t in checker.domain.catalogue().items():
        if path in words:
            ws = words[path]
            facts[path] = ws[i % len(ws)] if t.kind == "enum" else "、".join(ws[i % len(ws):] + ws[:i % len(ws)])
        else:
            facts[path] = {"date": day, "int": 3, "bool": True, "list": "甲、乙"}.get(t.kind, "文本")
    for name in checker.book.periods:
        facts[f"period:{name}"] = 5
    if checker.domain.name == CREDIT:
        regimes = checker.book.regimes
        periods, repair = regimes[i % len(regimes)], regimes[(i + 1) % len(regimes)]
        facts["regime_basis.zh"], facts["regime_basis.en"] = _regime_basis(periods, repair)
        facts["next_step.zh"], facts["next_step.en"] = _next_step(list(MISSING))
    return facts


@pytest.mark.parametrize("name", DOMAINS)
def test_every_rule_message_names_every_enumeration_word_by_its_chinese_label(name):
    """Each message of each rule (violated, overdue, missing), rendered over every word of every
    enumeration its domain has (and, for credit, every pair of regimes): no code in the Chinese."""
    from engine.core.findings import FindingPlan, _Values, render
    from engine.credit.vocab import REGIMES
    words = _words(name)
    codes = {w for ws in words.values() for w in ws} | set(REGIMES)
    rounds = max(max(len(ws) for ws in words.values()), len(REGIMES))
    rendered, shown = 0, []
    for j in JURISDICTIONS:
        checker = checker_for(j, None, name)
        for cr in checker.compiled:
            if cr.rule.jurisdiction != j:
                continue
            rule = cr.rule.rule
            templates = [t for t in (rule.message, rule.overdue_message, rule.message_missing) if t is not None]
            plan = FindingPlan(cr, checker.book)
            for i in range(rounds):
                values = _Values(plan, _synthetic_facts(checker, cr, words, i), checker.calendar)
                for template in templates:
                    zh = render(template.zh, values.in_language("zh"), "未记录")
                    render(template.en, values.in_language("en"), "not recorded")
                    rendered += 1
                    bare = set(re.findall(CODE, zh)) & codes
                    if bare:
                        shown.append((cr.rule.id, sorted(bare), zh))
    assert rendered > 10
    assert not shown, shown


def test_a_list_of_words_is_named_word_by_word():
    """A list fact (what a repair still lacks, a document's sets) is held joined by 「、」; a message
    names each word by its label."""
    from engine.core.domains import CREDIT
    from engine.core.findings import FindingPlan, _Values
    checker = checker_for("CN", None, CREDIT)
    cr = checker.compiled[0]
    values = _Values(FindingPlan(cr, checker.book), {"as_of": date(2024, 6, 3).toordinal(),
                                                     "missing": "min_period、commitment"}, checker.calendar)
    assert values.in_language("zh").get("missing") == "最短公示期未满、未作出信用承诺"
    assert values.in_language("en").get("missing") == "minimum period not yet served, no credit commitment"
    documents = checker_for("CN", None, DOCUMENT)
    plan = FindingPlan(documents.compiled[0], documents.book)
    values = _Values(plan, {"as_of": date(2024, 6, 3).toordinal(), "sets": "licence、fee"}, documents.calendar)
    assert values.in_language("zh").get("sets") == "行政许可、收费"
