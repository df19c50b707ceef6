"""The decision catalogue's table (决策事项目录, Decree 713 Art. 3(3)); created by migration 0008."""
from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.catalogue.record import CATEGORIES, ITEM_MAX, UNIT_MAX
from engine.registers.listing import in_values
from engine.store.models import Base, RegisterRow
from engine.units.models import BelongsToUnit


class CatalogueItemRecord(RegisterRow, BelongsToUnit, Base):
    """One item of a catalogue; `id` keeps the register's order (an export lists rows as imported)."""

    __tablename__ = "catalogue_items"
    __table_args__ = (
        UniqueConstraint("year", "unit", "item"),
        CheckConstraint(in_values("category", CATEGORIES), name="category"),
        Index(None, "unit", "year"),          # the list filters on unit and year
        Index(None, "case_id"),               # a case's item is looked up by its id
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(UNIT_MAX))
    item: Mapped[str] = mapped_column(String(ITEM_MAX))
    title: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(24))
    planned: Mapped[date | None]
    published_on: Mapped[date | None]
    party_consent_on: Mapped[date | None]
    case_id: Mapped[str | None] = mapped_column(String(64))
    adjusted_reason: Mapped[str | None] = mapped_column(Text)
