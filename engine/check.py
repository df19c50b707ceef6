"""Check a case: derive its facts, evaluate the rulebook in force, and build the findings.

    case ─ flatten (as of a day) ─ periods (calendar) ─▶ facts ─ evaluator ─▶ branch per rule ─▶ findings
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Optional

from engine.calendar import CalendarUnknownError, WorkingCalendar, default_calendar
from engine.errors import InputError, Problem
from engine.facts import flatten
from engine.findings import Finding, FindingPlan
from engine.rulebook.book import Rulebook, build_rulebook
from engine.rulebook.compile import CompiledRule, compile_rulebook
from engine.rulebook.loader import known_jurisdictions, read_rulebook, rulebook_digest, rules_dir
from engine.rulebook.stages import current_stage


class RulebookError(InputError):
    """The rule files have problems; nothing is checked against a broken rulebook."""


@dataclass
class CheckResult:
    case_id: str
    as_of: date
    jurisdiction: str
    version: str
    stage: Optional[str]
    findings: list[Finding]


class Checker:
    """A rulebook compiled once, with its evaluators created on first use."""

    def __init__(self, book: Rulebook, calendar: WorkingCalendar):
        self.book = book
        self.calendar = calendar
        self.compiled: list[CompiledRule] = compile_rulebook(book)
        self.plans = [FindingPlan(cr, book) for cr in self.compiled]
        self._evaluators: dict[str, Any] = {}
        self._lock = threading.Lock()

    def evaluator(self, engine: str):
        """The named evaluator (`durable` or `native`), built once."""
        with self._lock:
            return self._evaluator(engine)

    def _evaluator(self, engine: str):
        if engine not in self._evaluators:
            if engine == "durable":
                from engine.evaluate.durable import DurableEvaluator
                self._evaluators[engine] = DurableEvaluator(self.compiled)
            else:
                from engine.evaluate.native import NativeEvaluator
                self._evaluators[engine] = NativeEvaluator(self.compiled)
        return self._evaluators[engine]

    def release(self) -> None:
        """Free what the evaluators hold in the rule engine (this rulebook version is superseded)."""
        evaluator = self._evaluators.get("durable")
        if evaluator is not None:
            evaluator.release()

    def facts(self, case, as_of: date) -> dict[str, Any]:
        """The case as one flat fact on `as_of`, with every period the rulebook declares."""
        facts = flatten(case, as_of)
        add_periods(facts, self.book, self.calendar)
        return facts

    def check(self, case, as_of: date, engine: str = "durable") -> CheckResult:
        """Judge the case as of `as_of` with every rule of this rulebook."""
        facts = self.facts(case, as_of)
        branches = self.evaluator(engine).evaluate(facts)
        findings = [plan.build(b, facts, self.calendar) for plan, b in zip(self.plans, branches)]
        return CheckResult(case.id, as_of, self.book.jurisdiction, self.book.version, current_stage(facts), findings)


def add_periods(facts: dict, book: Rulebook, calendar: WorkingCalendar) -> None:
    """Count each declared period (and, while its end is not dated, the period up to as_of)."""
    as_of = facts["as_of"]
    for name, period in book.periods.items():
        start, end = facts.get(period.from_), facts.get(period.to)
        if start is None:
            continue
        key = f"period:{name}" if end is not None else f"period:{name}@run"
        try:
            facts[key] = count_period(period.count, start, end if end is not None else as_of, calendar)
        except CalendarUnknownError as e:
            facts[key + "@unknown"] = e.year


def count_period(kind: str, start: int, end: int, calendar: WorkingCalendar) -> int:
    """Count a period between two day ordinals (民法典 Art. 201: the start day is not counted)."""
    if kind == "calendar_days":
        return end - start
    a, b = date.fromordinal(start), date.fromordinal(end)
    if kind == "working_days_between":
        return calendar.working_days_between(a, b)
    return calendar.working_days_after(a, b)


_CHECKERS: dict[tuple[str, str], tuple[str, Checker]] = {}     # insertion order = age
_CHECKERS_LOCK = threading.Lock()
MAX_CHECKERS = 16       # jurisdictions × rules folders kept compiled (replays use temporary folders)


def _checker(jurisdiction: str, root: str, digest: str) -> Checker:
    """The checker of one rulebook version; a superseded version's engine rulesets are freed."""
    with _CHECKERS_LOCK:
        known = _CHECKERS.get((jurisdiction, root))
        if known is not None and known[0] == digest:
            return known[1]
        checker = _build_checker(jurisdiction, root)
        _CHECKERS.pop((jurisdiction, root), None)
        _CHECKERS[(jurisdiction, root)] = (digest, checker)
        retired = [known[1]] if known is not None else []
        while len(_CHECKERS) > MAX_CHECKERS:
            retired.append(_CHECKERS.pop(next(iter(_CHECKERS)))[1])
    for old in retired:
        old.release()
    return checker


def _build_checker(jurisdiction: str, root: str) -> Checker:
    raw = read_rulebook(jurisdiction, Path(root))
    book = build_rulebook(raw)
    if book.problems:
        raise RulebookError(book.problems)
    return Checker(book, default_calendar(Path(root) / "calendars"))


def checker_for(jurisdiction: str, root: Optional[Path] = None) -> Checker:
    """The compiled checker of a jurisdiction's current rulebook (cached by its version)."""
    root = root or rules_dir()
    if jurisdiction not in known_jurisdictions(root):
        read_rulebook(jurisdiction, root)        # raises the input error naming the known ones
    return _checker(jurisdiction, str(root), rulebook_digest(jurisdiction, root))


def check_case(case, as_of: Optional[date] = None, jurisdiction: Optional[str] = None,
               engine: str = "durable", root: Optional[Path] = None) -> CheckResult:
    """Check one case as of a day (default today) under its jurisdiction's rulebook."""
    checker = checker_for(jurisdiction or case.jurisdiction, root)
    return checker.check(case, as_of or date.today(), engine)


__all__ = ["Checker", "CheckResult", "RulebookError", "check_case", "checker_for", "Problem"]
