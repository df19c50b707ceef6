"""The administrative-penalty register's table (行政处罚, CASE_FORMAT §4); created by migration 0004 (`sector`: 0010)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.credit.vocab import CATEGORIES, REPAIR_RESULTS  # noqa: F401  (shared with the fact catalogue)
from engine.registers.listing import NUMBER_MAX
from engine.registers.listing import in_values as _in
from engine.store.models import Base, RegisterRow
from engine.units.models import BelongsToUnit

NAME_MAX = 200          # a party's or an authority's name
CREDIT_CODE_LENGTH = 18
SECTOR_MAX = 100        # a sector's name (行业领域)


class PenaltyRecordRow(RegisterRow, BelongsToUnit, Base):
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
    published_on: Mapped[date | None]
    fulfilled_on: Mapped[date | None]
    commitment_on: Mapped[date | None]
    training_on: Mapped[date | None]
    credit_report_on: Mapped[date | None]
    repair_applied_on: Mapped[date | None]
    repair_decided_on: Mapped[date | None]
    repair_result: Mapped[str | None] = mapped_column(String(16))
    revoked_on: Mapped[date | None]
    withdrawn_on: Mapped[date | None]
    sector: Mapped[str | None] = mapped_column(String(SECTOR_MAX))      # optional (migration 0010)
