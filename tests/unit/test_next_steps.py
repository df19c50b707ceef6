from types import SimpleNamespace

import networkx as nx

from engine.decisions.next_steps import next_steps


def _workflow():
    graph = nx.DiGraph([("initiation", "expert_review"), ("expert_review", "legality_review")])
    gates = {"legality_review": ["MAD-EXP-01"]}
    return SimpleNamespace(forward=graph, gates=lambda s: gates.get(s, []))


def _finding(rule, stage):
    return SimpleNamespace(rule=rule, verdict="missing", severity="blocker", stage=stage, citation="第十九条")


def test_role_without_the_right_gets_no_step():
    assert next_steps(_workflow(), ["legality_review"], [], {"official"}) == []


def test_blocker_names_rule_article_and_the_stage_to_record():
    steps = next_steps(_workflow(), ["legality_review"], [_finding("MAD-EXP-01", "expert_review")],
                       {"legality_reviewer"})
    assert [(b.rule, b.article, b.stage) for b in steps[0].blockers] == [("MAD-EXP-01", "第十九条", "expert_review")]
    assert not steps[0].ready


def test_stage_with_no_blocker_is_ready():
    assert next_steps(_workflow(), ["expert_review"], [], {"official"})[0].ready


def test_example_case_offers_only_the_officials_stages():
    from datetime import date

    from engine.accounts.access import recorder_roles
    from engine.core.check import checker_for
    from engine.decisions.record import load_case
    from engine.decisions.workflow import load_workflow, rule_ids_of
    day = date(2025, 6, 1)
    case = load_case("examples/ninghe-county-road-2025.yaml", as_of=day)
    checker = checker_for(case.jurisdiction)
    facts, findings = checker.facts(case, day), checker.check(case, day).findings
    workflow = load_workflow(rule_ids_of(case.jurisdiction))
    steps = next_steps(workflow, workflow.next_stages(facts), findings, {"official"})
    assert all("official" in recorder_roles(s.stage) for s in steps)
    everyone = next_steps(workflow, workflow.next_stages(facts), findings,
                          {"official", "legality_reviewer", "secretary"})
    assert [s.stage for s in everyone] == workflow.next_stages(facts)
