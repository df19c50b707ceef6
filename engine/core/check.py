"""Check a case: derive its facts, evaluate the rulebook in force, and build the findings.

    case ─ flatten (as of a day) ─ periods (calendar) ─▶ facts ─ evaluator ─▶ branch per rule ─▶ findings
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from engine.core import clock
from engine.core.calendar import WorkingCalendar, default_calendar, months_between
from engine.core.domains import DECISION
from engine.core.domains import domain as domain_named
from engine.core.due import add_due_dates
from engine.core.errors import CalendarUnknownError, Problem, RulebookError
from engine.core.findings import PLACEHOLDER, Finding, FindingPlan
from engine.rulebook import cache
from engine.rulebook.book import Rulebook, build_rulebook
from engine.rulebook.compile import CompiledRule, compile_rulebook
from engine.rulebook.conditions import facts_of
from engine.rulebook.loader import (
    known_jurisdictions,
    once,
    read_once,
    read_rulebook,
    rulebook_digest,
    rules_dir,
)
from engine.rulebook.stages import current_stage


@dataclass
class CheckResult:
    case_id: str
    as_of: date
    jurisdiction: str
    version: str
    stage: str | None
    findings: list[Finding]
    notes: list[dict[str, str]] = field(default_factory=list)     # {"zh", "en"}: what the report must add


class Checker:
    """The rules of one kind of record (a domain) of a rulebook, compiled once, with its evaluators
    created on first use."""

    # what a checker compiles, kept on disk by engine/rulebook/cache.py
    COMPILED = ("book", "calendar", "compiled", "periods", "deadlines", "plans")

    def __init__(self, book: Rulebook, calendar: WorkingCalendar, domain: str = DECISION,
                 root: Path | None = None, *, cache_key: tuple[str, ...] | None = None,
                 compiled: dict[str, Any] | None = None):
        """Compile the rules of `domain` — or take them as a former checker compiled them
        (`compiled`, from `compiled_parts()`); `cache_key` names them on disk."""
        if compiled is None:
            compiled_rules = compile_rulebook(book, domain)
            compiled = {"book": book, "calendar": calendar, "compiled": compiled_rules,
                        "periods": _periods_read(book, compiled_rules),
                        "deadlines": [cr.rule for cr in compiled_rules if cr.rule.rule.deadline is not None],
                        "plans": [FindingPlan(cr, book) for cr in compiled_rules]}
        self.book: Rulebook = compiled["book"]
        self.calendar: WorkingCalendar = compiled["calendar"]
        self.compiled: list[CompiledRule] = compiled["compiled"]
        self.periods = compiled["periods"]
        self.deadlines = compiled["deadlines"]
        self.plans: list[FindingPlan] = compiled["plans"]
        self.domain = domain_named(domain)
        self.context = self.domain.context(self.book, root)
        self.cache_key = cache_key
        self.round_rules = _round_rules(self.book, self.compiled, self.domain.round_section)
        self._evaluators: dict[str, Any] = {}
        self._lock = threading.Lock()

    def compiled_parts(self) -> dict[str, Any]:
        """What this checker compiled, to be kept on disk and given back to a new Checker."""
        return {name: getattr(self, name) for name in self.COMPILED}

    def evaluator(self, engine: str):
        """The named evaluator (`durable` or `native`), built once."""
        with self._lock:
            return self._evaluator(engine)

    def _evaluator(self, engine: str):
        if engine not in self._evaluators:
            if engine == "durable":
                from engine.evaluate.durable import DurableEvaluator
                self._evaluators[engine] = DurableEvaluator(self.compiled, self.cache_key, self.round_rules)
            else:
                from engine.evaluate.native import NativeEvaluator
                self._evaluators[engine] = NativeEvaluator(self.compiled)
        return self._evaluators[engine]

    def release(self) -> None:
        """Free what the evaluators hold in the rule engine (this rulebook version is superseded)."""
        evaluator = self._evaluators.get("durable")
        if evaluator is not None:
            evaluator.release()

    def facts(self, record, as_of: date) -> dict[str, Any]:
        """The record as one flat fact on `as_of`, with every period its rules may read."""
        facts = self.domain.flatten(record, as_of, **self.context)
        add_periods(facts, self.periods, self.calendar)
        add_due_dates(facts, self.deadlines, self.book, self.calendar)
        return facts

    def verdicts(self, record, as_of: date, engine: str = "durable",
                 rules: frozenset[int] | None = None) -> tuple[dict[str, Any], list[int]]:
        """The record's facts on `as_of` and the branch each rule chose (no findings built yet);
        with `rules`, only those rules' branches are sure to be given."""
        facts = self.facts(record, as_of)
        return facts, self.evaluator(engine).evaluate(facts, rules)

    def findings(self, facts: dict[str, Any], branches: list[int]) -> list[Finding]:
        """The findings of the branches `verdicts` gave."""
        calendar = self.calendar
        if -1 in branches:          # FindingPlan.build says which rule has no verdict
            return [plan.build(b, facts, calendar) for plan, b in zip(self.plans, branches)]
        return [Finding(plan, b, facts, calendar) for plan, b in zip(self.plans, branches)]

    def check(self, record, as_of: date, engine: str = "durable") -> CheckResult:
        """Judge the record (a case, a register row) as of `as_of` with every rule of its domain."""
        facts, branches = self.verdicts(record, as_of, engine)
        findings = self.findings(facts, branches)
        variants = self.domain.variants(record) if self.round_rules else []
        if variants:
            findings = self._judge_rounds(findings, variants, as_of, engine)
        stage = current_stage(facts) if self.domain.name == DECISION else None
        return CheckResult(self.domain.record_id(record), as_of, self.book.jurisdiction, self.book.version,
                           stage, findings, _notes(self.domain.name, record))


    def _judge_rounds(self, findings: list[Finding], variants: list, as_of: date, engine: str) -> list[Finding]:
        """Judge the rules that read the round section once per round; each keeps the finding of its
        worst round (violated, missing, pending, satisfied, not applicable; the earliest on a tie),
        which names that round."""
        per_round = [self.verdicts(v, as_of, engine, self.round_rules) for v in variants]
        out = list(findings)
        for i in self.round_rules:
            candidates = [(ROUND_RANK[self.plans[i].cr.branches[b[i]].verdict], n, facts, b[i])
                          for n, (facts, b) in enumerate(per_round, start=1)]
            _, n, facts, branch = min(candidates, key=lambda c: (c[0], c[1]))
            out[i] = self.plans[i].build(branch, facts, self.calendar, round_no=n, rounds=len(variants))
        return out


ROUND_RANK = {"violated": 0, "missing": 1, "pending": 2, "satisfied": 3, "not_applicable": 4}


def _round_rules(book: Rulebook, compiled: list[CompiledRule], section: str | None) -> frozenset[int]:
    """The rules that read a fact of the round section (directly or through a period)."""
    if section is None:
        return frozenset()
    prefix = section + "."

    def reads(fact: str) -> bool:
        if fact.startswith("period:"):
            period = book.periods.get(fact[7:].split("@")[0])
            return period is not None and (period.from_.startswith(prefix) or period.to.startswith(prefix))
        return fact.startswith(prefix)

    return frozenset(i for i, cr in enumerate(compiled)
                     if any(reads(f) for b in cr.branches for f in facts_of(b.guard))
                     or (cr.rule.rule.judged_on or "").startswith(prefix))


def _notes(domain: str, record) -> list[dict[str, str]]:
    """What the report must say beyond the findings (a special procedure that displaces nothing)."""
    if domain != DECISION:
        return []
    from engine.decisions.facts import special_procedure_notes
    return special_procedure_notes(record)


def _periods_read(book: Rulebook, compiled: list[CompiledRule]) -> list[tuple[str, str, str, str, str]]:
    """The declared periods these rules read (in conditions, deadlines or messages)."""
    names = {f.split(":", 1)[1].split("@")[0] for cr in compiled for b in cr.branches
             for f in facts_of(b.guard) if f.startswith("period:")}
    for cr in compiled:
        rule = cr.rule.rule
        if rule.deadline is not None:
            names.add(rule.deadline.period)
        for text in (rule.message, rule.overdue_message, rule.message_missing):
            if text is not None:
                names.update(n for n in PLACEHOLDER.findall(text.zh + text.en) if n in book.periods)
    return [(p.from_, p.to, f"period:{n}", f"period:{n}@run", p.count)
            for n, p in book.periods.items() if n in names]


def add_periods(facts: dict, periods: list[tuple[str, str, str, str, str]], calendar: WorkingCalendar) -> None:
    """Count each period (from, to, key, running key, kind) the rules read — and, while its end is
    not dated, the period up to as_of under the running key."""
    as_of = facts["as_of"]
    for start_fact, end_fact, key, running, kind in periods:
        start = facts.get(start_fact)
        if start is None:
            continue
        end = facts.get(end_fact)
        if end is None:
            key, end = running, as_of
        if kind == "calendar_days":
            facts[key] = end - start
            continue
        try:
            facts[key] = count_period(kind, start, end, calendar)
        except CalendarUnknownError as e:
            facts[key + "@unknown"] = e.year


def count_period(kind: str, start: int, end: int, calendar: WorkingCalendar) -> int:
    """Count a period between two day ordinals (民法典 Art. 201: the start day is not counted)."""
    if kind == "calendar_days":
        return end - start
    a, b = date.fromordinal(start), date.fromordinal(end)
    if kind == "months":
        return months_between(a, b)
    if kind == "working_days_between":
        return calendar.working_days_between(a, b)
    return calendar.working_days_after(a, b)


_CHECKERS: dict[tuple[str, str, str], tuple[str, Checker]] = {}     # insertion order = age
_CHECKERS_LOCK = threading.Lock()
MAX_CHECKERS = 16       # jurisdictions × rules folders kept compiled (replays use temporary folders)


def _checker(jurisdiction: str, root: str, digest: str, domain: str) -> Checker:
    """The checker of one rulebook version; a superseded version's engine rulesets are freed."""
    key = (jurisdiction, root, domain)
    with _CHECKERS_LOCK:
        known = _CHECKERS.get(key)
        if known is not None and known[0] == digest:
            return known[1]
        checker = _build_checker(jurisdiction, root, domain, digest)
        _CHECKERS.pop(key, None)
        _CHECKERS[key] = (digest, checker)
        retired = [known[1]] if known is not None else []
        while len(_CHECKERS) > MAX_CHECKERS:
            retired.append(_CHECKERS.pop(next(iter(_CHECKERS)))[1])
    for old in retired:
        old.release()
    return checker


def _build_checker(jurisdiction: str, root: str, domain: str, digest: str) -> Checker:
    """Compile the checker, or take it from the cache on disk when this version was compiled before."""
    key = (root, jurisdiction, domain, digest)
    parts = cache.load(("checker", *key))
    if parts is not None and parts.get("book") is not None and parts["book"].version == digest:
        return Checker(parts["book"], parts["calendar"], domain, Path(root), cache_key=key, compiled=parts)
    raw = read_rulebook(jurisdiction, Path(root))
    book = build_rulebook(raw)
    if book.problems:
        raise RulebookError(book.problems)
    checker = Checker(book, default_calendar(Path(root) / "calendars"), domain, Path(root), cache_key=key)
    if book.version == digest:        # the files did not change while they were read
        cache.store(("checker", *key), checker.compiled_parts())
    return checker


def checker_for(jurisdiction: str, root: Path | None = None, domain: str = DECISION) -> Checker:
    """The compiled checker of one kind of record under a jurisdiction's current rulebook
    (cached by the rulebook's version; inside `rules_read_once`, looked up once)."""
    root = root or rules_dir()
    return once(("checker", jurisdiction, str(root), domain), lambda: _current_checker(jurisdiction, root, domain))


def _current_checker(jurisdiction: str, root: Path, domain: str) -> Checker:
    if jurisdiction not in known_jurisdictions(root):
        read_rulebook(jurisdiction, root)        # raises the input error naming the known ones
    return _checker(jurisdiction, str(root), rulebook_digest(jurisdiction, root), domain)


# Within the block (a web request) the rules folder is listed, and each rulebook's files stat'ed
# and its checker looked up, once (engine/rulebook/loader.read_once).
rules_read_once = read_once


def check_case(case, as_of: date | None = None, jurisdiction: str | None = None,
               engine: str = "durable", root: Path | None = None) -> CheckResult:
    """Check one case as of a day (default today) under its jurisdiction's rulebook."""
    checker = checker_for(jurisdiction or case.jurisdiction, root)
    return checker.check(case, as_of or clock.today(), engine)


__all__ = ["Checker", "CheckResult", "RulebookError", "check_case", "checker_for", "Problem", "rules_read_once"]
