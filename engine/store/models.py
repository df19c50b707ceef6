"""SQLAlchemy 2.x mappings of what yifa stores — kept apart from the pydantic models of the formats.

The `trail_events` table is a public contract (CASE_FORMAT §7): auditors query it directly, so
its name and columns never change without a migration note in the README.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeEngine

RULEBOOK_CHAIN = "rulebook"  # the trail of rulebook versions (CASE_FORMAT §7); no case may take it


def iso_utc(moment: datetime) -> str:
    """Write a moment as ISO 8601 in UTC with microseconds: 2024-05-01T08:30:00.000000+00:00."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no defined moment; give it a timezone")
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def utcnow() -> datetime:
    """Now, timezone-aware in UTC."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC moment: `timestamptz` on PostgreSQL, ISO 8601 text on SQLite.

    SQLite has no timestamp type; storing the canonical ISO text (the very string the trail
    hashes) keeps the moment exact, readable by an auditor, and sortable as text.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Text())
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return iso_utc(value) if dialect.name == "sqlite" else value.astimezone(timezone.utc)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        if moment.tzinfo is None:  # written by hand without an offset: UTC by convention
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc)


NAMING = {  # named constraints, so later migrations (SQLite batch mode included) can address them
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), date: Date()}


class RegisterRow:
    """What a register's row keeps besides its own columns (normative documents, penalty records,
    catalogue items): the SHA-256 of its canonical row, who changed it last, when it was created and
    updated. Listed before BelongsToUnit, so that its columns come before `unit_code` (as migrated)."""

    row_sha256: Mapped[str] = mapped_column(String(64))
    updated_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class RulebookVersion(Base):
    """A rulebook exactly as it judged: its files' text, so a replay uses the very same rules."""

    __tablename__ = "rulebook_versions"

    version: Mapped[str] = mapped_column(String(80), primary_key=True)  # "sha256:<hex>"
    jurisdiction: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    files: Mapped[dict[str, Any]]  # {path relative to the rules folder: text}


class EditedRuleFile(Base):
    """A rule file as a legal advisor saved it (engine/rulebook/edits.py): the truth every server's
    `$YIFA_INSTANCE/rules/` copy is brought in line with (engine/rulebook/shared.py). A reverted file
    has no row: the shipped text is in force."""

    __tablename__ = "edited_rule_files"

    rel_path: Mapped[str] = mapped_column(String(300), primary_key=True)   # as under rules/: "CN/decree-713.yaml"
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
    saved_by: Mapped[str] = mapped_column(String(64))


class TrailEvent(Base):
    """One event of a case's hash chain — CASE_FORMAT §7, a public contract: append-only."""

    __tablename__ = "trail_events"

    case_id: Mapped[str] = mapped_column(Text, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON
    payload_sha256: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(Text)
    hash: Mapped[str] = mapped_column(Text)


class TrailHead(Base):
    """The last event of each chain: the lock appends queue on, and proof against a cut-off tail.

    Without it, deleting the newest events of a chain leaves a shorter chain that still verifies.
    """

    __tablename__ = "trail_heads"

    case_id: Mapped[str] = mapped_column(Text, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(Text)
