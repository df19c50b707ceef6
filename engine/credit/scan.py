"""Scan the penalty register as of a day (CASE_FORMAT §6): per record the regime, the publication
periods, eligibility and what is missing; and the penalising authority's follow-ups.

    records ─ checker (domain credit_repair) ─▶ facts + findings ─▶ record summary (§6 `records`)
                                                                 ─▶ follow-ups (§6 `follow_ups`)

A follow-up is raised by a rule that names one (`follow_up:` in the rule file) from the day its duty
arises until the act it asks for is recorded (CASE_FORMAT §6, v2) — while it is still due, not only
once it is overdue — and by a violated finding of such a rule. Its `due_on` follows §6:
withdraw_publication — the withdrawal deadline (3 working days after `revoked_on`); take_down —
`max_period_ends_on`; process_application — `repair_applied_on` plus the processing limit in working
days; the others none. A follow-up is overdue when `as_of` is after its `due_on` (any day of the
week); the scan exits 1 when one is.
"""
from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Iterable, Iterator, Mapping, TextIO

from engine.core.check import Checker, checker_for
from engine.core.domains import CREDIT
from engine.core.errors import CalendarUnknownError
from engine.core.findings import Finding, judged_date
from engine.credit.vocab import ACTION_NAMES, ACTIONS, MISSING
from engine.registers.csvio import safe_writer
from engine.registers.scanned import Scanned

PROCESSING_PARAM = "repair_processing_working_days"
# the act each follow-up asks for is still not done
STILL_OPEN: dict[str, Callable[[dict], bool]] = {
    "chase_fulfilment": lambda facts: "fulfilled_on" not in facts,
    "notify_party": lambda facts: "repair_applied_on" not in facts and "withdrawn_on" not in facts,
    "process_application": lambda facts: "repair_decided_on" not in facts,
    "withdraw_publication": lambda facts: "withdrawn_on" not in facts,
    "take_down": lambda facts: bool(facts.get("still_shown")),
}
# the duty has arisen, though its act may not be late yet (listed while due, CASE_FORMAT §6 v2)
DUTY_ARISEN: dict[str, Callable[[dict], bool]] = {
    "chase_fulfilment": lambda facts: False,       # no period: listed once its rule is violated
    "notify_party": lambda facts: False,
    "process_application": lambda facts: "repair_applied_on" in facts,
    "withdraw_publication": lambda facts: "revoked_on" in facts and "published_on" in facts,
    # the publication may stay up to the maximum period's last day: due on that day
    "take_down": lambda facts: "max_period_ends_on" in facts and facts["as_of"] >= facts["max_period_ends_on"],
}
ACTION_ZH = {action: names[0] for action, names in ACTION_NAMES.items()}


@dataclass(frozen=True)
class FollowUp:
    case_number: str
    authority: str
    action: str
    rule: str
    due_on: date | None
    message: Mapping[str, str]         # {"zh", "en"}, each rendered when first read
    as_of: date

    @property
    def overdue(self) -> bool:
        return self.due_on is not None and self.as_of > self.due_on

    def to_json(self, lang: str = "zh") -> dict[str, Any]:
        return {"case_number": self.case_number, "authority": self.authority, "action": self.action,
                "rule": self.rule, "due_on": self.due_on.isoformat() if self.due_on else None,
                "overdue": self.overdue, "message": self.message[lang]}


class RecordScan(Scanned):
    """One penalty record on the scan date: its facts, findings and follow-ups."""

    scanner: "CreditScanner"

    def __init__(self, record: Any, scanner: "CreditScanner", facts: dict, branches: list[int]):
        super().__init__(scanner, facts, branches)
        self.record = record

    def follow_ups(self) -> list[FollowUp]:
        """One follow-up per action (the first rule, in rulebook order, that raises it): a record past
        its maximum period and also repaired is to be taken down once, not twice."""
        out: list[FollowUp] = []
        checker, facts = self.scanner.checker, self.facts
        for i, action in self.scanner.follow_up_rules:
            if any(f.action == action for f in out):
                continue
            branch = checker.compiled[i].branches[self.branches[i]]
            reminder = branch.reason == "discretionary"      # a 可以 option not yet taken (§6 notify_party)
            if not STILL_OPEN[action](facts) or (branch.verdict == "not_applicable" and not reminder):
                continue
            if branch.verdict != "violated" and not reminder and not DUTY_ARISEN[action](facts):
                continue
            b = self.branches[i]
            finding = self.findings[i] if self._findings is not None else \
                checker.plans[i].build(b, facts, checker.calendar)
            if reminder:
                message = checker.plans[i].reminder(facts, checker.calendar)
            else:
                message = finding.message or finding.title       # still due: what the rule asks
            out.append(FollowUp(self.record.case_number, self.record.authority, action, finding.rule,
                                self.scanner.due_on(action, finding, self.facts), message,
                                self.scanner.as_of))
        return out

    def to_json(self, lang: str = "zh") -> dict[str, Any]:
        f = self.facts
        has_regime = "regime" in f
        return {"case_number": self.record.case_number, "regime": f.get("regime"),
                "category": self.record.category,
                "min_period_ends_on": _iso(f.get("min_period_ends_on")),
                "max_period_ends_on": _iso(f.get("max_period_ends_on")),
                "eligible": bool(f.get("eligible", False)),
                "missing": [w for w in MISSING if f.get(f"missing.has.{w}")] if has_regime else [],
                "repairable": f.get("repairable") if has_regime else None,
                "findings": [x.to_json(lang) for x in self.findings]}


def _iso(ordinal: int | None) -> str | None:
    return date.fromordinal(ordinal).isoformat() if ordinal is not None else None


class CreditScanner:
    """The credit-repair rules of one jurisdiction's rulebook, applied as of one day."""

    def __init__(self, as_of: date, jurisdiction: str = "CN", engine: str = "native",
                 authority: str | None = None, checker: Checker | None = None):
        self.as_of, self.engine, self.authority = as_of, engine, authority
        self.checker = checker or checker_for(jurisdiction, domain=CREDIT)
        self.follow_up_rules = [(i, cr.rule.rule.follow_up) for i, cr in enumerate(self.checker.compiled)
                                 if cr.rule.rule.follow_up is not None]

    def scan_one(self, record: Any) -> RecordScan:
        facts, branches = self.checker.verdicts(record, self.as_of, self.engine)
        return RecordScan(record, self, facts, branches)

    def scan(self, records: Iterable[Any], progress: Callable[[int], None] | None = None) -> Iterator[RecordScan]:
        """Judge each record (of the chosen authority) in turn; `progress(n)` after each record read."""
        for n, record in enumerate(records, 1):
            if self.authority is None or record.authority == self.authority:
                yield self.scan_one(record)
            if progress is not None:
                progress(n)

    def regime_rule_text(self, zh: bool = True) -> str:
        """Which dates pick the two regimes, and that both choices are unverified (CASE_FORMAT §6 v2)."""
        if zh:
            return ("公示期限按处罚决定日所处制度，信用修复按修复申请日（未申请的按查看日）所处制度（两项选择均未核实，"
                    "SPEC §C.7；两者不同的记录，相关结论标为未核实）")
        return ("the publication periods under the regime in force on the decision date, repair under the one in force "
                "on the application date (before one: the scan date); both choices unverified, SPEC §C.7, and the "
                "findings that depend on them are marked so")

    def due_on(self, action: str, finding: Finding, facts: dict) -> date | None:
        """The follow-up's due date as CASE_FORMAT §6 defines it."""
        if action == "take_down":
            return date.fromordinal(facts["max_period_ends_on"]) if "max_period_ends_on" in facts else None
        if action == "withdraw_publication":
            due = finding.facts.get("due_on")
            return date.fromisoformat(due) if due else None
        if action == "process_application" and "repair_applied_on" in facts:
            param = self.checker.book.params.get(PROCESSING_PARAM)
            version = param.version_on(judged_date(finding.plan.rd, facts)) if param else None
            if version is None:
                return None
            try:
                return self.checker.calendar.add_working_days(date.fromordinal(facts["repair_applied_on"]),
                                                              version.value)
            except CalendarUnknownError:
                return None
        return None


@dataclass
class CreditSummary:
    records: int = 0
    follow_ups: int = 0
    overdue: int = 0

    def add(self, follow_ups: list[FollowUp]) -> None:
        self.records += 1
        self.follow_ups += len(follow_ups)
        self.overdue += sum(1 for f in follow_ups if f.overdue)


def write_json(scanner: CreditScanner, scans: Iterable[RecordScan], out: TextIO, lang: str = "zh") -> CreditSummary:
    """Write CASE_FORMAT §6's JSON, one record at a time (follow-ups kept for the end); gives the summary."""
    summary = CreditSummary()
    pending: list[FollowUp] = []
    out.write('{\n  "as_of": ' + json.dumps(scanner.as_of.isoformat()) + ',\n  "records": [')
    for i, scan in enumerate(scans):
        follow_ups = scan.follow_ups()
        summary.add(follow_ups)
        pending += follow_ups
        out.write(("," if i else "") + "\n    " + json.dumps(scan.to_json(lang), ensure_ascii=False))
    out.write("\n  ],\n  \"follow_ups\": [")
    for i, f in enumerate(pending):
        out.write(("," if i else "") + "\n    " + json.dumps(f.to_json(lang), ensure_ascii=False))
    out.write("\n  ]\n}\n")
    return summary


FOLLOW_UP_COLUMNS = ("case_number", "party", "authority", "action", "rule", "due_on", "overdue", "message")


def write_follow_ups_csv(scans: Iterable[RecordScan], out: TextIO, lang: str = "zh") -> CreditSummary:
    """The follow-up list as CSV (one row per follow-up): the authority's worklist."""
    summary = CreditSummary()
    writer = safe_writer(out)
    writer.writerow(FOLLOW_UP_COLUMNS)
    for scan in scans:
        follow_ups = scan.follow_ups()
        summary.add(follow_ups)
        for f in follow_ups:
            writer.writerow([f.case_number, scan.record.party, f.authority, f.action, f.rule,
                             f.due_on.isoformat() if f.due_on else "", "true" if f.overdue else "false",
                             f.message[lang]])
    return summary


def write_table(scanner: CreditScanner, scans: Iterable[RecordScan], out: TextIO, lang: str = "zh") -> CreditSummary:
    """The text report: follow-ups grouped by authority, overdue ones marked."""
    zh = lang == "zh"
    summary = CreditSummary()
    by_authority: dict[str, list[FollowUp]] = {}
    for scan in scans:
        follow_ups = scan.follow_ups()
        summary.add(follow_ups)
        for f in follow_ups:
            by_authority.setdefault(f.authority, []).append(f)
    out.write(f"信用修复跟进 · 截至 {scanner.as_of}\n" if zh else f"Credit-repair follow-ups · as of {scanner.as_of}\n")
    out.write(("适用制度：" if zh else "Regime: ") + scanner.regime_rule_text(zh) + "\n\n")
    for authority in sorted(by_authority):
        items = by_authority[authority]
        out.write(f"■ {authority}（{len(items)} 项）\n" if zh else f"■ {authority} ({len(items)})\n")
        for f in sorted(items, key=lambda x: (not x.overdue, x.due_on or date.max, x.case_number)):
            due = f.due_on.isoformat() if f.due_on else "—"
            flag = ("【逾期】" if zh else "[overdue] ") if f.overdue else ""
            action = ACTION_ZH[f.action] if zh else f.action
            out.write(f"  {flag}{f.case_number}　{action}　期限 {due}　{f.rule}：{f.message[lang]}\n")
        out.write("\n")
    out.write(f"共 {summary.records} 条处罚记录，跟进事项 {summary.follow_ups} 项，其中逾期 {summary.overdue} 项\n" if zh else
              f"{summary.records} records, {summary.follow_ups} follow-ups, {summary.overdue} overdue\n")
    return summary


class OneAction:
    """A record's scan showing only the follow-ups of one action (the follow-up CSV's `action` filter)."""

    def __init__(self, scan: RecordScan, action: str):
        self.scan, self.record, self.action = scan, scan.record, action

    def follow_ups(self) -> list[FollowUp]:
        return [f for f in self.scan.follow_ups() if f.action == self.action]


DOWNLOADS = ("csv", "json")       # the register's scan as the web offers it


def write_download(scanner: CreditScanner, penalties: Iterable[Any], fmt: str, out: TextIO, lang: str = "zh",
                   action: str = "", progress: Callable[[int], None] | None = None) -> CreditSummary:
    """The scan of these penalties (of the scanner's authority, if it has one) as a download: `csv` the
    follow-up list (write_follow_ups_csv; `action`: only that action's follow-ups), `json` CASE_FORMAT §6
    (write_json, every follow-up) — the same text whether a web request or the job worker writes it."""
    if fmt not in DOWNLOADS:
        raise ValueError(f"no scan download {fmt!r}")
    if action and action not in ACTIONS:
        raise ValueError(f"no follow-up action {action!r}")
    scans: Iterable[Any] = scanner.scan(penalties, progress)
    if fmt == "json":
        return write_json(scanner, scans, out, lang)
    if action:
        scans = (OneAction(s, action) for s in scans)
    return write_follow_ups_csv(scans, out, lang)


__all__ = ["CreditScanner", "FollowUp", "OneAction", "RecordScan", "write_download", "write_follow_ups_csv",
           "write_json", "write_table"]


# ---------------------------------------------------------------- the follow-up list, as its pages keep it
@dataclass(frozen=True, slots=True)
class Item:
    """One follow-up, as the list sorts, counts and links it."""
    authority: str
    overdue: bool
    due_on: date | None
    case_number: str
    action: str
    rule: str


def sort_key(item: Item) -> tuple:
    """By authority; overdue first, then the soonest due, then those without a due date; then case number."""
    return (item.authority, not item.overdue, item.due_on or date.max, item.case_number, ACTIONS.index(item.action))


@dataclass(frozen=True)
class AuthorityCount:
    authority: str
    follow_ups: int
    overdue: int


@dataclass(frozen=True)
class FollowUpList:
    """Every authority's follow-ups of the whole register on one day (CASE_FORMAT §6 `follow_ups`),
    sorted: what the follow-up page keeps (web/credit_followups.py, or the queue's store when a
    worker scanned it, engine/jobs/scans.py). An item keeps only what sorting and counting need."""
    as_of: date
    jurisdiction: str
    version: str              # the rulebook version that judged the register
    records: int              # penalties scanned
    records_by_authority: dict[str, int]
    items: tuple[Item, ...]   # every authority's follow-ups, in `sort_key` order
    seconds: float            # how long the scan took

    def matching(self, authority: str = "", action: str = "") -> list[Item]:
        """The items of one authority and/or one action (empty: any), in list order."""
        return [i for i in self.items
                if (not authority or i.authority == authority) and (not action or i.action == action)]

    @staticmethod
    def by_authority(items: Iterable[Item]) -> list[AuthorityCount]:
        """Follow-ups and overdue ones per authority, in authority order."""
        total: Counter[str] = Counter()
        overdue: Counter[str] = Counter()
        for i in items:
            total[i.authority] += 1
            overdue[i.authority] += i.overdue
        return [AuthorityCount(a, total[a], overdue[a]) for a in sorted(total)]


def follow_up_list(scanner: CreditScanner, jurisdiction: str, penalties: Iterable[Any],
                   progress: Callable[[int], None] | None = None) -> FollowUpList:
    """Judge every penalty (a stream of register rows) and list its follow-ups, sorted."""
    started = time.perf_counter()
    items: list[Item] = []
    records: Counter[str] = Counter()
    for scan in scanner.scan(penalties, progress):
        records[scan.record.authority] += 1
        items += [Item(f.authority, f.overdue, f.due_on, f.case_number, f.action, f.rule) for f in scan.follow_ups()]
    items.sort(key=sort_key)
    return FollowUpList(scanner.as_of, jurisdiction, scanner.checker.book.version, sum(records.values()),
                        dict(records), tuple(items), time.perf_counter() - started)
