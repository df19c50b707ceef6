"""Reads of the units: the tree, a unit, a subtree, the units a user holds roles in."""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import UnitRole
from engine.units.models import ROOT, Unit
from engine.units.scope import rows_outside_units


@dataclass(frozen=True)
class UnitRow:
    """A unit as lists show it: its depth in the tree for indenting."""
    code: str
    name: str
    level: str
    jurisdiction: str
    parent_code: str | None
    depth: int


def unit_by_code(session: Session, code: str) -> Unit | None:
    return session.get(Unit, code)


def unit_tree(session: Session) -> list[UnitRow]:
    """Every unit, a parent before its children (by path)."""
    return [UnitRow(u.code, u.name, u.level, u.jurisdiction, u.parent_code, u.path.count("/") - 2)
            for u in session.scalars(select(Unit).order_by(Unit.path))]


class UnitPlace(NamedTuple):
    """Where a unit stands in the tree, and its name: what a request reads of every unit (its scope,
    engine/units/scope.scope_of, and the unit names its pages show)."""
    code: str
    name: str
    parent_code: str | None
    path: str


_PLACES = select(Unit.code, Unit.name, Unit.parent_code, Unit.path)     # built once: each request reads it


def units_by_code(session: Session) -> dict[str, UnitPlace]:
    """Every unit's place by its code (read as plain rows: the tree is no unit's record)."""
    return {row.code: UnitPlace(*row) for row in rows_outside_units(session, _PLACES)}


def unit_names(session: Session) -> dict[str, str]:
    """Each unit's code → its name (to show a record's unit)."""
    return dict(session.execute(select(Unit.code, Unit.name)).tuples().all())


def subtree_codes(session: Session, code: str) -> set[str]:
    """The unit and every unit below it."""
    unit = session.get(Unit, code)
    if unit is None:
        return set()
    return set(session.scalars(select(Unit.code).where(Unit.path.startswith(unit.path, autoescape=True))))


def roles_in_units(session: Session, username: str) -> list[UnitRole]:
    """A user's role rows, in the order of the units' tree."""
    return list(session.scalars(select(UnitRole).join(Unit, Unit.code == UnitRole.unit_code)
                                .where(UnitRole.username == username).order_by(Unit.path, UnitRole.role)))


def top_unit(session: Session) -> str:
    """The unit at the top of the tree that records go to when none is named: `root` when there is
    one, else the first unit without a parent."""
    if session.get(Unit, ROOT) is not None:
        return ROOT
    code = session.scalar(select(Unit.code).where(Unit.parent_code.is_(None)).order_by(Unit.path).limit(1))
    return code or ROOT
