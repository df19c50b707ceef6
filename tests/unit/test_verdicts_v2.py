"""Contract v2 verdicts (CASE_FORMAT §2): missing vs violated, due_on and overdue, 可以 options."""
from datetime import date

import pytest

from engine.core.check import checker_for
from engine.core.report import exit_status, summary, to_json, to_text
from engine.core.yamlio import LoadedYaml
from engine.decisions.record import parse_case
from engine.rulebook.conditions import FALSE, Absent, All, Any, Cmp, Present, kleene

ENGINES = ["native", "durable"]


def case(**sections):
    doc = {"id": "T-V2", "title": "测试", "jurisdiction": "CN",
           "decision_body": {"name": "测试县人民政府", "level": "county"},
           "sponsor_unit": "测试承办单位", "category": "public_construction", **sections}
    return parse_case(LoadedYaml(doc), "T-V2")


def check(c, as_of, engine="native"):
    if engine == "durable":
        from engine.evaluate.durable import durable_available
        if durable_available() is not None:
            pytest.skip("durable-rules unavailable")
    return checker_for("CN").check(c, as_of, engine)


def finding(result, rule):
    return next(f.to_json() for f in result.findings if f.rule == rule)


def hearing(**fields):
    return {"public_participation": {"forms": ["hearing"], "hearing": {"held_on": "2021-04-20", **fields}}}


@pytest.mark.parametrize("engine", ENGINES)
def test_a_signature_recorded_false_is_violated_and_an_unrecorded_one_is_missing(engine):
    recorded_false = finding(check(case(**hearing(record_signed=False)), date(2021, 6, 1), engine), "MAD-HEAR-05")
    silent = finding(check(case(**hearing()), date(2021, 6, 1), engine), "MAD-HEAR-05")
    assert recorded_false["verdict"] == "violated" and "记录载明" in recorded_false["message"]
    assert silent["verdict"] == "missing" and silent["message"].startswith("未见")
    assert "未经" not in silent["message"]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_missing_blocker_blocks_and_sets_the_exit_status(engine):
    # a meeting with no legality review recorded: MAD-LEG-01 (blocker) cannot be judged → missing
    result = check(case(collective_decision={"held_on": "2021-06-10"}), date(2021, 6, 30), engine)
    leg = finding(result, "MAD-LEG-01")
    assert leg["verdict"] == "missing" and leg["severity"] == "blocker"
    s = summary(result.findings)
    assert s["missing"] >= 1 and s["blocking"] is True and exit_status(result) == 1
    text = to_text(result)
    assert "未见记录" in text and "MAD-LEG-01" in text


@pytest.mark.parametrize("engine", ENGINES)
def test_a_deadline_due_on_friday_is_overdue_on_saturday(engine):
    decided = case(collective_decision={"held_on": "2024-03-01", "decision": "approve"})   # a Friday
    friday = finding(check(decided, date(2024, 3, 29), engine), "MAD-PUB-01")
    saturday = finding(check(decided, date(2024, 3, 30), engine), "MAD-PUB-01")
    assert (friday["verdict"], friday["reason"], friday["due_on"]) == ("pending", "running", "2024-03-29")
    assert "overdue" not in friday
    assert (saturday["verdict"], saturday["overdue"], saturday["due_on"]) == ("violated", True, "2024-03-29")
    late = case(collective_decision={"held_on": "2024-03-01", "decision": "approve"},
                publication={"published_on": "2024-03-30", "channels": ["government_website"]})
    assert finding(check(late, date(2024, 4, 30), engine), "MAD-PUB-01")["verdict"] == "violated"


@pytest.mark.parametrize("engine", ENGINES)
def test_an_option_under_may_not_taken_is_discretionary_never_a_breach(engine):
    c = case(flags={"direct_interest": True}, collective_decision={"held_on": "2021-06-10"})
    result = check(c, date(2021, 6, 30), engine)
    hear = finding(result, "MAD-HEAR-01")
    assert (hear["verdict"], hear["reason"]) == ("not_applicable", "discretionary")
    assert "MAD-HEAR-01" not in to_text(result)


def test_the_report_counts_missing_beside_the_other_verdicts():
    report = to_json(check(case(**hearing()), date(2021, 6, 1)))
    assert list(report["summary"]) == ["violated", "missing", "satisfied", "not_applicable", "pending", "blocking"]


def test_kleene_judges_unknown_facts_as_neither_true_nor_false():
    never = lambda fact: FALSE          # noqa: E731 — no fact is known absent
    holds, fails = kleene(Cmp("a", "eq", True), never)
    assert holds == Cmp("a", "eq", True) and fails == Cmp("a", "neq", True)
    holds, fails = kleene(Any((Cmp("a", "eq", True), Cmp("b", "eq", True))), never)
    assert fails == All((Cmp("a", "neq", True), Cmp("b", "neq", True)))
    assert kleene(Present("x"), never) == (Present("x"), FALSE)
    assert kleene(Present("x"), Absent) == (Present("x"), Absent("x"))
    assert kleene(Absent("x"), never) == (Absent("x"), Present("x"))
