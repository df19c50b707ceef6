"""Random but well-formed decision case files, for the differential test and the benchmarks.

Dates cluster around the moments that matter (Decree 713's entry into force, National Day and
Spring Festival weeks, the end of the calendar package's coverage) so that boundaries are hit.
"""
from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from engine.rulebook.testing import strings_in

ANCHORS = [date(2019, 6, 20), date(2019, 8, 25), date(2020, 11, 20), date(2021, 4, 1), date(2024, 9, 20),
           date(2025, 1, 20), date(2026, 2, 10), date(2026, 9, 25), date(2026, 12, 10)]
LEVELS = ["province", "city", "county", "township", "department"]
CATEGORIES = ["public_policy", "development_plan", "resources", "public_construction", "other_major"]
MEETINGS = ["executive", "plenary", "office", "circulation", "other"]
PARTY_MEETINGS = ["party_government_joint", "party_group"]
VIEWS = ["approve", "reject", "amend", "defer"]
FLAGS = ["technical", "stability_risk", "direct_interest", "significant_disagreement", "specific_group",
         "market_related", "withheld", "exploratory_reform", "wide_public_concern"]
LAW_LEVELS = ["law", "administrative_regulation", "local_regulation", "rule"]
STAGES = ["initiation", "public_participation", "hearing", "expert_review", "risk_assessment",
          "fair_competition_review", "legality_review", "collective_decision", "party_report", "publication",
          "archiving", "execution", "post_evaluation", "adjustment"]
MATERIALS = ["draft", "public_comment_handling", "expert_opinion_handling", "risk_report", "legality_opinion",
             "fair_competition_review", "other"]


class _Gen:
    def __init__(self, rnd: random.Random):
        self.r = rnd
        self.day = self.r.choice(ANCHORS) + timedelta(days=self.r.randint(-40, 40))

    def maybe(self, p: float = 0.7) -> bool:
        return self.r.random() < p

    def step(self, lo: int = 0, hi: int = 30) -> str:
        """Advance the case's clock and return the new date."""
        self.day += timedelta(days=self.r.randint(lo, hi))
        return self.day.isoformat()

    def tri(self) -> bool | None:
        return self.r.choice([True, False, None])

    def subset(self, words: list[str]) -> list[str]:
        return [w for w in words if self.maybe(0.6)]


def random_case_document(rnd: random.Random, index: int = 0) -> dict[str, Any]:
    """Build one case file (as parsed YAML) with a random subset of its sections."""
    g = _Gen(rnd)
    doc: dict[str, Any] = {"id": f"GEN-{index}", "title": "生成的案例", "jurisdiction": "CN",
                           "decision_body": {"name": "某人民政府", "level": g.r.choice(LEVELS)},
                           "sponsor_unit": "某承办单位", "category": g.r.choice(CATEGORIES)}
    if g.maybe(0.05):
        doc["exclusion"] = g.r.choice(["macro_control", "legislation", "emergency"])
    if g.maybe(0.08):
        doc["special_procedure"] = [{"law": "某特别法", "level": g.r.choice(LAW_LEVELS),
                                     "governs": g.subset(STAGES) or ["hearing"]}]
    if g.maybe(0.05):
        doc["hearing_required_by"] = {"law": "中华人民共和国价格法", "article": 23}
    doc["flags"] = {f: v for f in FLAGS if (v := g.tri()) is not None}
    for section in (_initiation, _participation, _expert, _risk, _fcr, _legality, _decision, _after):
        if g.maybe(0.85):
            section(g, doc)
        else:
            break
    return doc


def _initiation(g: _Gen, doc: dict) -> None:
    doc["initiation"] = {"proposed_on": g.step(0, 5), "proposer": g.r.choice(["leader", "department", "lower_government", "deputy_or_member", "public"]),
                         "proposal_elements": g.subset(["problem", "reasons_and_basis", "preliminary_plan", "necessity_feasibility"]),
                         "started_on": g.step(0, 10), "legal_basis": ["某法"] if g.maybe() else [],
                         "units_consulted": ["某局"] if g.maybe() else [], "disputes_exist": g.tri(), "disputes_reported": g.tri()}


def _participation(g: _Gen, doc: dict) -> None:
    opened = g.step(1, 10)
    pp: dict[str, Any] = {"forms": g.subset(["open_consultation", "symposium", "hearing", "questionnaire"]),
                          "consultation": {"opened_on": opened, "closes_on": g.step(20, 40),
                                           "channels": g.subset(["government_website", "new_media", "newspaper"]),
                                           "shortened_reason": "情况紧急" if g.maybe(0.3) else None,
                                           "reason_stated_in_notice": g.tri()},
                          "comments_received": g.r.randint(0, 30), "comment_handling_report": g.tri(),
                          "group_consulted": g.tri()}
    if g.maybe(0.4):
        pp["hearing"] = {"notice_published_on": g.step(0, 3), "selection_method_published_on": g.step(0, 2),
                         "participants_published_on": g.step(0, 3), "materials_delivered_on": g.step(0, 3),
                         "held_on": g.step(3, 12), "record_signed": g.tri()}
        if g.maybe(0.3):
            pp["hearing"]["organiser"] = "某规划委员会办公室"          # organised by another unit
    if g.maybe(0.25):                                                   # a second round (a list of rounds)
        pp["consultation"] = [pp["consultation"], {
            "opened_on": g.step(1, 20), "closes_on": g.step(5, 40),
            "channels": g.subset(["government_website", "notice_board"]),
            "shortened_reason": "修改部分较少" if g.maybe(0.4) else None, "reason_stated_in_notice": g.tri()}]
    doc["public_participation"] = pp


def _expert(g: _Gen, doc: dict) -> None:
    experts = [{"name": f"专家{i}", "institution": "某大学", "direct_interest": g.maybe(0.1),
                "differing_view": g.maybe(0.3), "opinion_signed": g.maybe(0.9)} for i in range(g.r.randint(0, 3))]
    doc["expert_review"] = {"held_on": g.step(1, 10), "experts": experts, "opinion_handling_report": g.tri()}


def _risk(g: _Gen, doc: dict) -> None:
    doc["risk_assessment"] = {"completed_on": g.step(1, 10), "risk_points": g.tri(), "mitigations": g.tri(),
                              "contingency_plan": g.tri(), "departments_heard": g.tri(),
                              "conclusion": g.r.choice(["controllable", "uncontrollable", None]),
                              "reassessed_on": g.step(1, 5) if g.maybe(0.2) else None}


def _fcr(g: _Gen, doc: dict) -> None:
    doc["fair_competition_review"] = {"completed_on": g.step(0, 5),
                                      "conclusion": g.r.choice(["compliant", "non_compliant", "exception", None])}


def _legality(g: _Gen, doc: dict) -> None:
    doc["legality_review"] = {"submitted_on": g.step(1, 10), "reviewer": "某司法局",
                              "package": g.subset(["draft", "legal_basis", "procedure_explanation"]),
                              "opinion_on": g.step(2, 14), "conclusion": g.r.choice(["legal", "legal_with_changes", "illegal", None]),
                              "draft_revised": g.tri(), "scope": g.subset(["authority", "procedure", "content"]),
                              "legal_adviser_opinion": g.tri(), "replaced_by_consultation": g.maybe(0.1),
                              "legal_risk_statement": g.tri()}


def _decision(g: _Gen, doc: dict) -> None:
    doc["collective_decision"] = {"meeting_type": g.r.choice(MEETINGS), "held_on": g.step(0, 15),
                                  "materials": g.subset(MATERIALS), "head_spoke_last": g.tri(),
                                  "majority_view": g.r.choice(VIEWS), "decision": g.r.choice(VIEWS),
                                  "head_reasons_recorded": g.tri(), "dissent_recorded": g.tri()}
    if g.maybe(0.15):
        doc["collective_decision"]["meeting_type"] = g.r.choice(PARTY_MEETINGS)


def _after(g: _Gen, doc: dict) -> None:
    if g.maybe():
        doc["party_report"] = {"reported_on": g.step(0, 10)}
    if g.maybe(0.2):                                                    # approved by a higher body
        doc["approval"] = {"body": {"name": "某区人民政府", "level": g.r.choice(["city", "county"])},
                           "requested_on": g.step(0, 10)}
        if g.maybe():
            doc["approval"]["approved_on"] = g.step(0, 30)
    if g.maybe():
        doc["publication"] = {"published_on": g.step(0, 40), "channels": g.subset(["gazette", "government_website", "newspaper"]),
                              "interpretation": g.tri()}
    if g.maybe(0.2):
        doc["normative_document"] = {"number": "某政发〔2024〕1号"}
    if g.maybe():
        doc["archive"] = {"archived_on": g.step(0, 30), "complete": g.tri()}
    if g.maybe(0.5):
        doc["execution"] = {"executing_unit": "某执行单位",
                            "reports": [{"reported_on": g.step(10, 90), "problems": g.maybe(0.3)}]}
    if g.maybe(0.3):
        doc["post_evaluation"] = {"triggers": g.subset(["ineffective", "many_opinions", "organ_deems_necessary"]),
                                  "evaluator": "第三方评估机构", "evaluator_was_pre_decision_assessor": g.tri(),
                                  "completed_on": g.step(30, 120) if g.maybe() else None}
    if g.maybe(0.3):
        doc["adjustments"] = [{"kind": g.r.choice(["suspend", "change", "stop"]), "decided_on": g.step(10, 60),
                               "by_head_urgent": g.tri(), "procedures_rerun": g.subset(["public_participation", "legality_review"])}]


def random_as_of(rnd: random.Random, doc: dict) -> date:
    """Pick a day to look from: before, inside or after the case's own dates."""
    days = [date.fromisoformat(v) for v in strings_in(doc) if len(v) == 10 and v[4] == "-" and v[7] == "-"]
    if not days or rnd.random() < 0.2:
        return date(2019, 1, 1) + timedelta(days=rnd.randint(0, 365 * 8))
    lo, hi = min(days), max(days)
    return lo + timedelta(days=rnd.randint(-20, (hi - lo).days + 60))

