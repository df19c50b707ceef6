"""The stored registers, on the store's declarative Base: normative documents (CASE_FORMAT §3)
and administrative penalties (§4).

Import this module wherever `Base.metadata` must be complete (migrations' autogenerate check,
`tests/store/test_db.py`): the tables are created by migrations 0003 and 0004 (0005: the
register list's indexes).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import JSON, CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.models import Base, utcnow

from engine.registers.vocab import KINDS, SETS, STATUSES  # noqa: E402,F401  (shared with the fact catalogue)
from engine.registers.vocab import CATEGORIES, REPAIR_RESULTS  # noqa: E402,F401  (§4, shared likewise)
NUMBER_MAX = 200
NAME_MAX = 200          # a party's or an authority's name
CREDIT_CODE_LENGTH = 18


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class NormativeDocumentRecord(Base):
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


class PenaltyRecordRow(Base):
    """One administrative penalty of the register (§4); `id` keeps the register's order.

    Indexed by authority (each authority follows up its own penalties: 谁处罚、谁负责) and by
    decision date (publication periods run from it).
    """

    __tablename__ = "penalty_records"
    __table_args__ = (
        CheckConstraint(_in("category", CATEGORIES), name="category"),
        CheckConstraint("repair_result IS NULL OR " + _in("repair_result", REPAIR_RESULTS), name="repair_result"),
        Index(None, "authority"),
        Index(None, "decided_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_number: Mapped[str] = mapped_column(String(NUMBER_MAX), unique=True)
    party: Mapped[str] = mapped_column(String(NAME_MAX))
    credit_code: Mapped[str] = mapped_column(String(CREDIT_CODE_LENGTH))
    authority: Mapped[str] = mapped_column(String(NAME_MAX))
    decided_on: Mapped[date]
    category: Mapped[str] = mapped_column(String(24))
    published_on: Mapped[Optional[date]]
    fulfilled_on: Mapped[Optional[date]]
    commitment_on: Mapped[Optional[date]]
    training_on: Mapped[Optional[date]]
    credit_report_on: Mapped[Optional[date]]
    repair_applied_on: Mapped[Optional[date]]
    repair_decided_on: Mapped[Optional[date]]
    repair_result: Mapped[Optional[str]] = mapped_column(String(16))
    revoked_on: Mapped[Optional[date]]
    withdrawn_on: Mapped[Optional[date]]
    row_sha256: Mapped[str] = mapped_column(String(64))   # sha256 of the canonical §4 row
    updated_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def stored_in_order(session: Any, model: Any, batch: int = 2000, *where: Any) -> Any:
    """Every stored row of a register table in register order (its id), read in batches as plain
    rows (attribute access like the model, without the ORM's identity map: 4× faster to read)."""
    from sqlalchemy import select
    query = select(*model.__table__.columns).where(*where).order_by(model.id).execution_options(yield_per=batch)
    return session.execute(query)


def stored_count(session: Any, model: Any) -> int:
    """How many rows a register table holds."""
    from sqlalchemy import func, select
    return session.scalar(select(func.count()).select_from(model)) or 0
