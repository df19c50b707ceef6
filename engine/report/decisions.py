"""The report's major-decision figures: pure functions over (case id, case file, latest check report)
triples (engine/report/queries.py reads them). A decision counts in the year its initiation was
proposed (else started): the year the audit list files it under."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from engine.decisions.enums import CHOICES_ZH
from engine.decisions.sections import get_section
from engine.report.figures import Figure

# the procedure steps the report counts: stage (engine/decisions/sections.py) → label
STEPS = (("public_participation", "公众参与", "public participation"), ("hearing", "听证", "hearing"),
         ("expert_review", "专家论证", "expert review"), ("risk_assessment", "风险评估", "risk assessment"),
         ("legality_review", "合法性审查", "legality review"), ("collective_decision", "集体讨论决定", "collective decision"),
         ("publication", "决策公布", "publication"), ("post_evaluation", "决策后评估", "post-evaluation"))


def case_year(document: dict[str, Any]) -> int | None:
    """The year of the case's proposal (or start), None when the case file has neither."""
    initiation = document.get("initiation") or {}
    for key in ("proposed_on", "started_on"):
        value = str(initiation.get(key) or "")
        if value[:4].isdigit():
            return int(value[:4])
    return None


def decision_figures(cases: Iterable[tuple[str, dict[str, Any], Any]], year: int) -> list[Figure]:
    """How many decisions, by category, and how many went through each procedure step."""
    of_year = [(case_id, doc) for case_id, doc, _ in cases if case_year(doc) == year]
    out = [Figure("decisions.total", "重大行政决策事项", "major decisions", tuple(c for c, _ in of_year))]
    for category in sorted(Counter(str(doc.get("category")) for _, doc in of_year)):
        out.append(Figure(f"decisions.category.{category}", f"其中{CHOICES_ZH.get(category, category)}",
                          f"category {category.replace('_', ' ')}",
                          tuple(c for c, doc in of_year if str(doc.get("category")) == category)))
    for stage, zh, en in STEPS:
        out.append(Figure(f"decisions.{stage}", f"经{zh}", en,
                          tuple(c for c, doc in of_year if get_section(doc, stage) is not None)))
    return out


def problems_by_rule(cases: Iterable[tuple[str, dict[str, Any], Any]], year: int) -> list[dict[str, Any]]:
    """The rules the latest check of each decision of the year found violated: rule, citation, cases."""
    by_rule: dict[str, dict[str, Any]] = {}
    for case_id, doc, report in cases:
        if case_year(doc) != year or not isinstance(report, dict):
            continue
        for finding in report.get("findings") or ():
            if isinstance(finding, dict) and finding.get("verdict") == "violated":
                entry = by_rule.setdefault(str(finding.get("rule")), {"rule": str(finding.get("rule")),
                                                                      "citation": finding.get("citation"), "records": []})
                if case_id not in entry["records"]:
                    entry["records"].append(case_id)
    return [by_rule[r] for r in sorted(by_rule)]


def problems_to_correct(cases: Iterable[tuple[str, dict[str, Any], Any]], year: int,
                        placeholder: str) -> list[dict[str, str]]:
    """The 整改清单's rows of the decisions of the year: each rule their latest check finds violated,
    with its article, the sponsoring unit (决策承办单位, Art. 11; the decision body when none is
    named) and a place for the unit to write its due date (no rule sets one)."""
    rows = []
    for case_id, doc, report in cases:
        if case_year(doc) != year or not isinstance(report, dict):
            continue
        body = doc.get("decision_body") or {}
        unit = str(doc.get("sponsor_unit") or body.get("name") or "—")
        for finding in report.get("findings") or ():
            if isinstance(finding, dict) and finding.get("verdict") == "violated":
                rows.append({"record": case_id, "problem": f"{finding.get('message') or ''}（{_article(finding)}）",
                             "rule": str(finding.get("rule")), "unit": unit, "due": placeholder})
    return rows


def _article(finding: dict[str, Any]) -> str:
    """「《重大行政决策程序暂行条例》第十五条第一款」 as far as the citation goes (digits kept)."""
    citation = finding.get("citation") or {}
    if not isinstance(citation, dict):
        return str(citation)
    text = f"《{citation.get('instrument', '')}》" if citation.get("instrument") else ""
    if citation.get("article"):
        text += f"第{citation['article']}条"
    if citation.get("paragraph"):
        text += f"第{citation['paragraph']}款"
    return text or str(finding.get("rule"))
