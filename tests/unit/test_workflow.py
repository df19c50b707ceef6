"""The workflow graph (rules/workflow.yaml): the proofs it must pass, what a case's facts make of it,
and its drawing."""
import copy
import json
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import networkx as nx
import pytest
import yaml

from engine.core.check import checker_for
from engine.core.errors import WorkflowError
from engine.core.yamlio import load_document, load_json
from engine.decisions.facts import flatten
from engine.decisions.record import load_case, parse_case
from engine.decisions.workflow import (
    dominates,
    load_workflow,
    next_stages,
    rule_ids_of,
    stage_states,
)
from engine.decisions.workflow_svg import STYLE, graph_command, render_svg, write_svg
from engine.rulebook.loader import known_jurisdictions
from engine.rulebook.stages import current_stage, stage_ids

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = load_document(ROOT / "rules" / "workflow.yaml").data
CN_RULES = rule_ids_of("CN")
YUELONG = ROOT / "examples" / "yuelong-sewage-2024.yaml"
NINGHE = ROOT / "examples" / "ninghe-county-road-2025.yaml"
SVG = "{http://www.w3.org/2000/svg}"


def refusal(tmp_path: Path, change) -> str:
    """Load the shipped workflow changed by `change(stages by id)` and give the refusal's text."""
    data = copy.deepcopy(SHIPPED)
    change({s["id"]: s for s in data["stages"]})
    path = tmp_path / "workflow.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(WorkflowError) as caught:
        load_workflow(CN_RULES, path)
    return str(caught.value)


def facts(as_of: date = date(2030, 1, 1), **sections) -> dict:
    """The flat facts of a small case made of `sections`."""
    text = json.dumps({"id": "T-1", "title": "测试", **sections}, default=str)
    return flatten(parse_case(load_json(text, "t.json"), "t.json"), as_of)


def case_view(path: Path, as_of: date) -> tuple[dict, list]:
    case = load_case(path)
    result = checker_for(case.jurisdiction).check(case, as_of, "native")
    return flatten(case, as_of), result.findings


# ---------------------------------------------------------------- the shipped file
def test_the_shipped_workflow_loads_and_passes_every_proof():
    wf = load_workflow(CN_RULES)
    assert wf.start == "initiation"
    assert nx.is_directed_acyclic_graph(wf.forward)
    assert not nx.is_directed_acyclic_graph(wf.graph)          # the Art. 37 loop-backs
    assert nx.descendants(wf.forward, "initiation") == set(wf.stages) - {"initiation"}
    assert dominates(wf.forward, "initiation", "legality_review", "collective_decision")
    assert dominates(wf.forward, "initiation", "party_report", "publication")
    assert {"expert_review", "risk_assessment"} <= nx.ancestors(wf.forward, "legality_review")
    assert {"MAD-EXP-01", "MAD-RISK-01"} <= set(wf.gates("legality_review"))


def test_the_stages_are_the_ones_the_rule_files_and_the_checker_know_in_the_same_order():
    assert list(load_workflow(CN_RULES).stages) == stage_ids()


def test_every_gate_is_a_machine_checked_rule_so_that_it_can_close():
    checked = {r.id for r in checker_for("CN").book.checked_rules}
    wf = load_workflow(CN_RULES)
    assert {g for s in wf.stages for g in wf.gates(s)} <= checked


@pytest.mark.slow
@pytest.mark.parametrize("jurisdiction", known_jurisdictions())
def test_the_workflow_loads_against_every_jurisdictions_rulebook(jurisdiction):
    assert load_workflow(rule_ids_of(jurisdiction)).start == "initiation"


def test_the_graph_has_the_parallel_branches_and_the_article_37_loop_backs():
    wf = load_workflow(CN_RULES)
    assert wf.successors("initiation") == ["public_participation", "expert_review", "risk_assessment"]
    assert wf.successors("collective_decision") == ["party_report", "archiving"]
    assert wf.reruns("adjustment") == ["public_participation", "expert_review", "risk_assessment",
                                       "legality_review"]
    assert all(wf.graph.edges[e]["loop"] for e in [("adjustment", "legality_review")])
    assert wf.entered_on("legality_review") == "legality_review.submitted_on"
    assert wf.entered_on("execution") is None


def test_the_default_load_is_cached_and_checks_gates_against_the_national_rulebook():
    assert load_workflow() is load_workflow()
    assert load_workflow().source == "rules/workflow.yaml"


# ---------------------------------------------------------------- each proof refuses a broken variant
def test_two_starts_are_refused(tmp_path):
    text = refusal(tmp_path, lambda s: s["expert_review"].update(start=True))
    assert "exactly one stage must have start: true, found 2" in text
    assert "stages[3].start" in text and "应恰有一个起始阶段" in text


def test_a_workflow_without_a_start_is_refused(tmp_path):
    text = refusal(tmp_path, lambda s: s["initiation"].pop("start"))
    assert "found 0" in text


def test_an_unreachable_stage_is_refused_with_its_line(tmp_path):
    text = refusal(tmp_path, lambda s: s["post_evaluation"].update(after=[]))
    line = load_document(tmp_path / "workflow.yaml").line_of(("stages", 12, "after"))
    assert f"workflow.yaml:{line}: stages[12].after:" in text
    assert "stage post_evaluation cannot be reached from the start initiation" in text
    assert "从起始阶段 initiation 不可达" in text


def test_a_gate_naming_an_unknown_rule_is_refused(tmp_path):
    text = refusal(tmp_path, lambda s: s["legality_review"]["gates"].append("MAD-LEG-99"))
    assert "stages[6].gates[4]" in text
    assert "gate names no rule of the rulebook: MAD-LEG-99" in text and "不在规则库中" in text


def test_collective_decision_reachable_without_legality_review_is_refused(tmp_path):
    text = refusal(tmp_path, lambda s: s["collective_decision"]["after"].append("public_participation"))
    assert ("a path reaches collective_decision without passing legality_review: "
            "initiation → public_participation → collective_decision (Art. 25(2))") in text
    assert "第二十五条第二款" in text


def test_a_party_report_not_before_publication_is_refused(tmp_path):
    def swap(s):
        s["publication"]["after"] = ["collective_decision"]
        s["party_report"]["after"] = ["publication"]
    text = refusal(tmp_path, swap)
    assert "a path reaches publication without passing party_report" in text and "Art. 31" in text


def test_a_cycle_in_the_forward_graph_is_refused(tmp_path):
    text = refusal(tmp_path, lambda s: s["legality_review"]["after"].append("adjustment"))
    assert "the forward graph has a cycle:" in text and "list loop-backs under reruns" in text
    assert "前向图有环" in text


def test_an_expert_review_not_before_legality_review_is_refused(tmp_path):
    text = refusal(tmp_path, lambda s: s["legality_review"]["after"].remove("expert_review"))
    assert ("a required expert_review must precede legality_review, "
            "but it is not among legality_review's predecessors") in text


def test_a_legality_review_without_the_gate_that_enforces_the_risk_assessment_is_refused(tmp_path):
    text = refusal(tmp_path, lambda s: s["legality_review"]["gates"].remove("MAD-RISK-01"))
    assert "legality_review's gates must include MAD-RISK-01" in text


def test_a_condition_naming_an_unknown_fact_is_refused_where_it_is_written(tmp_path):
    text = refusal(tmp_path, lambda s: s["expert_review"].update(required_when={"fact": "flags.technicl", "is": True}))
    assert "stages[3].required_when.fact" in text and "unknown fact path" in text


def test_an_unknown_key_and_an_unknown_stage_are_refused(tmp_path):
    assert "未知字段 / unknown field" in refusal(tmp_path, lambda s: s["hearing"].update(gate=[]))
    assert "unknown stage" in refusal(tmp_path, lambda s: s["hearing"]["after"].append("drafting"))


# ---------------------------------------------------------------- required, states, next stages
def test_required_follows_the_flags():
    wf = load_workflow(CN_RULES)
    technical = facts(flags={"technical": True, "stability_risk": False, "market_related": True})
    assert wf.required("expert_review", technical)
    assert not wf.required("risk_assessment", technical)
    assert wf.required("fair_competition_review", technical)
    assert not wf.required("expert_review", facts())                  # not recorded: not required
    assert wf.required("public_participation", facts())
    assert not wf.required("public_participation", facts(flags={"withheld": True}))
    assert not wf.required("publication", facts(flags={"withheld": True}))


def test_a_hearing_is_required_once_chosen_and_otherwise_optional():
    wf = load_workflow(CN_RULES)
    chosen = facts(public_participation={"forms": ["hearing"], "consultation": {"opened_on": "2025-03-03"}})
    assert wf.required("hearing", chosen)
    assert not wf.required("hearing", facts())
    assert wf.stage_states(facts(initiation={"started_on": "2025-02-24"}))["hearing"] == "optional"


def test_a_rejected_draft_needs_no_party_report_publication_or_execution_but_is_archived():
    wf = load_workflow(CN_RULES)
    rejected = facts(collective_decision={"held_on": "2025-05-15", "decision": "reject"})
    assert [s for s in ("party_report", "publication", "execution", "archiving")
            if wf.required(s, rejected)] == ["archiving"]
    assert "archiving" in wf.next_stages(rejected)
    assert wf.required("party_report", facts())                   # until the outcome is recorded


def test_the_states_of_the_problem_case_show_publication_blocked_by_the_late_party_report():
    wf = load_workflow(CN_RULES)
    case_facts, findings = case_view(YUELONG, date(2024, 10, 20))
    states = wf.stage_states(case_facts, findings)
    assert states == {
        "initiation": "done", "public_participation": "done", "hearing": "optional",
        "expert_review": "done", "risk_assessment": "done", "fair_competition_review": "not_required",
        "legality_review": "done", "collective_decision": "done", "party_report": "done",
        "publication": "blocked", "archiving": "required", "execution": "required",
        "post_evaluation": "optional", "adjustment": "optional"}
    assert wf.next_stages(case_facts) == ["archiving", "execution"]   # the hearing was passed by


def test_the_states_of_the_compliant_case_follow_the_day_it_is_seen_from():
    early, _ = case_view(NINGHE, date(2025, 3, 5))
    states = stage_states(early)
    assert current_stage(early) == "public_participation" and states["public_participation"] == "current"
    assert [s for s, v in states.items() if v == "required"][:4] == [
        "hearing", "expert_review", "risk_assessment", "legality_review"]
    assert next_stages(early) == ["hearing", "expert_review", "risk_assessment"]
    late, findings = case_view(NINGHE, date(2026, 1, 1))
    states = stage_states(late, findings)
    assert states["execution"] == "current" and "blocked" not in states.values()
    assert next_stages(late) == ["post_evaluation", "adjustment"]


def test_only_a_violated_blocker_or_error_closes_a_gate():
    wf = load_workflow(CN_RULES)
    case_facts = facts(collective_decision={"held_on": "2025-05-15", "decision": "approve"})
    def finding(verdict, severity):
        return SimpleNamespace(rule="MAD-COL-07", verdict=verdict, severity=severity)
    assert wf.stage_states(case_facts, [finding("violated", "error")])["publication"] == "blocked"
    assert wf.stage_states(case_facts, [finding("violated", "warning")])["publication"] == "required"
    assert wf.stage_states(case_facts, [finding("pending", "error")])["publication"] == "required"


def test_a_market_related_decision_issued_before_2024_08_01_without_the_review_blocks_publication():
    # 公平竞争审查制度实施细则 (2021) Art. 2: 未经公平竞争审查的，不得出台 (MAD-COL-08-2021); from
    # 2024-08-01 the Regulation's Art. 18 (MAD-COL-08) takes over the same gate
    wf = load_workflow(CN_RULES)
    assert "MAD-COL-08-2021" in wf.gates("publication")
    sections = {"jurisdiction": "CN", "decision_body": {"name": "测试县人民政府", "level": "county"},
                "category": "public_policy", "flags": {"market_related": True},
                "collective_decision": {"held_on": "2022-09-20", "decision": "approve"},
                "party_report": {"reported_on": "2022-09-25"},
                "publication": {"published_on": "2022-10-14", "channels": ["government_website"]},
                "fair_competition_review": {"completed_on": "2022-10-20", "conclusion": "compliant"}}
    case = parse_case(load_json(json.dumps({"id": "T-FCR", "title": "测试", **sections}), "t.json"), "t.json")
    findings = checker_for("CN").check(case, date(2022, 11, 1), "native").findings
    verdicts = {f.rule: f.verdict for f in findings}
    assert verdicts["MAD-COL-08-2021"] == "violated" and verdicts["MAD-COL-08"] == "not_applicable"
    assert wf.stage_states(flatten(case, date(2022, 11, 1)), findings)["publication"] == "blocked"


# ---------------------------------------------------------------- the drawing
def test_the_svg_is_well_formed_and_names_every_stage():
    wf = load_workflow(CN_RULES)
    svg = render_svg(wf)
    root = ET.fromstring(svg)
    texts = {t.text for t in root.iter(f"{SVG}text")}
    for stage in wf.stages.values():
        assert stage.name.zh in texts and stage.name.en in texts
    assert len([p for p in root.iter(f"{SVG}path") if p.get("class") == "loop"]) == 4
    assert "<script" not in svg and "@import" not in svg and "href=\"http" not in svg


def test_the_svg_colours_a_blocked_stage_red():
    wf = load_workflow(CN_RULES)
    case_facts, findings = case_view(YUELONG, date(2024, 10, 20))
    root = ET.fromstring(render_svg(wf, wf.stage_states(case_facts, findings)))
    box = root.find(f".//{SVG}g[@id='stage-publication']/{SVG}rect")
    assert (box.get("fill"), box.get("stroke")) == STYLE["blocked"][:2] == ("#fde2e1", "#c62828")
    assert root.find(f".//{SVG}g[@id='legend']") is not None


def test_the_svg_escapes_text_and_the_graph_command_writes_a_file(tmp_path):
    wf = load_workflow(CN_RULES)
    ET.fromstring(render_svg(wf, title='<案卷 "A&B">'))
    write_svg(tmp_path / "plain.svg", wf)
    graph_command(tmp_path / "out" / "case.svg", load_case(NINGHE), as_of=date(2026, 1, 1), engine="native")
    root = ET.parse(tmp_path / "out" / "case.svg").getroot()
    assert root.find(f".//{SVG}g[@id='stage-execution']").get("data-state") == "current"
    assert ET.parse(tmp_path / "plain.svg").getroot().find(f".//{SVG}g[@id='legend']") is None
