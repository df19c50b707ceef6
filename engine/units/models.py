"""The units' table: the tree of units (the roles users hold in them: engine/accounts/models.UnitRole)."""
from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.models import Base

# the decision body's level, as in CASE_FORMAT §1 (`decision_body.level`)
LEVELS = ("province", "city", "county", "township", "department")
ROOT = "root"          # the unit every record and role of an instance older than units belongs to


class Unit(Base):
    """A unit of government. `path` is the codes from the top, "/root/yuelong/", so that a subtree
    is one prefix query; `jurisdiction` is the rulebook its new cases are judged by."""

    __tablename__ = "units"
    __table_args__ = (
        CheckConstraint("level IN (" + ", ".join(f"'{v}'" for v in LEVELS) + ")", name="level"),
    )

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(16))
    jurisdiction: Mapped[str] = mapped_column(String(200))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("units.code"))
    path: Mapped[str] = mapped_column(String(1000), unique=True)


class BelongsToUnit:
    """What every record of a unit has (cases, normative documents, penalty records, catalogue items):
    the unit it belongs to, which decides who may see and change it (engine/units/scope.py)."""

    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True, server_default=ROOT)
