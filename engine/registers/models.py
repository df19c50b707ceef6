"""The stored normative-document register (CASE_FORMAT §3), on the store's declarative Base.

Import this module wherever `Base.metadata` must be complete (migrations' autogenerate check,
`tests/store/test_db.py`): the table is created by migration 0003.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import JSON, CheckConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.models import Base, utcnow

KINDS = ("regular", "provisional", "trial")
STATUSES = ("in_force", "amended", "repealed", "expired")
SETS = ("licence", "penalty", "compulsory_measure", "fee", "reduces_rights", "adds_obligations")
NUMBER_MAX = 200


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class NormativeDocumentRecord(Base):
    """One normative document; `id` keeps the register's order (an export lists rows as imported)."""

    __tablename__ = "normative_documents"
    __table_args__ = (
        CheckConstraint(_in("kind", KINDS), name="kind"),
        CheckConstraint(_in("status", STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(NUMBER_MAX), unique=True)
    title: Mapped[str] = mapped_column(Text)
    issuer: Mapped[str] = mapped_column(Text)
    issued_on: Mapped[date]
    effective_from: Mapped[date]
    expires_on: Mapped[Optional[date]]
    kind: Mapped[str] = mapped_column(String(16))
    legality_reviewed_on: Mapped[Optional[date]]
    published_on: Mapped[Optional[date]]
    filed_on: Mapped[Optional[date]]
    basis: Mapped[list[Any]] = mapped_column(JSON)  # [{"title": …, "version": "YYYY-MM-DD"}, …]
    sets: Mapped[list[Any]] = mapped_column(JSON)   # SETS values, as written
    status: Mapped[str] = mapped_column(String(16))
    last_reviewed_on: Mapped[Optional[date]]
    row_sha256: Mapped[str] = mapped_column(String(64))   # sha256 of the canonical §3 row
    updated_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
