"""The accounts' tables: people who sign in, the roles they hold in units, their API tokens."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.models import Base, utcnow
from engine.units import models as _units  # noqa: F401  (the table `unit_code` refers to)

ROLES = ("official", "legality_reviewer", "legal_advisor", "secretary", "auditor", "admin")
ROLE_NAMES = {                                   # as people read them (pages, the printed dossier)
    "official": ("承办单位经办人", "Official of the sponsoring unit"),
    "legality_reviewer": ("合法性审查人员", "Legality reviewer"),
    "legal_advisor": ("法律顾问", "Legal advisor"),
    "secretary": ("决策机关秘书", "Decision-body secretary"),
    "auditor": ("审计人员", "Auditor"),
    "admin": ("系统管理员", "Administrator"),
}


class User(Base):
    """Someone who signs in; actors in the trail are usernames."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(Text)
    password_hash: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # bumped on sign-out, password change, role change and deactivation: a session cookie signed
    # for an older version no longer signs anyone in (engine/accounts/use_cases.end_sessions)
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    email: Mapped[str | None] = mapped_column(String(254))   # where the daily digest goes (none: no mail)


class UnitRole(Base):
    """A role a user holds in a unit (official, legality_reviewer, legal_advisor, secretary, auditor,
    admin); with `subtree`, over every unit below it too (engine/units/scope.py)."""

    __tablename__ = "unit_roles"
    __table_args__ = (
        CheckConstraint("role IN (" + ", ".join(f"'{r}'" for r in ROLES) + ")", name="role"),
    )

    username: Mapped[str] = mapped_column(ForeignKey("users.username", ondelete="CASCADE"), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    subtree: Mapped[bool] = mapped_column(Boolean, default=False)


class ApiToken(Base):
    """A bearer token of the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(ForeignKey("users.username", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]          # refused from then on (set for every token since 0007)


class LoginFailure(Base):
    """A failed sign-in, counted by the login rate limit (engine/accounts/throttle.py): the SHA-256
    of (username, client address) and when, in seconds since the epoch; kept for the window only."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_hash: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[float] = mapped_column(Float, index=True)
