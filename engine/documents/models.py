"""The normative-document register's table (行政规范性文件, CASE_FORMAT §3); created by migration
0003, the list's indexes by 0005, the optional drafting-process columns by 0008."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.documents.vocab import KINDS, SETS, STATUSES  # noqa: F401  (shared with the fact catalogue)
from engine.registers.listing import NUMBER_MAX
from engine.registers.listing import in_values as _in
from engine.store.models import Base, RegisterRow
from engine.units.models import BelongsToUnit


class NormativeDocumentRecord(RegisterRow, BelongsToUnit, Base):
    """One normative document; `id` keeps the register's order (an export lists rows as imported)."""

    __tablename__ = "normative_documents"
    __table_args__ = (
        CheckConstraint(_in("kind", KINDS), name="kind"),
        CheckConstraint(_in("status", STATUSES), name="status"),
        # the list filters on issuer or status and sorts newest first (migration 0005)
        Index(None, "issuer", "issued_on"),
        Index(None, "status", "issued_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(NUMBER_MAX), unique=True)
    title: Mapped[str] = mapped_column(Text)
    issuer: Mapped[str] = mapped_column(Text)
    issued_on: Mapped[date] = mapped_column(index=True)            # the list's default order (0005)
    effective_from: Mapped[date]
    expires_on: Mapped[date | None]
    kind: Mapped[str] = mapped_column(String(16))
    legality_reviewed_on: Mapped[date | None]
    published_on: Mapped[date | None]
    filed_on: Mapped[date | None]
    basis: Mapped[list[Any]] = mapped_column(JSON)  # [{"title": …, "version": "YYYY-MM-DD"}, …]
    sets: Mapped[list[Any]] = mapped_column(JSON)   # SETS values, as written
    status: Mapped[str] = mapped_column(String(16))
    last_reviewed_on: Mapped[date | None]
    # the optional drafting-process columns (0008); null: not recorded
    deliberated_on: Mapped[date | None]
    comment_opened_on: Mapped[date | None]
    comment_closes_on: Mapped[date | None]
    market_related: Mapped[bool | None]
    fair_competition_reviewed_on: Mapped[date | None]
