"""One penalty record as of a day, for its page (web/credit.py): the governing regime, the publication
periods, what stands between the party and repair, the findings by topic, the open follow-ups, and a
single timeline of the record's dates, the computed period ends and due dates, and its trail events.

Everything is read from the engine — `CreditScanner.scan_one` (facts, findings, follow-ups),
`governing_regime` (which regime, and whether the transitional rule makes the choice disputable),
`audit_queries.timeline` (the chain `penalty:<case_number>`); nothing is decided here. No Flask.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta, timezone
from typing import Any

from sqlalchemy.orm import Session

from engine.credit.facts import TOPICS, governing_regime, regime_on, repair_day
from engine.credit.scan import CreditScanner, FollowUp, RecordScan
from engine.credit.use_cases import CHAIN_PREFIX, PenaltyRecord
from engine.decisions.audit_queries import TimelineEvent, timeline

BEIJING = timezone(timedelta(hours=8))
SEVERITY_ORDER = ("blocker", "error", "warning", "info")

# the record's own dates, in the order of a penalty's life (CASE_FORMAT §4)
DATE_EVENTS: dict[str, tuple[str, str]] = {
    "decided_on": ("作出处罚决定", "Penalty decided"),
    "published_on": ("在信用网站公示", "Published on the credit website"),
    "fulfilled_on": ("履行完毕处罚义务", "Penalty obligations performed"),
    "commitment_on": ("作出信用承诺", "Credit commitment made"),
    "training_on": ("参加信用修复培训", "Credit-repair training attended"),
    "credit_report_on": ("出具信用报告", "Credit report issued"),
    "repair_applied_on": ("申请信用修复", "Repair applied for"),
    "repair_decided_on": ("作出信用修复决定", "Repair decided"),
    "revoked_on": ("处罚决定被撤销或变更", "Penalty decision revoked or changed"),
    "withdrawn_on": ("撤下公示信息", "Publication withdrawn"),
}
RESULT_NAMES = {"granted": ("准予修复", "granted"), "refused": ("不予修复", "refused")}
RANK = {"record": 0, "period": 1, "due": 2, "trail": 3}


@dataclass(frozen=True)
class Entry:
    """One line of the timeline: a date of the record, a computed date, a due date, or a trail event."""
    day: date
    kind: str                       # record · period · due · trail
    zh: str
    en: str
    future: bool                    # after the as-of date
    overdue: bool = False           # a due date passed with the act still owed
    field: str = ""                 # the §4 column (record dates)
    note: tuple[str, str] = ("", "")
    event: TimelineEvent | None = None


@dataclass(frozen=True)
class RegimeInfo:
    id: str
    title: str
    number: str | None
    chosen_by: str                  # decided_on | repair_applied_on: the date that chose it
    chosen_on: date
    disputable: bool                # another regime governs repair (CASE_FORMAT §6 v2)
    other: Any | None = None     # that regime (in force on the application, else on as_of)


@dataclass
class RecordView:
    record: PenaltyRecord
    as_of: date
    scan: RecordScan
    summary: dict[str, Any]                 # the §6 record (regime, periods, eligible, missing, repairable)
    regime: RegimeInfo | None
    decided_yet: bool                       # the decision exists on as_of
    follow_ups: list[FollowUp]
    groups: list[dict[str, Any]]            # findings by topic
    entries: list[Entry] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)


def record_view(session: Session, scanner: CreditScanner, record: PenaltyRecord) -> RecordView:
    """The record's page, as of the scanner's day."""
    scan = scanner.scan_one(record)
    as_of = scanner.as_of
    follow_ups = scan.follow_ups()
    view = RecordView(record, as_of, scan, scan.to_json(), _regime(scanner, record, scan.facts),
                      record.decided_on <= as_of, follow_ups, _groups(scan), facts=scan.facts)
    view.entries = _entries(record, scan, follow_ups, timeline(session, CHAIN_PREFIX + record.case_number), as_of)
    return view


def _regime(scanner: CreditScanner, record: PenaltyRecord, facts: dict) -> RegimeInfo | None:
    """The regime of the publication periods and, where another governs repair, that one (§6 v2)."""
    if "regime" not in facts:
        return None
    context = scanner.checker.context
    regimes, choice = context["regimes"], context["regime_date"]
    repair_choice = context.get("repair_regime_date", "repair_applied_on")
    chosen, day, differ = governing_regime(record, scanner.as_of, regimes, choice, repair_choice)
    other = regime_on(regimes, repair_day(record, scanner.as_of, repair_choice)) if differ else None
    applied = record.repair_applied_on
    by = "repair_applied_on" if choice == "repair_applied_on" and applied and applied <= scanner.as_of else "decided_on"
    return RegimeInfo(chosen.id, chosen.title, chosen.number, by, day, differ, other)


def _groups(scan: RecordScan) -> list[dict[str, Any]]:
    """The findings under each topic of the credit-repair rules (publication, fulfilment, repair, withdrawal)."""
    out = []
    for topic in TOPICS:
        mine = [f for f in scan.findings if f.stage == topic.id]
        if not mine:
            continue
        out.append({"stage": topic.id, "zh": topic.zh, "en": topic.en,
                    "violated": sorted([f for f in mine if f.verdict == "violated"],
                                       key=lambda f: SEVERITY_ORDER.index(f.severity)),
                    "pending": [f for f in mine if f.verdict == "pending"],
                    "satisfied": [f for f in mine if f.verdict == "satisfied"],
                    "not_applicable": [f for f in mine if f.verdict == "not_applicable"]})
    return out


def _entries(record: PenaltyRecord, scan: RecordScan, follow_ups: list[FollowUp], events: list[TimelineEvent],
             as_of: date) -> list[Entry]:
    """Every dated thing of the record, oldest first; on one day: its dates, computed dates, due dates, events."""
    out: list[Entry] = []
    for column, (zh, en) in DATE_EVENTS.items():
        day = getattr(record, column)
        if day is None:
            continue
        note = ("", "")
        if column == "repair_decided_on" and record.repair_result:
            note = RESULT_NAMES.get(record.repair_result, (record.repair_result, record.repair_result))
        out.append(Entry(day, "record", zh, en, day > as_of, field=column, note=note))
    summary = scan.to_json()
    facts = scan.facts
    for key, zh, en in (("min_period_ends_on", "最短公示期届满（最后一日）", "Minimum publication period ends (last day)"),
                        ("max_period_ends_on", "最长公示期届满（最后一日），此后应停止公示",
                         "Maximum publication period ends (last day); publication must stop after it")):
        if summary.get(key):
            day = date.fromisoformat(summary[key])
            months = facts.get("min_months" if key.startswith("min") else "max_months")
            out.append(Entry(day, "period", zh, en, day > as_of, field=key,
                             note=(f"处罚决定日起 {months} 个月", f"{months} months from the decision")))
    for f in follow_ups:
        if f.due_on is not None:
            out.append(Entry(f.due_on, "due", f"期限：{_action_zh(f.action)}", f"Due: {f.action.replace('_', ' ')}",
                             f.due_on > as_of, overdue=f.overdue, field=f.action, note=(f.rule, f.rule)))
    for e in events:
        # shown on its Beijing day; "ahead" compares the server's day, as the default as-of (today) does
        day, local = e.at.astimezone(BEIJING).date(), e.at.astimezone().date()
        out.append(Entry(day, "trail", e.action_zh or e.action, e.action, local > as_of, event=e))
    return sorted(out, key=lambda x: (x.day, RANK[x.kind]))


def _action_zh(action: str) -> str:
    from engine.credit.scan import ACTION_ZH
    return ACTION_ZH.get(action, action)
