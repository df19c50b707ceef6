"""The report's figures: pure functions over register records (no database, no clock).

A figure is the list of the record keys it counts; its number is the list's length, so every
number can be traced to its records (the report's appendix, the HTML links).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

PLACEHOLDER = "【由单位填写：{}】"


@dataclass(frozen=True)
class Figure:
    """One counted figure: its key, its Chinese and English label, the keys of the records it counts."""
    key: str
    zh: str
    en: str
    records: tuple[str, ...] = field(default_factory=tuple)

    @property
    def count(self) -> int:
        return len(self.records)

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "zh": self.zh, "en": self.en, "count": self.count, "records": list(self.records)}


def _in_year(day: date | None, year: int) -> bool:
    return day is not None and day.year == year


def _keys(records: Iterable[Any], key: str, keep: Any) -> tuple[str, ...]:
    return tuple(getattr(r, key) for r in records if keep(r))


def document_figures(documents: Iterable[Any], year: int) -> list[Figure]:
    """Normative documents: issued in the year and, of those, reviewed before issue, published and filed;
    evaluated (last reviewed) in the year and the outcome of that clean-up, by status."""
    docs = list(documents)
    issued = [d for d in docs if d.issued_on.year == year]
    evaluated = [d for d in docs if _in_year(d.last_reviewed_on, year)]
    k = "number"
    return [
        Figure("documents.issued", "制发规范性文件", "documents issued", _keys(issued, k, lambda d: True)),
        Figure("documents.reviewed_before_issue", "印发前经合法性审核", "legality-reviewed before issue",
               _keys(issued, k, lambda d: d.legality_reviewed_on is not None and d.legality_reviewed_on <= d.issued_on)),
        Figure("documents.published", "向社会公开", "published", _keys(issued, k, lambda d: d.published_on is not None)),
        Figure("documents.filed", "报送备案", "filed", _keys(issued, k, lambda d: d.filed_on is not None)),
        Figure("documents.evaluated", "开展评估清理", "evaluated", _keys(evaluated, k, lambda d: True)),
        Figure("documents.kept", "清理后继续有效", "kept", _keys(evaluated, k, lambda d: d.status == "in_force")),
        Figure("documents.amended", "清理后修改", "amended", _keys(evaluated, k, lambda d: d.status == "amended")),
        Figure("documents.repealed", "清理后废止", "repealed", _keys(evaluated, k, lambda d: d.status == "repealed")),
        Figure("documents.declared_invalid", "宣布失效", "declared invalid",
               _keys(evaluated, k, lambda d: d.status == "expired")),
    ]


def penalty_figures(penalties: Iterable[Any], year: int) -> list[Figure]:
    """Administrative penalties and credit repair: published, repair granted/refused, withdrawn in the year."""
    rows = list(penalties)
    k = "case_number"
    return [
        Figure("penalties.decided", "作出行政处罚决定", "penalties decided", _keys(rows, k, lambda p: p.decided_on.year == year)),
        Figure("penalties.published", "公示行政处罚信息", "published", _keys(rows, k, lambda p: _in_year(p.published_on, year))),
        Figure("penalties.repaired", "准予信用修复", "credit repaired",
               _keys(rows, k, lambda p: _in_year(p.repair_decided_on, year) and p.repair_result == "granted")),
        Figure("penalties.repair_refused", "不予信用修复", "repair refused",
               _keys(rows, k, lambda p: _in_year(p.repair_decided_on, year) and p.repair_result == "refused")),
        Figure("penalties.withdrawn", "撤下公示", "withdrawn from publication",
               _keys(rows, k, lambda p: _in_year(p.withdrawn_on, year))),
    ]


def follow_up_figures(done: Iterable[Any]) -> list[Figure]:
    """The credit follow-ups done in the year (followups.Done), in time and late against their due date."""
    rows = list(done)
    return [
        Figure("penalties.follow_ups_in_time", "按期完成的信用跟进事项", "follow-ups done in time",
               tuple(d.case_number for d in rows if not d.late)),
        Figure("penalties.follow_ups_late", "逾期完成的信用跟进事项", "follow-ups done late",
               tuple(d.case_number for d in rows if d.late)),
    ]


def open_follow_ups(follow_ups: Iterable[Any]) -> list[dict[str, str]]:
    """The 整改清单's credit part: each follow-up still open, its authority responsible, its due date."""
    return [{"record": f.case_number, "problem": f.message["zh"], "rule": f.rule, "unit": f.authority,
             "due": f.due_on.isoformat() if f.due_on else PLACEHOLDER.format("整改期限")} for f in follow_ups]


def open_problems(documents: Iterable[Any], year: int) -> list[dict[str, str]]:
    """The 整改清单 the registers alone can show: a document issued in the year without a legality review
    before issue, publication or filing. Its responsible unit is the issuer; the due date is for the unit
    to write (no rule in the registers sets one)."""
    items = []
    for d in documents:
        if d.issued_on.year != year:
            continue
        for missing, zh in (("legality_reviewed_on", "未经合法性审核"), ("published_on", "未向社会公开"),
                            ("filed_on", "未报送备案")):
            if getattr(d, missing) is None:
                items.append({"record": d.number, "problem": zh, "rule": "", "unit": d.issuer,
                              "due": PLACEHOLDER.format("整改期限")})
    return items


def _case_in_unit(document: dict[str, Any], unit: str) -> bool:
    """Until units exist, a unit is a prefix of the jurisdiction path or of the deciding body's name."""
    body = document.get("decision_body") or {}
    return str(document.get("jurisdiction", "")).startswith(unit) or str(body.get("name", "")).startswith(unit)


def report(year: int, unit: str | None, as_of: date, rulebook_version: str,
           documents: Iterable[Any], penalties: Iterable[Any], done: Iterable[Any] = (),
           still_open: Iterable[Any] = (), cases: Iterable[Any] = ()) -> dict[str, Any]:
    """The whole report as data: the figures of each section, the 整改清单, and what it was computed from.
    `done` and `still_open` are the credit follow-ups (engine/report/followups.py) of these penalties;
    `cases` the stored decisions (engine/report/queries.py `stored_decisions`)."""
    from engine.report.decisions import decision_figures, problems_by_rule, problems_to_correct
    decisions = [c for c in cases if unit is None or _case_in_unit(c[1], unit)]
    docs = [d for d in documents if unit is None or d.issuer.startswith(unit)]
    pens = [p for p in penalties if unit is None or p.authority.startswith(unit)]
    kept = {p.case_number for p in pens}
    previous = {f.key: f.count for f in decision_figures(decisions, year - 1) + document_figures(docs, year - 1)
                + penalty_figures(pens, year - 1)}

    def shown(figs: list[Figure]) -> list[dict[str, Any]]:
        return [f.as_json() | {"previous_year": previous.get(f.key)} for f in figs]

    return {"year": year, "unit": unit, "as_of": as_of.isoformat(), "rulebook_version": rulebook_version,
            "sections": {"decisions": shown(decision_figures(decisions, year)),
                         "documents": shown(document_figures(docs, year)),
                         "penalties": shown(penalty_figures(pens, year) + follow_up_figures(
                             d for d in done if d.case_number in kept))},
            "decision_problems": problems_by_rule(decisions, year),
            "corrections": problems_to_correct(decisions, year, PLACEHOLDER.format("整改期限"))
            + open_problems(docs, year) + open_follow_ups(f for f in still_open if f.case_number in kept),
            "narrative": {"overview": PLACEHOLDER.format("年度法治政府建设总体情况"),
                          "plans": PLACEHOLDER.format("下一年度工作计划")}}
