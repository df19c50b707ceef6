"""Changes to the tree of units: add a unit, rename or re-level it. An admin may; each change is an
event in the users chain (`unit.added`, `unit.changed`), beside the role changes it goes with."""
from __future__ import annotations

import re

from sqlalchemy.orm import Session

from engine.accounts.access import require_role
from engine.accounts.use_cases import USERS_CHAIN
from engine.core.errors import InputError
from engine.trail import append_event
from engine.units.models import LEVELS, Unit

CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


def _refuse(field: str, message: str) -> InputError:
    return InputError.single("<unit>", message, field)


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise _refuse("level", f"层级无效：{level!r}，应为 {' | '.join(LEVELS)} / "
                               f"invalid level {level!r}; expected {' | '.join(LEVELS)}")


def _check_jurisdiction(jurisdiction: str) -> None:
    from engine.rulebook.loader import known_jurisdictions
    known = known_jurisdictions()
    if jurisdiction not in known:
        raise _refuse("jurisdiction", f"未知的管辖区 {jurisdiction!r}，应为 {' | '.join(known)} / "
                                      f"unknown jurisdiction {jurisdiction!r}; expected {' | '.join(known)}")


def add_unit(session: Session, code: str, name: str, level: str, jurisdiction: str, parent: str | None,
             actor: str) -> Unit:
    """Add a unit under `parent` (None: a new top of the tree); flushed, not committed."""
    require_role(session, actor, ("admin",))
    if not CODE.fullmatch(code):
        raise _refuse("code", f"单位代码 {code!r} 须为1–64个小写字母、数字、_ 或 -，以字母或数字开头 / "
                              f"a unit code is 1–64 lower-case letters, digits, _ or -, starting with a letter or digit")
    if session.get(Unit, code) is not None:
        raise _refuse("code", f"单位代码 {code} 已存在 / unit {code} already exists")
    if not name.strip():
        raise _refuse("name", "单位名称不能为空 / a unit needs a name")
    _check_level(level)
    _check_jurisdiction(jurisdiction)
    above = None
    if parent is not None:
        above = session.get(Unit, parent)
        if above is None:
            raise _refuse("parent", f"未知的上级单位 {parent} / unknown parent unit {parent}")
    unit = Unit(code=code, name=name.strip(), level=level, jurisdiction=jurisdiction,
                parent_code=parent, path=(above.path if above else "/") + code + "/")
    session.add(unit)
    session.flush()
    append_event(session, USERS_CHAIN, actor, "unit.added",
                 {"code": code, "name": unit.name, "level": level, "jurisdiction": jurisdiction, "parent": parent})
    return unit


def change_unit(session: Session, code: str, actor: str, name: str | None = None, level: str | None = None,
                jurisdiction: str | None = None) -> Unit:
    """Rename a unit or change its level or jurisdiction (its place in the tree stays)."""
    require_role(session, actor, ("admin",))
    unit = session.get(Unit, code)
    if unit is None:
        raise _refuse("code", f"未知单位 {code} / unknown unit {code}")
    before = {"name": unit.name, "level": unit.level, "jurisdiction": unit.jurisdiction}
    if name is not None:
        if not name.strip():
            raise _refuse("name", "单位名称不能为空 / a unit needs a name")
        unit.name = name.strip()
    if level is not None:
        _check_level(level)
        unit.level = level
    if jurisdiction is not None:
        _check_jurisdiction(jurisdiction)
        unit.jurisdiction = jurisdiction
    session.flush()
    after = {"name": unit.name, "level": unit.level, "jurisdiction": unit.jurisdiction}
    append_event(session, USERS_CHAIN, actor, "unit.changed", {"code": code, "before": before, "after": after})
    return unit
