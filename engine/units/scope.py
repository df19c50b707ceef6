"""What a user's roles cover: the units whose records they may see, and whether a role reaches a unit.

A role held in a unit covers that unit; held with `subtree`, every unit below it too. Whoever holds
a role over the top of the tree covers everything (`Scope.units` is None).

Where it is enforced: `limit_to(session, scope)` — the web does it for every signed-in request
(web/auth.py) — makes every ORM query of the session on a record that belongs to a unit
(engine/units/models.BelongsToUnit) add `unit_code IN (…covered…)`: lists, counts, exports, scans,
reminders, the report and `session.get` alike, so no query can forget it, and a record of another
unit is "not found" (not shown to exist). A use case that changes a record checks again that the
actor's role reaches the record's unit (engine/accounts/access.require_role with `unit`).
The accounts and the unit tree, which are no unit's records, are read as plain rows
(`rows_outside_units`), which refuses any statement naming a table of a unit's records.
"""
from __future__ import annotations

import weakref
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, Select, event, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql import visitors

from engine.accounts.models import UnitRole
from engine.store.models import Base
from engine.units.models import BelongsToUnit, Unit

if TYPE_CHECKING:
    from engine.units.queries import UnitPlace

SCOPE_KEY = "yifa.scope"          # where a session keeps the scope it is limited to (Session.info)


@dataclass(frozen=True)
class Scope:
    """The units covered (None: all of them)."""
    units: frozenset[str] | None

    def covers(self, unit_code: str | None) -> bool:
        return self.units is None or unit_code in self.units

    def where(self, column: Any) -> list[Any]:
        """The filter to add to a query of records whose unit is `column` (none for everything)."""
        return [] if self.units is None else [column.in_(sorted(self.units))]


EVERYTHING = Scope(None)
NOTHING = Scope(frozenset())


def scope_of(session: Session, username: str, roles: Iterable[str] | None = None,
             placements: Iterable[tuple[str, str, bool]] | None = None,
             units: Mapping[str, UnitPlace] | Mapping[str, Unit] | None = None) -> Scope:
    """The units the user's roles (or only the roles named) cover; `placements` — (unit code, role,
    over its subtree) as engine/accounts/use_cases.account read them — and `units` (every unit by
    code, engine/units/queries.units_by_code) spare reading them again."""
    wanted = None if roles is None else set(roles)
    if placements is None:
        placements = [(r.unit_code, r.role, r.subtree)
                      for r in session.scalars(select(UnitRole).where(UnitRole.username == username))]
    rows = [(code, subtree) for code, role, subtree in placements if wanted is None or role in wanted]
    if not rows:
        return NOTHING
    if units is None:
        units = {u.code: u for u in session.scalars(select(Unit))}
    tops = [u for u in units.values() if u.parent_code is None]
    covered: set[str] = set()
    for code, subtree in rows:
        unit = units.get(code)
        if unit is None:
            continue
        if subtree:
            if unit in tops and len(tops) == 1:
                return EVERYTHING
            covered |= {u.code for u in units.values() if u.path.startswith(unit.path)}
        else:
            covered.add(unit.code)
    return EVERYTHING if covered >= set(units) else Scope(frozenset(covered))


def holds_role_over(session: Session, username: str, roles: Iterable[str], unit_code: str) -> bool:
    """Whether the user holds one of the roles in a unit that covers `unit_code`."""
    return scope_of(session, username, roles).covers(unit_code)


def home_unit(session: Session, username: str, roles: Iterable[str] | None = None) -> str | None:
    """The unit a user acts for when none is named: the first (in the tree's order) in which they
    hold one of the roles; None when they hold none."""
    wanted = None if roles is None else set(roles)
    rows = session.execute(select(UnitRole.unit_code, UnitRole.role).join(Unit, Unit.code == UnitRole.unit_code)
                           .where(UnitRole.username == username).order_by(Unit.path)).all()
    return next((code for code, role in rows if wanted is None or role in wanted), None)


def acting_unit(session: Session, username: str, roles: Iterable[str], unit: str | None = None) -> str:
    """The unit a new record of this user goes to: the one named, if one of their roles reaches it,
    else the first unit they hold one of the roles in (the top of the tree for a user of none)."""
    from engine.core.errors import InputError, PermissionDeniedError
    from engine.units.queries import top_unit
    wanted = tuple(roles)
    if unit is None:
        return home_unit(session, username, wanted) or top_unit(session)
    if session.get(Unit, unit) is None:
        raise InputError.single("--unit", f"未知单位 {unit} / unknown unit {unit}", "unit")
    if not holds_role_over(session, username, wanted, unit):
        raise PermissionDeniedError(f"用户 {username} 在单位 {unit} 无此角色：{'、'.join(wanted)}",
                                    f"user {username} holds none of these roles in unit {unit}: {', '.join(wanted)}")
    return unit


def narrowed(session: Session, scope: Scope, unit_code: str) -> Scope:
    """`scope` cut down to one unit and every unit below it (a report of a township)."""
    from engine.units.queries import subtree_codes
    below = frozenset(subtree_codes(session, unit_code))
    return Scope(below if scope.units is None else below & scope.units)


def current_scope(session: Session) -> Scope:
    """What the session is limited to now (everything, when it is not)."""
    return session.info.get(SCOPE_KEY) or EVERYTHING


def limit_to(session: Session, scope: Scope) -> None:
    """From now on, the session's queries see only records of the units `scope` covers."""
    session.info[SCOPE_KEY] = scope


def limit_of(session: Session) -> Scope | None:
    """The scope the session is limited to (None: not limited). Anything kept from what a session
    read — a whole-register scan — is keyed by it too, so it is never shown to another unit's people."""
    return session.info.get(SCOPE_KEY)


@contextmanager
def within(session: Session, scope: Scope) -> Iterator[None]:
    """Limit the session to `scope` for a moment (a digest read for one user's units)."""
    held = session.info.get(SCOPE_KEY)
    session.info[SCOPE_KEY] = scope
    try:
        yield
    finally:
        if held is None:
            session.info.pop(SCOPE_KEY, None)
        else:
            session.info[SCOPE_KEY] = held


@contextmanager
def unscoped(session: Session) -> Iterator[None]:
    """Lift the session's limit for a moment (a uniqueness check must see every unit's records)."""
    held = session.info.pop(SCOPE_KEY, None)
    try:
        yield
    finally:
        if held is not None:
            session.info[SCOPE_KEY] = held


def rows_outside_units(session: Session, statement: Select[Any], params: Mapping[str, Any] | None = None) -> list[Row[Any]]:
    """The rows of a statement over tables that hold no unit's records (the accounts, the unit tree),
    read as plain rows on the session's connection, in its transaction: neither ORM entities nor the
    unit scope, which is for records that belong to a unit. Every signed-in request reads its user and
    the tree this way before it knows what they cover; through the ORM, each of the two reads paid
    more for the scope's (empty) criteria and the entities' bookkeeping than for the database.
    A statement naming a table of a unit's records is refused, before it runs (a programming error)."""
    if statement not in _OUTSIDE_UNITS:
        _refuse_unit_tables(statement)
        _OUTSIDE_UNITS[statement] = True
    return list(session.connection().execute(statement, params or {}))


_OUTSIDE_UNITS: weakref.WeakKeyDictionary[Select[Any], bool] = weakref.WeakKeyDictionary()   # proven once each


def _refuse_unit_tables(statement: Select[Any]) -> None:
    owned = {m.local_table: str(m.local_table.description) for m in Base.registry.mappers
             if issubclass(m.class_, BelongsToUnit)}
    named = sorted({owned[t] for t in visitors.iterate(statement) if t in owned})
    if named:
        raise ValueError(f"rows_outside_units: the statement reads records of units ({', '.join(named)}); "
                         "read them through the ORM, where the unit scope applies")


@event.listens_for(Session, "do_orm_execute")
def _only_covered_units(state: ORMExecuteState) -> None:
    scope = state.session.info.get(SCOPE_KEY)
    if scope is None or scope.units is None or not state.is_select or state.is_column_load \
            or state.is_relationship_load:
        return
    codes = tuple(sorted(scope.units))
    state.statement = state.statement.options(
        with_loader_criteria(BelongsToUnit, lambda cls: cls.unit_code.in_(codes), include_aliases=True))
