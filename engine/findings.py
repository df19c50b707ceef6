"""Findings: the verdict of one rule on one case, with its citation, message and the facts it used."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Optional

from engine.calendar import WorkingCalendar
from engine.rulebook.book import RuleDef, Rulebook
from engine.rulebook.compile import CompiledRule

HIDDEN_FACTS = {"as_of", "exclusion", "special_procedure_law"}
PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.:@-]+)\}")


@dataclass(frozen=True)
class Finding:
    rule: str
    verdict: str
    severity: str
    citation: dict
    verified: bool
    facts: dict
    stage: str
    title: dict
    reason: Optional[str] = None
    message: Optional[dict] = None          # {"zh": …, "en": …}
    overdue: bool = False
    extra: dict = field(default_factory=dict)

    def to_json(self, lang: str = "zh") -> dict:
        """The finding in the public report shape (CASE_FORMAT §2)."""
        out: dict[str, Any] = {"rule": self.rule, "verdict": self.verdict, "severity": self.severity,
                               "citation": self.citation}
        if self.message is not None:
            out["message"] = self.message[lang]
        out["verified"] = self.verified
        out["facts"] = self.facts
        if self.reason is not None:
            out["reason"] = self.reason
        return out


class FindingPlan:
    """What a rule's findings need, worked out once per compiled rulebook."""

    def __init__(self, cr: CompiledRule, book: Rulebook):
        self.cr, self.rd, self.book = cr, cr.rule, book
        self.params = _params(cr.rule)
        self.shown = [(k, k[7:] if k.startswith("period:") else k, _is_date(k)) for k in _shown_keys(cr)]
        self.title = cr.rule.rule.title.model_dump()

    def build(self, branch_index: int, facts: dict, calendar: WorkingCalendar) -> Finding:
        """Turn the branch an evaluator chose into a finding."""
        if branch_index < 0:
            raise RuntimeError(f"no verdict for {self.rd.id}: the compiled branches are not exhaustive")
        rd, branch = self.rd, self.cr.branches[branch_index]
        shown = {name: _show(facts[k], is_date) for k, name, is_date in self.shown if k in facts}
        if rd.rule.deadline is not None:
            due = _due_on(rd, facts, self.book, calendar)
            if due:
                shown["due_on"] = due
        message = None
        if branch.verdict == "violated":
            values = _values(self, facts, calendar)
            template = rd.rule.overdue_message if branch.overdue and rd.rule.overdue_message else rd.rule.message
            message = {"zh": render(template.zh, values), "en": render(template.en, values)}
        elif branch.reason == "calendar_unknown":
            year = next(v for k, v in facts.items() if k.endswith("@unknown"))
            message = {"zh": f"{year}年的工作日安排未知，无法计算工作日期间（请在 rules/calendars/ 中补充）",
                       "en": f"the working-day arrangement for {year} is unknown; add it under rules/calendars/"}
        return Finding(rd.id, branch.verdict, rd.severity, rd.citation, self.verified(facts),
                       shown, rd.rule.stage, self.title, branch.reason, message, branch.overdue)

    def verified(self, facts: dict) -> bool:
        """A finding is verified when its rule is and every parameter value it used is."""
        if self.rd.rule.verified is False:
            return False
        if not self.params:
            return True
        day = judged_date(self.rd, facts)
        return all(v is None or v.verified for v in (self.book.params[p].version_on(day) for p in self.params))


def judged_date(rd: RuleDef, facts: dict) -> date:
    """The date that picks the version in force: the act's date, or as_of while it is not dated."""
    return date.fromordinal(facts.get(rd.rule.judged_on, facts["as_of"]))


def _params(rd: RuleDef) -> list[str]:
    names = re.findall(r"\{param:([A-Za-z0-9_]+)\}", rd.rule.model_dump_json())
    if isinstance(rd.deadline_within, str):
        names.append(rd.deadline_within[6:])
    return list(dict.fromkeys(names))


def _shown_keys(cr: CompiledRule) -> set[str]:
    keys = {f for f in cr.facts if f not in HIDDEN_FACTS}
    if cr.rule.rule.deadline is not None:
        keys.add(f"period:{cr.rule.rule.deadline.period}")
    return keys


def _values(plan: FindingPlan, facts: dict, calendar: WorkingCalendar) -> dict[str, Any]:
    """Every value a message may name: facts (dates in ISO), periods, parameters, the due date."""
    rd, book = plan.rd, plan.book
    out: dict[str, Any] = {"as_of": _show(facts["as_of"], True)}
    for key, value in facts.items():
        out[key] = _show(value, _is_date(key))
        if key.startswith("period:") and "@" not in key:
            out[key[7:]] = value
        if key.startswith("period:") and key.endswith("@run"):
            out[key[7:-4]] = value
            out[key[:-4]] = value
    day = judged_date(rd, facts)
    for name in plan.params:
        version = book.params[name].version_on(day)
        out[f"param:{name}"] = _param_text(version.value) if version else "?"
    if rd.rule.deadline is not None:
        out["due_on"] = _due_on(rd, facts, book, calendar)
    return out


def _due_on(rd: RuleDef, facts: dict, book: Rulebook, calendar: WorkingCalendar) -> Optional[str]:
    from engine.calendar import CalendarUnknownError
    start = facts.get(rd.rule.judged_on)
    within = rd.deadline_within
    if start is None or within is None:
        return None
    if isinstance(within, str):
        version = book.params[within[6:]].version_on(judged_date(rd, facts))
        within = version.value if version else None
    period = book.periods[rd.rule.deadline.period]
    begin = date.fromordinal(start)
    if period.count == "calendar_days":
        return date.fromordinal(start + within).isoformat()
    try:
        return calendar.add_working_days(begin, within).isoformat()
    except CalendarUnknownError:
        return None


def _is_date(key: str) -> bool:
    from engine.facts import fact_type
    t = fact_type(key)
    return t is not None and t.kind == "date"


def _show(value: Any, is_date: bool) -> Any:
    return date.fromordinal(value).isoformat() if is_date and isinstance(value, int) else value


def _param_text(value: Any) -> str:
    return "、".join(value) if isinstance(value, list) else str(value)


def render(template: str, values: dict[str, Any]) -> str:
    """Fill `{name}` placeholders with values; an unknown one is left visible as written."""
    return PLACEHOLDER.sub(lambda m: str(values[m.group(1)]) if values.get(m.group(1)) is not None else m.group(0), template)
