"""Deadlines coming up for stored cases, worked out from each case file and a day (no Flask).

    comment_period     public_participation.consultation.closes_on, while it is still open
    legality_floor     the earliest day the collective meeting may be held: at least 7 (the
                       parameter legality_review_working_days) working days strictly between
                       legality_review.submitted_on and the meeting (Decree 713 Art. 26), so the
                       day after the 7th working day after submission; while no meeting is held
    publication_due    20 (publication_working_days) working days after the decision
                       (collective_decision.held_on), while publication.published_on is absent
    archiving_due      the day after the decision + the jurisdiction's archive days, when its
                       rulebook has one (LOC-NH-ARC-01: ninghe_archive_days calendar days);
                       otherwise a decided, unarchived case is listed as "not archived", undated

A deadline whose working-day calendar is unknown for the years it spans is left out.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from engine.core.calendar import CalendarUnknownError, WorkingCalendar, as_date, default_calendar
from engine.core.errors import InputError

WINDOW_DAYS = 30
DECIDED = ("approve", "amend")
ARCHIVE_RULE = "LOC-NH-ARC-01"
DEFAULTS = {"legality_review_working_days": 7, "publication_working_days": 20, "ninghe_archive_days": 10}

KINDS = {  # kind: (Chinese, English)
    "comment_period": ("征求意见期届满", "Comment period closes"),
    "legality_floor": ("合法性审查最早可开会日", "Earliest meeting after legality review"),
    "publication_due": ("决策公布期限", "Publication due"),
    "archiving_due": ("归档报送期限", "Archiving due"),
    "not_archived": ("未归档", "Not archived"),
}


@dataclass(frozen=True)
class Deadline:
    case_id: str
    title: str
    kind: str
    due: date | None          # None: undated (a decided case not archived, no local deadline)
    days_left: int | None     # due - today, negative when overdue
    article: str = ""

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def label(self) -> tuple[str, str]:
        return KINDS[self.kind]

    def to_json(self) -> dict[str, Any]:
        return {"case": self.case_id, "title": self.title, "kind": self.kind,
                "due": self.due.isoformat() if self.due else None, "days_left": self.days_left,
                "overdue": self.overdue}


def _day(document: dict, *path: str) -> date | None:
    node: Any = document
    for part in path:
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return as_date(node)


class _Book:
    """What the deadlines need from a jurisdiction's rulebook: rule ids and parameter values."""

    def __init__(self, jurisdiction: str):
        self.rules: set[str] = set()
        self.params: dict = {}
        try:
            from engine.core.check import checker_for
            book = checker_for(jurisdiction).book
        except InputError:  # an unknown jurisdiction or a broken rulebook: the national defaults
            return
        self.rules = {r.id for r in book.rules}
        self.params = book.params

    def value(self, name: str, on: date) -> int:
        param = self.params.get(name)
        version = param.version_on(on) if param is not None else None
        return int(version.value) if version is not None and isinstance(version.value, int) else DEFAULTS[name]


def case_deadlines(case_id: str, title: str, document: dict, today: date, book: Any = None,
                   calendar: WorkingCalendar | None = None, jurisdiction: str = "CN") -> list[Deadline]:
    """Every deadline of one case, dated or not, whatever how far away (the caller filters)."""
    book = book or _Book(jurisdiction)
    cal = calendar or default_calendar()
    out: list[Deadline] = []

    def add(kind: str, due: date | None, article: str) -> None:
        out.append(Deadline(case_id, title, kind, due, (due - today).days if due else None, article))

    held = _day(document, "collective_decision", "held_on")
    decided = held is not None and (document.get("collective_decision") or {}).get("decision") in DECIDED

    closes = _day(document, "public_participation", "consultation", "closes_on")
    if closes is not None and closes >= today and held is None:
        add("comment_period", closes, "《条例》第十五条")

    submitted = _day(document, "legality_review", "submitted_on")
    if submitted is not None and held is None:
        try:
            n = book.value("legality_review_working_days", submitted)
            floor = cal.add_working_days(submitted, n) + timedelta(days=1)
        except (CalendarUnknownError, ValueError):
            floor = None
        if floor is not None and floor >= today:
            add("legality_floor", floor, "《条例》第二十六条")

    if decided and held is not None and _day(document, "publication", "published_on") is None:
        try:
            add("publication_due", cal.add_working_days(held, book.value("publication_working_days", held)),
                "《条例》第三十二条")
        except (CalendarUnknownError, ValueError):
            pass

    if decided and held is not None and _day(document, "archive", "archived_on") is None:
        if ARCHIVE_RULE in book.rules:
            add("archiving_due", held + timedelta(days=book.value("ninghe_archive_days", held)), "《条例》第三十三条")
        else:
            add("not_archived", None, "《条例》第三十三条")
    return out


def upcoming(cases: Iterable[tuple[str, str, str, dict]], today: date,
             within: int = WINDOW_DAYS) -> list[Deadline]:
    """Deadlines of (id, title, jurisdiction, document) cases due within `within` days or overdue;
    undated ones ("not archived") last. Sorted by due day."""
    books: dict[str, _Book] = {}
    horizon = today + timedelta(days=within)
    found: list[Deadline] = []
    for case_id, title, jurisdiction, document in cases:
        book = books.setdefault(jurisdiction, _Book(jurisdiction))
        found += [d for d in case_deadlines(case_id, title, document, today, book, jurisdiction=jurisdiction)
                  if d.due is None or d.due <= horizon]
    return sorted(found, key=lambda d: (d.due is None, d.due or today, d.case_id))
