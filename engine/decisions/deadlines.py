"""Deadlines coming up for stored cases, worked out from each case file and a day (no Flask).

The duties with a deadline are the rulebook's: every deadline finding of the case's check on the
day (CASE_FORMAT §2, v2) that is still running or overdue gives one, with its `due_on` and its
citation, so the dashboard says what the case page, the audit list and the API say
(engine/decisions/queries.case_status, which carries them from the one check it makes). Two dates that are not duties are added:

    comment_period     public_participation.consultation.closes_on, while it is still open
    legality_floor     the earliest day the collective meeting may be held: at least 7 (the
                       parameter legality_review_working_days) working days strictly between
                       legality_review.submitted_on and the meeting (Decree 713 Art. 26), so the
                       day after the 7th working day after submission; while no meeting is held

and a decided case with no archiving record and no archiving deadline that binds it is listed as
"not archived", undated (Decree 713 Art. 33 sets no period). A deadline whose working-day calendar
is unknown for the years it spans is left out.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from engine.core.calendar import WorkingCalendar, as_date, default_calendar
from engine.core.errors import CalendarFileError, CalendarUnknownError, InputError

WINDOW_DAYS = 30
DECIDED = ("approve", "amend")
ARCHIVE_RULE = "LOC-NH-ARC-01"
DEFAULTS = {"legality_review_working_days": 7}

KINDS = {  # kind: (Chinese, English)
    "comment_period": ("征求意见期届满", "Comment period closes"),
    "legality_floor": ("合法性审查最早可开会日", "Earliest meeting after legality review"),
    "publication_due": ("决策公布期限", "Publication due"),
    "archiving_due": ("归档报送期限", "Archiving due"),
    "rule_deadline": ("法定期限", "Statutory deadline"),
    "not_archived": ("未归档", "Not archived"),
}
KIND_OF_RULE = {"MAD-PUB-01": "publication_due", ARCHIVE_RULE: "archiving_due"}


@dataclass(frozen=True)
class Deadline:
    case_id: str
    title: str
    kind: str
    due: date | None          # None: undated (a decided case not archived, no local deadline)
    days_left: int | None     # due - today, negative when overdue
    article: str = ""
    rule: str = ""            # the rule that sets it ("" for the two dates that are not duties)

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def label(self) -> tuple[str, str]:
        return KINDS[self.kind]

    def to_json(self) -> dict[str, Any]:
        return {"case": self.case_id, "title": self.title, "kind": self.kind, "rule": self.rule or None,
                "due": self.due.isoformat() if self.due else None, "days_left": self.days_left,
                "overdue": self.overdue}


def _day(document: dict, *path: str) -> date | None:
    node: Any = document
    for part in path:
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return as_date(node)


def rule_deadlines(findings: Iterable[Any]) -> list[tuple[Any, date]]:
    """(finding, due day) of every deadline of a check still running or overdue on its day."""
    out = []
    for f in findings:
        running = f.verdict == "pending" and f.reason == "running"
        if (running or (f.verdict == "violated" and f.overdue)) and f.due_on:
            out.append((f, date.fromisoformat(f.due_on)))
    return out


def _last_close(document: dict) -> date | None:
    """The closing day of the open consultation (of its last round, when recorded as rounds)."""
    participation = document.get("public_participation")
    rounds = participation.get("consultation") if isinstance(participation, dict) else None
    if isinstance(rounds, list):
        days = [d for r in rounds if isinstance(r, dict) and (d := as_date(r.get("closes_on"))) is not None]
        return max(days, default=None)
    return _day(document, "public_participation", "consultation", "closes_on")


class _Book:
    """What the deadlines need from a jurisdiction's rulebook: its checker and parameter values."""

    def __init__(self, jurisdiction: str, checker: Any = None):
        self.checker: Any = checker
        self.params: dict = {}
        if checker is None:
            try:
                from engine.core.check import checker_for
                self.checker = checker_for(jurisdiction)
            except InputError:  # an unknown jurisdiction or a broken rulebook: no rule deadlines
                return
        self.params = self.checker.book.params

    def value(self, name: str, on: date) -> int:
        param = self.params.get(name)
        version = param.version_on(on) if param is not None else None
        return int(version.value) if version is not None and isinstance(version.value, int) else DEFAULTS[name]

    def rule_deadlines(self, case_id: str, document: dict, today: date) -> list[tuple[Any, date]]:
        """(finding, due day) of every deadline still running or overdue on the day."""
        if self.checker is None:
            return []
        from engine.core.yamlio import LoadedYaml
        from engine.decisions.record import parse_case
        try:
            case = parse_case(LoadedYaml(document), case_id)
            findings = self.checker.check(case, today, "native").findings
        except InputError:      # a stored file the current model cannot read: no rule deadlines
            return []
        return rule_deadlines(findings)


def case_deadlines(case_id: str, title: str, document: dict, today: date, book: Any = None,
                   calendar: WorkingCalendar | None = None, jurisdiction: str = "CN",
                   findings: Iterable[Any] | None = None, checker: Any = None) -> list[Deadline]:
    """Every deadline of one case, dated or not, whatever how far away (the caller filters).

    `findings`: the case's check on `today` when the caller has made it (by `checker`, the case's
    jurisdiction's); without them the case is checked here."""
    book = book or _Book(jurisdiction, checker)
    cal = calendar or default_calendar()
    out: list[Deadline] = []

    def add(kind: str, due: date | None, article: str) -> None:
        out.append(Deadline(case_id, title, kind, due, (due - today).days if due else None, article))

    held = _day(document, "collective_decision", "held_on")
    decided = held is not None and (document.get("collective_decision") or {}).get("decision") in DECIDED

    closes = _last_close(document)
    if closes is not None and closes >= today and held is None:
        add("comment_period", closes, "《条例》第十五条")

    submitted = _day(document, "legality_review", "submitted_on")
    if submitted is not None and held is None:
        try:
            n = book.value("legality_review_working_days", submitted)
            floor = cal.add_working_days(submitted, n) + timedelta(days=1)
        except (CalendarUnknownError, CalendarFileError, ValueError):
            floor = None
        if floor is not None and floor >= today:
            add("legality_floor", floor, "《条例》第二十六条")

    from engine.core.report import cite
    running = book.rule_deadlines(case_id, document, today) if findings is None else rule_deadlines(findings)
    for finding, due in running:
        out.append(Deadline(case_id, title, KIND_OF_RULE.get(finding.rule, "rule_deadline"), due,
                            (due - today).days, cite(finding.citation), finding.rule))

    archiving = any(d.rule == ARCHIVE_RULE for d in out)
    if decided and held is not None and _day(document, "archive", "archived_on") is None and not archiving:
        add("not_archived", None, "《条例》第三十三条")
    return out


def upcoming(deadlines: Iterable[Deadline], today: date, within: int = WINDOW_DAYS) -> list[Deadline]:
    """The deadlines due within `within` days or overdue, sorted by due day; undated ones ("not
    archived") last."""
    horizon = today + timedelta(days=within)
    found = [d for d in deadlines if d.due is None or d.due <= horizon]
    return sorted(found, key=lambda d: (d.due is None, d.due or today, d.case_id))
