"""Reads of the accounts: users, their roles, their API tokens. Each takes the session and plain values."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from engine.accounts.models import ROLES, ApiToken, UnitRole, User
from engine.units.scope import rows_outside_units


@dataclass(frozen=True)
class UserSummary:
    """A user as the administration pages list them: no hash, roles in ROLES order."""
    username: str
    display_name: str
    active: bool
    has_password: bool
    created_at: datetime
    roles: list[str]
    units: list[tuple[str, str, bool]]     # (unit code, role, over its subtree), in the tree's order


def user_by_name(session: Session, username: str) -> User | None:
    """The stored user, active or not, or None."""
    return session.get(User, username)


# a user and their role rows, as every signed-in request reads them: built once, plain columns (no ORM
# objects to track), so that a request pays neither the statement's building nor its cache key
_ACCOUNT_ROWS = (select(User.username, User.display_name, User.active, User.session_version,
                        UnitRole.unit_code, UnitRole.role, UnitRole.subtree)
                 .outerjoin(UnitRole, UnitRole.username == User.username)
                 .where(User.username == bindparam("username")))


def account_rows(session: Session, username: str) -> list[Any]:
    """The user's columns (username, display_name, active, session_version) with each of their role
    rows (unit_code, role, subtree; None for a user of no role), in one query; [] for an unknown user.
    Read as plain rows: an account is no unit's record, and a request reads it before it knows the scope."""
    return rows_outside_units(session, _ACCOUNT_ROWS, {"username": username})


def role_names(session: Session, username: str) -> set[str]:
    """The roles stored for a user in any unit (whether or not the user exists or is active)."""
    return set(session.scalars(select(UnitRole.role).where(UnitRole.username == username)))


def role_rows(session: Session, username: str, unit_code: str | None = None) -> list[UnitRole]:
    """The stored role rows of a user (in one unit, when named)."""
    where = [UnitRole.username == username] + ([UnitRole.unit_code == unit_code] if unit_code else [])
    return list(session.scalars(select(UnitRole).where(*where)))


def user_summaries(session: Session) -> list[UserSummary]:
    """Every user with their roles (and the units they hold them in), by username."""
    from engine.units.models import Unit
    held: dict[str, list[tuple[str, str, bool]]] = {}
    for row in session.scalars(select(UnitRole).join(Unit, Unit.code == UnitRole.unit_code)
                               .order_by(Unit.path, UnitRole.role)):
        held.setdefault(row.username, []).append((row.unit_code, row.role, row.subtree))
    return [UserSummary(u.username, u.display_name, u.active, bool(u.password_hash), u.created_at,
                        [r for r in ROLES if any(role == r for _, role, _ in held.get(u.username, []))],
                        held.get(u.username, []))
            for u in session.scalars(select(User).order_by(User.username))]


def tokens_of(session: Session, username: str) -> list[ApiToken]:
    """A user's tokens, newest first (revoked ones included, for the record)."""
    return list(session.scalars(select(ApiToken).where(ApiToken.username == username)
                                .order_by(ApiToken.id.desc())))


def token_by_digest(session: Session, digest: str) -> ApiToken | None:
    """The token stored with this SHA-256, or None."""
    return session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))


def token_by_id(session: Session, token_id: int) -> ApiToken | None:
    return session.get(ApiToken, token_id)
