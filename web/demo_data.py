"""The demo township's decisions, as case-file sections (CASE_FORMAT §1): 岳龙镇, 宁河区, 天津市.

The two decisions that reach the collective decision follow the Ninghe road example
(examples/ninghe-county-road-2025.yaml) moved to the township: the town government decides at
its mayor's office meeting (Art. 42), the 岳龙司法所 reviews legality. The two in progress are
dated from the day of seeding, so their comment period is open and their deadlines are ahead.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

JURISDICTION = "CN-12/ninghe/yuelong"
BODY = {"name": "天津市宁河区岳龙镇人民政府", "level": "township"}
REVIEWER = "宁河区司法局岳龙司法所"

FLAGS = {"technical": True, "stability_risk": True, "direct_interest": True, "significant_disagreement": False,
         "specific_group": False, "market_related": False, "withheld": False, "exploratory_reform": False,
         "wide_public_concern": True}


def _header(case_id: str, title: str, sponsor: str, **flags: bool) -> dict[str, Any]:
    return {"id": case_id, "title": title, "jurisdiction": JURISDICTION, "decision_body": dict(BODY),
            "sponsor_unit": sponsor, "category": "public_construction", "flags": FLAGS | flags}


def _initiation(proposed: date, started: date, basis: list[str]) -> dict[str, Any]:
    return {"proposed_on": proposed.isoformat(), "proposer": "department",
            "proposal_elements": ["problem", "reasons_and_basis", "preliminary_plan", "necessity_feasibility"],
            "started_on": started.isoformat(), "legal_basis": basis,
            "units_consulted": ["宁河区住房和建设委员会", "宁河区财政局"], "disputes_exist": False}


def _consultation(opened: date, closes: date, received: int | None) -> dict[str, Any]:
    section: dict[str, Any] = {"forms": ["open_consultation", "symposium"],
                               "consultation": {"opened_on": opened.isoformat(), "closes_on": closes.isoformat(),
                                                "channels": ["government_website", "notice_board"]}}
    if received is not None:
        section |= {"comments_received": received, "comment_handling_report": True}
    return section


# ---------------------------------------------------------------- in progress (dated from today)
def heating_case(today: date) -> tuple[dict[str, Any], dict[str, Any]]:
    """YL-DEMO-01: started; the public comment period is open now. (case, participation section)"""
    case = _header("YL-DEMO-01", "岳龙镇集中供热管网改造工程", "岳龙镇村镇建设办公室",
                   technical=True, stability_risk=True)
    case["initiation"] = _initiation(today - timedelta(days=21), today - timedelta(days=14),
                                     ["天津市供热用热条例", "中华人民共和国节约能源法"])
    return case, _consultation(today - timedelta(days=5), today + timedelta(days=30), None)


def culture_centre_case(today: date) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """YL-DEMO-02: participation done; expert review held, risk assessment finished last week."""
    case = _header("YL-DEMO-02", "岳龙镇文化活动中心新建工程", "岳龙镇综合文化站", direct_interest=False,
                   wide_public_concern=False)
    case["initiation"] = _initiation(today - timedelta(days=100), today - timedelta(days=95),
                                     ["中华人民共和国公共文化服务保障法"])
    case["public_participation"] = _consultation(today - timedelta(days=90), today - timedelta(days=55), 9)
    experts = {"held_on": (today - timedelta(days=20)).isoformat(), "opinion_handling_report": True, "experts": [
        {"name": "周某", "institution": "天津大学建筑学院", "direct_interest": False, "differing_view": False, "opinion_signed": True},
        {"name": "吴某", "institution": "天津市建筑设计研究院", "direct_interest": False, "differing_view": True, "opinion_signed": True},
        {"name": "郑某", "institution": "天津城建大学", "direct_interest": False, "differing_view": False, "opinion_signed": True}]}
    risk = {"completed_on": (today - timedelta(days=6)).isoformat(), "risk_points": True, "mitigations": True,
            "contingency_plan": True, "departments_heard": True, "conclusion": "controllable"}
    return case, experts, risk


# ---------------------------------------------------------------- reaching the decision (2025 dates)
def drafted_road_case(case_id: str, title: str) -> dict[str, Any]:
    """A township road decision drafted through risk assessment (the Ninghe road example's dates)."""
    case = _header(case_id, title, "岳龙镇村镇建设办公室")
    case["initiation"] = _initiation(date(2025, 2, 17), date(2025, 2, 24),
                                     ["中华人民共和国公路法", "天津市公路管理条例", "农村公路建设管理办法"])
    case["public_participation"] = {
        "forms": ["open_consultation", "symposium", "hearing"],
        "consultation": {"opened_on": "2025-03-03", "closes_on": "2025-04-07",
                         "channels": ["government_website", "notice_board"]},
        "comments_received": 23, "comment_handling_report": True, "group_consulted": True,
        "hearing": {"notice_published_on": "2025-03-10", "selection_method_published_on": "2025-03-10",
                    "participants_published_on": "2025-03-17", "materials_delivered_on": "2025-03-20",
                    "held_on": "2025-03-28", "record_signed": True}}
    case["expert_review"] = {"held_on": "2025-04-10", "opinion_handling_report": True, "experts": [
        {"name": "王某", "institution": "天津大学", "direct_interest": False, "differing_view": True, "opinion_signed": True},
        {"name": "李某", "institution": "天津市市政工程设计研究总院", "direct_interest": False, "differing_view": False, "opinion_signed": True},
        {"name": "赵某", "institution": "河北工业大学", "direct_interest": False, "differing_view": False, "opinion_signed": True}]}
    case["risk_assessment"] = {"completed_on": "2025-04-18", "risk_points": True, "mitigations": True,
                               "contingency_plan": True, "departments_heard": True, "conclusion": "controllable"}
    return case


LEGALITY_SUBMITTED = {"submitted_on": "2025-04-22", "reviewer": REVIEWER,
                      "package": ["draft", "legal_basis", "procedure_explanation"]}
LEGALITY_OPINION = LEGALITY_SUBMITTED | {
    "opinion_on": "2025-05-09", "conclusion": "legal", "scope": ["authority", "procedure", "content"],
    "legal_adviser_opinion": True, "replaced_by_consultation": False}
MEETING = {"meeting_type": "office", "head_spoke_last": True, "majority_view": "approve", "decision": "approve",
           "dissent_recorded": True,
           "materials": ["draft", "public_comment_handling", "expert_opinion_handling", "risk_report", "legality_opinion"]}
PUBLICATION = {"channels": ["government_website", "notice_board"], "interpretation": True}
ARCHIVE = {"complete": True}


def fengtai_case(today: date) -> dict[str, Any]:
    """丰台镇's case: a village road's widening, just proposed (its own township's body and rules)."""
    proposed = today - timedelta(days=5)
    case = _header("FT-DEMO-01", "丰台镇村道拓宽工程", "丰台镇综合办公室")
    case["jurisdiction"] = "CN-12/ninghe"
    case["decision_body"] = {"name": "天津市宁河区丰台镇人民政府", "level": "township"}
    case["initiation"] = _initiation(proposed, today - timedelta(days=3), ["《中华人民共和国公路法》"])
    return case
