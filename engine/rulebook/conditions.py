"""Conditions of rule files: parse the YAML form into a small typed tree, negate and simplify it.

The tree is what both evaluators compile. Its meaning, fixed here once:
- a comparison on an absent fact is false (a fact is absent when not recorded, or dated after as_of);
- `Present`/`Absent` test whether a fact is recorded;
- `All`/`Any` are conjunction and disjunction, `TRUE`/`FALSE` constants.
`negate` pushes a negation down to the atoms (negation normal form), so that a compiler only ever
sees positive atoms — durable-rules has no general `not`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

Literal_ = bool | int | str

OPS = ("eq", "neq", "lt", "le", "gt", "ge")
NEGATED_OP = {"eq": "neq", "neq": "eq", "lt": "ge", "ge": "lt", "gt": "le", "le": "gt"}
SWAPPED_OP = {"eq": "eq", "neq": "neq", "lt": "gt", "gt": "lt", "le": "ge", "ge": "le"}


@dataclass(frozen=True)
class Present:
    fact: str


@dataclass(frozen=True)
class Absent:
    fact: str


@dataclass(frozen=True)
class Cmp:
    """`fact OP value`, false when the fact is absent."""
    fact: str
    op: str
    value: Literal_


@dataclass(frozen=True)
class CmpFact:
    """`fact OP other`, false when either fact is absent."""
    fact: str
    op: str
    other: str


@dataclass(frozen=True)
class All:
    items: tuple["Cond", ...]


@dataclass(frozen=True)
class Any:
    items: tuple["Cond", ...]


@dataclass(frozen=True)
class Const:
    value: bool


TRUE = Const(True)
FALSE = Const(False)
Cond = Present | Absent | Cmp | CmpFact | All | Any | Const


def all_of(*items: Cond) -> Cond:
    """Conjunction, flattened and simplified."""
    return _junction(All, TRUE, FALSE, items)


def any_of(*items: Cond) -> Cond:
    """Disjunction, flattened and simplified."""
    return _junction(Any, FALSE, TRUE, items)


def _junction(kind: type[All] | type[Any], unit: Const, zero: Const, items: tuple[Cond, ...]) -> Cond:
    """`kind` (All or Any) of `items`: nested ones of the same kind flattened, duplicates dropped,
    `unit` (its neutral constant) left out, `zero` (its absorbing one) returned as is."""
    out: list[Cond] = []
    for item in items:
        if item == unit:
            continue
        if item == zero:
            return zero
        out.extend(item.items if isinstance(item, kind) else (item,))
    if not out:
        return unit
    return out[0] if len(out) == 1 else kind(tuple(dict.fromkeys(out)))


def negate(cond: Cond) -> Cond:
    """Return the negation of `cond` in negation normal form (two-valued: absent ⇒ comparison false)."""
    if isinstance(cond, Const):
        return Const(not cond.value)
    if isinstance(cond, Present):
        return Absent(cond.fact)
    if isinstance(cond, Absent):
        return Present(cond.fact)
    if isinstance(cond, Cmp):
        return any_of(Absent(cond.fact), Cmp(cond.fact, NEGATED_OP[cond.op], cond.value))
    if isinstance(cond, CmpFact):
        return any_of(Absent(cond.fact), Absent(cond.other),
                      CmpFact(cond.fact, NEGATED_OP[cond.op], cond.other))
    if isinstance(cond, All):
        return any_of(*(negate(c) for c in cond.items))
    if isinstance(cond, Any):
        return all_of(*(negate(c) for c in cond.items))
    raise TypeError(f"not a condition: {cond!r}")


def facts_of(cond: Cond) -> list[str]:
    """List the facts a condition reads, in order of first use."""
    seen: dict[str, None] = {}
    _collect(cond, seen)
    return list(seen)


def _collect(cond: Cond, seen: dict[str, None]) -> None:
    if isinstance(cond, (All, Any)):
        for item in cond.items:
            _collect(item, seen)
    elif isinstance(cond, CmpFact):
        seen.setdefault(cond.fact)
        seen.setdefault(cond.other)
    elif not isinstance(cond, Const):
        seen.setdefault(cond.fact)


def date_literal(d: date) -> int:
    """Dates are compared as day ordinals in both evaluators."""
    return d.toordinal()


def kleene(cond: Cond, known_absent) -> tuple[Cond, Cond]:
    """Judge `cond` with the logic of unknowns (Kleene): return (holds, fails), two ordinary
    conditions that say when `cond` is known to be true and known to be false; when neither holds
    the answer depends on a fact that is not recorded (CASE_FORMAT §2, three-valued facts).

    A comparison on an absent fact is unknown (false where its null means "none"), and so is a demand that a fact be recorded
    (`Present`): it fails only where the record says "none" — `known_absent(fact)`: `Absent(fact)`
    for a field whose null means "none", an explicitly empty list for a list, never for an ordinary
    fact. `Absent` asks what the record shows ("no hearing is recorded", also what `not` makes of a
    comparison on an absent fact): it is always known, so "where a hearing was held, …" stays
    satisfied when none is recorded.
    """
    if isinstance(cond, Const):
        return cond, Const(not cond.value)
    if isinstance(cond, Present):
        return cond, known_absent(cond.fact)
    if isinstance(cond, Absent):
        return cond, Present(cond.fact)
    if isinstance(cond, Cmp):     # false when the fact is known to be "none"
        return cond, any_of(Cmp(cond.fact, NEGATED_OP[cond.op], cond.value), _none(cond.fact, known_absent))
    if isinstance(cond, CmpFact):
        return cond, any_of(CmpFact(cond.fact, NEGATED_OP[cond.op], cond.other),
                            _none(cond.fact, known_absent), _none(cond.other, known_absent))
    parts = [kleene(c, known_absent) for c in cond.items]
    if isinstance(cond, All):
        return all_of(*(t for t, _ in parts)), any_of(*(f for _, f in parts))
    if isinstance(cond, Any):
        return any_of(*(t for t, _ in parts)), all_of(*(f for _, f in parts))
    raise TypeError(f"not a condition: {cond!r}")


def _none(fact: str, known_absent) -> Cond:
    """A scalar fact known to be "none" (a list's emptiness is asked through its count)."""
    known = known_absent(fact)
    return known if isinstance(known, Absent) else FALSE
