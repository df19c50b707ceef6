"""Lists of stored cases for overviews: where each stands, whether it is blocked, what its last check found.

A case is *blocked* when its latest attempt to move (advance a stage, or an Art. 37 adjustment)
was refused by a closed gate: the trail's last such event is `stage.advance_refused`. It stays
blocked until a later advance succeeds. `violated` and `blocking` come from the summary of the
case's latest stored check (CASE_FORMAT §2).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Optional

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from engine.core.errors import ConflictError, UnknownCaseError
from engine.decisions.models import Attachment, CaseRecord, FindingRecord, StageEvidence

from engine.store.models import TrailEvent

MOVES = ("stage.advanced", "stage.advance_refused", "decision.adjusted")
REFUSED = "stage.advance_refused"


@dataclass(frozen=True)
class CaseSummary:
    id: str
    title: str
    jurisdiction: str
    stage: str | None
    created_by: str | None
    updated_at: datetime
    blocked_at: str | None        # the stage whose entry was refused last, if the case is blocked
    blocking_rules: tuple[str, ...]  # the gate rules that refused it
    violated: int                    # rules violated at the latest check
    blocking: bool                   # a violated rule of severity blocker or error at the latest check

    @property
    def blocked(self) -> bool:
        return self.blocked_at is not None


def case_summaries(session: Session, created_by: str | None = None) -> list[CaseSummary]:
    """Every case (or those one user created), the most recently changed first."""
    move, check = _last_move(), _last_check()
    summary = FindingRecord.report["summary"]
    query = (select(CaseRecord.id, CaseRecord.title, CaseRecord.jurisdiction, CaseRecord.stage,
                    CaseRecord.created_by, CaseRecord.updated_at, TrailEvent.action, TrailEvent.payload,
                    summary["violated"].as_integer().label("violated"),
                    summary["blocking"].as_boolean().label("blocking"))
             .outerjoin(move, move.c.case_id == CaseRecord.id)
             .outerjoin(TrailEvent, and_(TrailEvent.case_id == move.c.case_id, TrailEvent.seq == move.c.seq))
             .outerjoin(check, check.c.case_id == CaseRecord.id)
             .outerjoin(FindingRecord, FindingRecord.id == check.c.id)
             .order_by(CaseRecord.updated_at.desc(), CaseRecord.id))
    if created_by is not None:
        query = query.where(CaseRecord.created_by == created_by)
    return [_summary(row) for row in session.execute(query)]


def _last_move():
    return (select(TrailEvent.case_id, func.max(TrailEvent.seq).label("seq"))
            .where(TrailEvent.action.in_(MOVES)).group_by(TrailEvent.case_id).subquery())


def _last_check():
    return select(FindingRecord.case_id, func.max(FindingRecord.id).label("id")).group_by(FindingRecord.case_id).subquery()


def _payload(text: str) -> dict:
    """A trail payload, or {} when it is not readable JSON (a tampered row: `yifa trail verify` names it)."""
    try:
        data = json.loads(text)
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _summary(row) -> CaseSummary:
    blocked_at, rules = None, ()
    if row.action == REFUSED:
        payload = _payload(row.payload)
        blocked_at = payload.get("stage_refused", "?")
        rules = tuple(b.get("rule", "") for b in payload.get("blockers", []) if isinstance(b, dict))
    return CaseSummary(row.id, row.title, row.jurisdiction, row.stage, row.created_by, row.updated_at,
                       blocked_at, rules, row.violated or 0, bool(row.blocking))


def get_case(session: Session, case_id: str, expected_version: Optional[int] = None) -> CaseRecord:
    """Load a case; refuse when it is unknown, or no longer at the version the editor read."""
    case = session.get(CaseRecord, case_id)
    if case is None:
        raise UnknownCaseError(case_id)
    if expected_version is not None and case.version != expected_version:
        raise ConflictError(case_id, expected_version, case.version)
    return case


def find_case(session: Session, case_id: str) -> CaseRecord | None:
    """The stored case, or None."""
    return session.get(CaseRecord, case_id)


def latest_finding(session: Session, case_id: str) -> FindingRecord | None:
    """The case's latest stored check, or None."""
    return session.scalars(select(FindingRecord).where(FindingRecord.case_id == case_id)
                           .order_by(FindingRecord.id.desc()).limit(1)).first()


def case_findings(session: Session, case_id: str) -> list[FindingRecord]:
    """Every stored check of a case, oldest first."""
    return list(session.scalars(select(FindingRecord).where(FindingRecord.case_id == case_id)
                                .order_by(FindingRecord.checked_at)))


def trail_events(session: Session, chain: str) -> list[TrailEvent]:
    """The events of one trail chain (a case's id), in order."""
    return list(session.scalars(select(TrailEvent).where(TrailEvent.case_id == chain).order_by(TrailEvent.seq)))


def case_attachments(session: Session, case_id: str) -> list[Attachment]:
    """A case's attachments, oldest first."""
    return list(session.scalars(select(Attachment).where(Attachment.case_id == case_id)
                                .order_by(Attachment.uploaded_at, Attachment.id)))


def find_attachment(session: Session, attachment_id: int) -> Attachment | None:
    return session.get(Attachment, attachment_id)


def stage_evidence_of(session: Session, case_id: str) -> list[StageEvidence]:
    """Every revision of every stage's evidence of a case, in the order recorded."""
    return list(session.scalars(select(StageEvidence).where(StageEvidence.case_id == case_id)
                                .order_by(StageEvidence.recorded_at, StageEvidence.stage, StageEvidence.version)))


def latest_evidence_version(session: Session, case_id: str, stage: str) -> int:
    """The newest revision number of a stage's evidence (0: none yet)."""
    return session.scalar(select(func.max(StageEvidence.version))
                          .where(StageEvidence.case_id == case_id, StageEvidence.stage == stage)) or 0


def case_documents(session: Session) -> list[tuple[str, str, str, dict]]:
    """(id, title, jurisdiction, case file) of every stored case."""
    return [(r.id, r.title, r.jurisdiction, r.document) for r in
            session.execute(select(CaseRecord.id, CaseRecord.title, CaseRecord.jurisdiction, CaseRecord.document))]


def latest_check_days(session: Session) -> dict[str, date]:
    """The day each case was last checked as of (case id → date), from its latest stored check."""
    return dict(session.execute(
        select(FindingRecord.case_id, FindingRecord.as_of)
        .where(FindingRecord.id.in_(select(func.max(FindingRecord.id)).group_by(FindingRecord.case_id)))).all())


def cases_in(session: Session, jurisdictions: list[str]) -> list[CaseRecord]:
    """The stored cases of these jurisdictions, by id."""
    return list(session.scalars(select(CaseRecord).where(CaseRecord.jurisdiction.in_(jurisdictions))
                                .order_by(CaseRecord.id)))
