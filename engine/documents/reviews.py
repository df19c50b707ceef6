"""Marking a normative document reviewed in a clean-up (清理): kept, amended, repealed or declared invalid.

Each review sets the document's `last_reviewed_on` and status (CASE_FORMAT §3) and is an event of
the document's own trail chain (`doc:<number>`), with the reason — clean-up results must be
published (SPEC NDOC-CLN-05), so who decided what, when and why is kept.
"""
from __future__ import annotations

from datetime import date

from engine.accounts.access import require_role
from engine.core.errors import InputError, UnknownDocumentError
from engine.documents.models import NormativeDocumentRecord
from engine.documents.queries import document_by_number
from engine.documents.use_cases import from_record
from engine.store.uow import UnitOfWork
from engine.trail import append_event

# the outcome of a review → the document's status afterwards
OUTCOMES = {"kept": "in_force", "amended": "amended", "repealed": "repealed", "declared_invalid": "repealed"}
OUTCOME_ZH = {"kept": "继续有效", "amended": "修改", "repealed": "废止", "declared_invalid": "宣布失效"}
REVIEWERS = ("legality_reviewer", "legal_advisor", "admin")


def mark_reviewed(uow: UnitOfWork, number: str, outcome: str, reason: str, actor: str,
                  on: date) -> NormativeDocumentRecord:
    """Record a clean-up review of one document (flushed, not committed)."""
    require_role(uow.session, actor, REVIEWERS)
    _check(outcome, reason)
    record = document_by_number(uow.session, number)
    if record is None:
        raise UnknownDocumentError(number)
    require_role(uow.session, actor, REVIEWERS, record.unit_code)
    if on < record.issued_on:
        raise InputError.single("--on", f"评估日期 {on} 早于印发日期 {record.issued_on} / review before issue", "on")
    before = record.status
    record.status, record.last_reviewed_on, record.updated_by = OUTCOMES[outcome], on, actor
    record.row_sha256 = from_record(record).sha256()
    uow.session.flush()
    append_event(uow.session, f"doc:{number}", actor, "document.reviewed",
                 {"outcome": outcome, "outcome_zh": OUTCOME_ZH[outcome], "reason": reason, "on": on.isoformat(),
                  "status_before": before, "status_after": record.status, "sha256": record.row_sha256})
    return record


def _check(outcome: str, reason: str) -> None:
    if outcome not in OUTCOMES:
        words = " | ".join(OUTCOMES)
        raise InputError.single("outcome", f"评估结论应为 {words} 之一，实际为 {outcome!r} / expected one of {words}", "outcome")
    if not reason.strip():
        raise InputError.single("--reason", "须说明理由 / a reason is required", "reason")
