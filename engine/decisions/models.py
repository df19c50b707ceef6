"""The decision cases' tables: the case file and where it stands, each stage's evidence, attached
documents, and every check's report with the rulebook version that produced it."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.models import RULEBOOK_CHAIN, Base, utcnow
from engine.units.models import BelongsToUnit

CASE_ID_MAX = 64


class CaseRecord(BelongsToUnit, Base):
    """A decision case: its current case file and where it stands (optimistic lock on `version`)."""

    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(f"length(id) BETWEEN 1 AND {CASE_ID_MAX}", name="id_length"),
        CheckConstraint(f"id <> '{RULEBOOK_CHAIN}'", name="id_not_rulebook"),
    )

    id: Mapped[str] = mapped_column(String(CASE_ID_MAX), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    jurisdiction: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str | None] = mapped_column(String(64))
    document: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # revision 0002: who created the case (nobody reviews their own proposal), and the workflow
    # state (stages re-opened by an Art. 37 adjustment, suspended or stopped)
    created_by: Mapped[str | None] = mapped_column(String(64))
    workflow: Mapped[dict[str, Any] | None]

    # SQLAlchemy adds `AND version = :old` to every UPDATE and raises StaleDataError when a
    # concurrent writer got there first: the second editor is told, nothing is overwritten.
    __mapper_args__ = {"version_id_col": version}


class StageEvidence(Base):
    """One revision of a stage's section of the case file; amendments add revisions, never overwrite."""

    __tablename__ = "stage_evidence"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    stage: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    document: Mapped[dict[str, Any]]
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attachment(Base):
    """A file of evidence: its metadata and digest; the bytes live under the instance folder."""

    __tablename__ = "attachments"
    __table_args__ = (Index(None, "case_id", "stage"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    stage: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(Text)
    media_type: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    stored_path: Mapped[str] = mapped_column(Text)  # relative to $YIFA_INSTANCE, "/"-separated
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class FindingRecord(Base):
    """A check of a case: the report (CASE_FORMAT §2) and the rulebook version that produced it."""

    __tablename__ = "findings"
    __table_args__ = (Index(None, "case_id", "checked_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)
    as_of: Mapped[date]
    rulebook_version: Mapped[str] = mapped_column(ForeignKey("rulebook_versions.version"))
    jurisdiction: Mapped[str] = mapped_column(String(200))
    report: Mapped[dict[str, Any]]
