"""Due dates of deadline rules: the last day allowed (CASE_FORMAT §2 `due_on`, v2).

A deadline rule's period runs from its trigger; the act is in time when it is dated on or before
the due date, and it is overdue on every day after it — a working day or not. The due date is
computed before evaluation and given to both evaluators as the fact `due:<rule id>`, so neither
counts working days up to `as_of` (which never let a deadline expire on a weekend).
"""
from __future__ import annotations

from datetime import date, timedelta

from engine.core.calendar import CalendarUnknownError, WorkingCalendar, add_months
from engine.rulebook.book import Rulebook, RuleDef
from engine.rulebook.compile import due_fact


def due_date(rd: RuleDef, facts: dict, book: Rulebook, calendar: WorkingCalendar) -> date | None:
    """The last day allowed for a deadline rule's act, None before its period starts.

    Raises CalendarUnknownError when a working-day count reaches a year with no known arrangement."""
    period = book.periods[rd.rule.deadline.period]
    start = facts.get(period.from_, facts.get(rd.rule.judged_on))
    within = _limit(rd, facts, book, start)
    if start is None or within is None:
        return None
    begin = date.fromordinal(start)
    if period.count == "calendar_days":
        return begin + timedelta(within)
    if period.count == "months":
        return add_months(begin, within)
    if period.count == "working_days_between":      # days strictly between: the act may fall on the next one
        return calendar.add_working_days(begin, within + 1) - timedelta(1)
    return calendar.add_working_days(begin, within)


def _limit(rd: RuleDef, facts: dict, book: Rulebook, start: int | None) -> int | None:
    within = rd.deadline_within
    if isinstance(within, str) and within.startswith("param:"):
        day = date.fromordinal(facts.get(rd.rule.judged_on, start if start is not None else facts["as_of"]))
        version = book.params[within[6:]].version_on(day)
        return version.value if version else None
    return within


def add_due_dates(facts: dict, rules: list[RuleDef], book: Rulebook, calendar: WorkingCalendar) -> None:
    """Put each deadline rule's due date into the facts (`due:<id>`), or the unknown year (`…@unknown`)."""
    for rd in rules:
        try:
            due = due_date(rd, facts, book, calendar)
        except CalendarUnknownError as e:
            facts[due_fact(rd.id) + "@unknown"] = e.year
            continue
        if due is not None:
            facts[due_fact(rd.id)] = due.toordinal()
