"""Compile each rule into its verdict branches: (verdict, reason, condition), in the order of
docs/rule-format.md "Verdicts". Both evaluators read these branches:

- the native evaluator tries the guards in order (if / elif), the first that holds decides;
- durable-rules gets each branch as a rule whose condition is its guard AND the negation of every
  earlier guard, so that exactly one fires — the engine decides without any ordering.

The differential test checks that the two constructions agree.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from engine.rulebook.book import ParamDef, Rulebook, RuleDef
from engine.rulebook.conditions import (
    FALSE,
    TRUE,
    Absent,
    All,
    Cmp,
    CmpFact,
    Cond,
    Const,
    Present,
    all_of,
    any_of,
    facts_of,
    kleene,
    negate,
)
from engine.rulebook.conditions import Any as AnyC
from engine.rulebook.model import Binds, Deadline
from engine.rulebook.parse import ParamCmp, _NotParam

AS_OF = "as_of"


def due_fact(rule_id: str) -> str:
    """The fact that holds a deadline rule's due date (the last day allowed, a day ordinal)."""
    return f"due:{rule_id}"


@dataclass(frozen=True)
class Branch:
    verdict: str
    reason: str | None
    guard: Cond
    overdue: bool = False


@dataclass(frozen=True)
class CompiledRule:
    rule: RuleDef
    branches: tuple[Branch, ...]
    facts: tuple[str, ...]            # facts the rule reads (for the finding's `facts`)
    needs: tuple[str, ...] = ()       # facts its requirement reads (a `missing` finding names the absent ones)

    def exclusive(self, index: int) -> Cond:
        """Branch `index` as a condition that excludes every earlier branch."""
        earlier = [negate(b.guard) for b in self.branches[:index]]
        return all_of(self.branches[index].guard, *earlier)


def facts_read(compiled: list[CompiledRule]) -> list[str]:
    """Every fact the compiled rules read, in order of first use (both evaluators name them from this)."""
    return list(dict.fromkeys(f for cr in compiled for b in cr.branches for f in facts_of(b.guard)))


def compile_rulebook(book: Rulebook, domain: str = "major_decision") -> list[CompiledRule]:
    """Compile every machine-checked rule of the rulebook that judges one kind of record."""
    return [compile_rule(r, book) for r in book.checked_rules_of(domain)]


def compile_rule(rd: RuleDef, book: Rulebook) -> CompiledRule:
    """Turn one rule into its ordered verdict branches."""
    act = rd.rule.judged_on
    if act is None:        # the rule model refuses a machine-checked rule without one (model.py)
        raise ValueError(f"{rd.id}: a machine-checked rule names no judged_on")
    resolve = _Resolver(book.params, act)
    applies = resolve(rd.applies_when) if rd.applies_when is not None else TRUE
    requires = resolve(rd.requires) if rd.requires is not None else TRUE
    head = _scope_branches(rd, act) + [Branch("not_applicable", "condition_not_met", negate(applies))]
    outcomes = _outcomes(rd, requires, act, book)
    deadline = rd.rule.deadline
    if deadline is None:
        tail = _act_branches(rd, act, outcomes, book)
    else:
        tail = _deadline_branches(rd, act, deadline, outcomes, book)
    branches = tuple(head + tail)
    used = [f for b in branches for f in facts_of(b.guard)]
    shown = (f for f in used if not (f.startswith("period:") and "@" in f) and not f.startswith("due:"))
    # a fact whose absence the requirement accepts (`present: false`, `not`) is never what is missing
    accepted = set(_absent_facts(requires)) | {act, AS_OF}
    needs = tuple(f for f in dict.fromkeys(facts_of(requires)) if f not in accepted)
    return CompiledRule(rd, branches, tuple(dict.fromkeys(shown)), needs)


def _absent_facts(cond: Cond) -> list[str]:
    if isinstance(cond, Absent):
        return [cond.fact]
    if isinstance(cond, (All, AnyC)):
        return [f for c in cond.items for f in _absent_facts(c)]
    return []


def _outcomes(rd: RuleDef, requires: Cond, act: str, book: Rulebook) -> list[Branch]:
    """The verdicts once the act is judged (CASE_FORMAT §2): the requirement known to hold →
    satisfied, known to fail → violated, undecidable for an unrecorded fact → missing. A 可以
    provision (modality `may`) is never breached: the option not taken is not_applicable."""
    from engine.core.domains import domain
    kind = domain(rd.instrument.domain)
    known_absent = _known_absent(kind, act, book)
    holds: Cond
    fails: Cond
    if not kind.three_valued and all(isinstance(known_absent(f), Absent) for f in facts_of(requires)):
        holds, fails = requires, TRUE            # a register's rule that reads no optional column
    else:
        holds, fails = kleene(requires, known_absent)
    if rd.rule.modality == "may":
        return [Branch("satisfied", None, holds), Branch("not_applicable", "discretionary", TRUE)]
    out = [Branch("satisfied", None, holds), Branch("violated", None, fails)]
    return out + [Branch("missing", None, TRUE)] if fails != TRUE else out


def _known_absent(kind, act: str, book: Rulebook):
    """When a fact is known to be absent: the act's date and as_of are always known; a field whose
    null means "none" when null; a list when recorded empty; any other fact never (unknown).
    In a two-valued register every empty cell is known ("not done") except its optional columns
    (`unknown_when_absent`) and the periods that count from or to one of them."""
    catalogue = kind.catalogue()
    unknown = kind.unknown_when_absent

    def known_absent(fact: str) -> Cond:
        if fact in (act, AS_OF) or fact in kind.none_when_absent:
            return Absent(fact)
        if not kind.three_valued:
            if fact.startswith("period:") and fact[7:] in book.periods:
                period = book.periods[fact[7:]]
                return FALSE if unknown & {period.from_, period.to} else Absent(fact)
            return FALSE if fact in unknown else Absent(fact)
        kind_of = catalogue.get(fact)
        if kind_of is not None and kind_of.kind == "list" and f"{fact}.count" in catalogue:
            return Cmp(f"{fact}.count", "eq", 0)
        return FALSE
    return known_absent


def _scope_branches(rd: RuleDef, act: str) -> list[Branch]:
    out = []
    if rd.instrument.binds is not None:
        out.append(Branch("not_applicable", "not_binding", _not_bound(rd, rd.instrument.binds)))
    if rd.instrument.subject_to_exclusion:
        out.append(Branch("not_applicable", "excluded", Present("exclusion")))
        # Art. 3(2): a law or administrative regulation displaces only the stages it governs
        out.append(Branch("not_applicable", "special_procedure", Present(f"special_procedure.{rd.rule.stage}")))
    out.append(Branch("not_applicable", "not_in_force", negate(_in_range(act, rd.in_force_from, rd.in_force_to))))
    return out


BODY_LEVEL = "decision_body.level"


def _not_bound(rd: RuleDef, binds: Binds) -> Cond:
    """The case's decision body is recorded and neither bound by the instrument nor under its analogy."""
    reached = list(binds.levels)
    if rd.instrument.applies_by_analogy is not None:
        reached += rd.instrument.applies_by_analogy.to
    return all_of(Present(BODY_LEVEL), *(Cmp(BODY_LEVEL, "neq", level) for level in dict.fromkeys(reached)))


def _act_branches(rd: RuleDef, act: str, outcomes: list[Branch], book: Rulebook) -> list[Branch]:
    unknown = any_of(*(Present(f"period:{p}@unknown") for p in _periods(rd, book)))
    return [Branch("pending", "stage_not_reached", Absent(act)),
            Branch("pending", "calendar_unknown", unknown)] + outcomes


def _deadline_branches(rd: RuleDef, trigger: str, d: Deadline, outcomes: list[Branch],
                       book: Rulebook) -> list[Branch]:
    """A deadline is judged against its due date (CASE_FORMAT §2, v2): the act missing after
    `due_on` → violated, overdue, on any day of the week; missing until then → pending, running;
    done after `due_on` → violated; done in time → the requirement decides."""
    due = due_fact(rd.id)
    unknown = any_of(*(Present(f"period:{p}@unknown") for p in _periods(rd, book) if p != d.period))
    return [Branch("pending", "stage_not_reached", Absent(trigger)),
            Branch("pending", "calendar_unknown", Present(f"{due}@unknown")),
            Branch("violated", None, all_of(Absent(d.act), CmpFact(AS_OF, "gt", due)), overdue=True),
            Branch("pending", "running", Absent(d.act)),
            Branch("violated", None, CmpFact(d.act, "gt", due)),
            Branch("pending", "calendar_unknown", unknown)] + outcomes


def _periods(rd: RuleDef, book: Rulebook) -> list[str]:
    names = []
    for cond in (rd.applies_when, rd.requires):
        names += [f[7:] for f in _spec_facts(cond) if f.startswith("period:")]
    if rd.rule.deadline is not None:
        names.append(rd.rule.deadline.period)
    return [n for n in dict.fromkeys(names) if book.periods[n].count != "calendar_days"]


def params_of(rd: RuleDef) -> list[str]:
    """The parameters a rule uses: in its conditions, its deadline and its messages."""
    names = [c.param for cond in (rd.applies_when, rd.requires) for c in _param_cmps(cond)]
    if isinstance(rd.deadline_within, str):
        names.append(rd.deadline_within[6:])
    for text in (rd.rule.message, rd.rule.overdue_message, rd.rule.message_missing):
        if text is not None:
            names += re.findall(r"\{param:([A-Za-z0-9_]+)\}", text.zh + text.en)
    return list(dict.fromkeys(names))


def _param_cmps(cond: Any) -> list[ParamCmp]:
    if isinstance(cond, ParamCmp):
        return [cond]
    if isinstance(cond, _NotParam):
        return [cond.inner]
    if isinstance(cond, (All, AnyC)):
        return [p for c in cond.items for p in _param_cmps(c)]
    return []


def _spec_facts(cond: Any) -> list[str]:
    if cond is None:
        return []
    if isinstance(cond, ParamCmp):
        return [cond.fact]
    if isinstance(cond, _NotParam):
        return [cond.inner.fact]
    if isinstance(cond, (All, AnyC)):
        return [f for c in cond.items for f in _spec_facts(c)]
    return facts_of(cond)


def _in_range(act: str, lo: date, hi: date | None) -> Cond:
    """The act's date (or as_of while the act is not dated) lies in [lo, hi]."""
    def within(fact: str) -> Cond:
        upper = Cmp(fact, "le", hi.toordinal()) if hi else TRUE
        return all_of(Cmp(fact, "ge", lo.toordinal()), upper)
    return any_of(all_of(Present(act), within(act)), all_of(Absent(act), within(AS_OF)))


class _Resolver:
    """Replace parameter comparisons by date-guarded literal comparisons."""

    def __init__(self, params: dict[str, ParamDef], act: str):
        self.params, self.act = params, act

    def __call__(self, cond: Any) -> Cond:
        if isinstance(cond, ParamCmp):
            return self._param(cond)
        if isinstance(cond, _NotParam):
            return negate(self._param(cond.inner))
        if isinstance(cond, All):
            return all_of(*(self(c) for c in cond.items))
        if isinstance(cond, AnyC):
            return any_of(*(self(c) for c in cond.items))
        return cond

    def _param(self, pc: ParamCmp) -> Cond:
        versions = self.params[pc.param].versions
        options = []
        for i, v in enumerate(versions):
            nxt = versions[i + 1].from_ if i + 1 < len(versions) else None
            guard = _date_window(self.act, v.from_ if i else None, nxt)
            options.append(all_of(guard, _compare(pc, v.value)))
        return any_of(*options)


def _date_window(act: str, lo: date | None, hi: date | None) -> Cond:
    """The act's date (or as_of) lies in [lo, hi); open ends where None."""
    def within(fact: str) -> Cond:
        return all_of(Cmp(fact, "ge", lo.toordinal()) if lo else TRUE,
                      Cmp(fact, "lt", hi.toordinal()) if hi else TRUE)
    if lo is None and hi is None:
        return TRUE
    return any_of(all_of(Present(act), within(act)), all_of(Absent(act), within(AS_OF)))


def _compare(pc: ParamCmp, value: Any) -> Cond:
    if pc.op == "in":
        return any_of(*(Cmp(pc.fact, "eq", v) for v in value))
    return Cmp(pc.fact, pc.op, value)


__all__ = ["Branch", "CompiledRule", "compile_rulebook", "compile_rule", "Const"]
