"""What an auditor asks of the store: every case with the facts the audit list filters on, and a trail read as a timeline.

    audit_rows(session, today)           every case: stage, blocked, violated, overdue, year, unit, last event
    filter_rows(rows, AuditFilter(...))  the rows matching the list's filters
    timeline(session, case_id)           the trail's events, each with its digests, rulebook version and verdicts

Definitions (nothing new is stored; everything is read from the case, its latest check and its trail):

- *blocked*, *overdue*, *stage*: `case_status` of engine/decisions/queries.py — the case checked as of
  the day under the current rulebook (the list, the dashboard and /api/cases say the same).
- *year*: the year of the case's first date — `initiation.proposed_on`, else `initiation.started_on`
  — or of its creation in the store when the file has neither.
- *unit*: the case file's `sponsor_unit` (承办单位).

No Flask here: the web app and the CLI may both use it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.decisions.dossier import ACTION_ZH, digests, rulebook_of, verdicts_of
from engine.decisions.models import CaseRecord
from engine.decisions.queries import CaseSummary, Overdue, case_summaries
from engine.store.models import TrailEvent
from engine.trail import ChainStatus

REFUSED = "stage.advance_refused"


@dataclass(frozen=True)
class AuditRow:
    """One case of the auditor's list."""

    summary: CaseSummary
    unit: str
    year: int | None
    last_event_at: datetime | None
    events: int
    overdue: tuple[Overdue, ...]

    @property
    def id(self) -> str:
        return self.summary.id

    @property
    def is_overdue(self) -> bool:
        return bool(self.overdue)


@dataclass(frozen=True)
class AuditFilter:
    """The list's filters; None (or "") means any."""

    stage: str | None = None
    blocked: bool | None = None
    overdue: bool | None = None
    year: int | None = None
    unit: str | None = None

    def matches(self, row: AuditRow) -> bool:
        s = row.summary
        return ((not self.stage or s.stage == self.stage)
                and (self.blocked is None or s.blocked == self.blocked)
                and (self.overdue is None or row.is_overdue == self.overdue)
                and (self.year is None or row.year == self.year)
                and (not self.unit or self.unit.strip().casefold() in row.unit.casefold()))


def _year(document: dict[str, Any], created_at: datetime) -> int:
    initiation = document.get("initiation") if isinstance(document, dict) else None
    if isinstance(initiation, dict):
        for key in ("proposed_on", "started_on"):
            value = initiation.get(key)
            if isinstance(value, date):
                return value.year
            if isinstance(value, str) and len(value) >= 4 and value[:4].isdigit():
                return int(value[:4])
    return created_at.year


def audit_rows(session: Session, today: date) -> list[AuditRow]:
    """Every case, the most recently changed first, with what the auditor's list shows and filters on."""
    summaries = case_summaries(session, as_of=today)
    cases = {cid: (doc, created) for cid, doc, created in
             session.execute(select(CaseRecord.id, CaseRecord.document, CaseRecord.created_at))}
    events = {cid: (at, n) for cid, at, n in session.execute(
        select(TrailEvent.case_id, func.max(TrailEvent.at), func.count()).group_by(TrailEvent.case_id))}
    rows = []
    for s in summaries:
        document, created = cases.get(s.id, ({}, s.updated_at))
        document = document or {}
        at, count = events.get(s.id, (None, 0))
        if isinstance(at, str):  # max() over SQLite's ISO text comes back as text
            at = datetime.fromisoformat(at)
        rows.append(AuditRow(s, str(document.get("sponsor_unit") or ""), _year(document, created), at, count,
                             s.overdue))
    return rows


def filter_rows(rows: list[AuditRow], wanted: AuditFilter) -> list[AuditRow]:
    """The rows the filters keep."""
    return [r for r in rows if wanted.matches(r)]


# ---------------------------------------------------------------- the timeline
@dataclass(frozen=True)
class TimelineEvent:
    """One trail event, read for an auditor."""

    seq: int
    at: datetime
    actor: str
    action: str
    action_zh: str
    payload: Any
    payload_sha256: str
    prev_hash: str
    hash: str
    digests: tuple[tuple[str, str], ...]
    rulebook: str | None
    verdicts: dict[str, Any] | None
    violated: tuple[str, ...]        # the rules violated at this event's check
    refused: bool                    # a refused attempt to enter a stage
    stage: str | None             # the stage entered, refused, or whose evidence was recorded
    blockers: tuple[dict[str, Any], ...]

    @property
    def where(self) -> str:
        return f"#{self.seq}"


DIGEST_LABELS = {"document_sha256": ("案卷文件", "case file"), "evidence_sha256": ("本环节材料", "the stage's evidence"),
                 "previous_sha256": ("更正前的材料", "the evidence before the amendment")}


def evidence_digests(payload: Any) -> tuple[tuple[str, str], ...]:
    """The digests an event names: the use cases' `document_sha256`, `evidence_sha256`,
    `previous_sha256` (labelled by key), then every attachment's `sha256` (labelled by file name)."""
    found: list[tuple[str, str]] = []
    if isinstance(payload, dict):
        found += [(key, payload[key]) for key in DIGEST_LABELS if isinstance(payload.get(key), str)]
    return tuple(found + digests(payload))


def _violated(payload: Any) -> tuple[str, ...]:
    if not isinstance(payload, dict):
        return ()
    findings = payload.get("findings")
    if not isinstance(findings, list):
        return ()
    return tuple(str(f.get("rule", "")) for f in findings if isinstance(f, dict) and f.get("verdict") == "violated")


def _stage_of(payload: Any) -> str | None:
    if not isinstance(payload, dict):
        return None
    for key in ("stage_entered", "stage_refused", "stage"):
        if isinstance(payload.get(key), str):
            return payload[key]
    return None


def timeline(session: Session, case_id: str) -> list[TimelineEvent]:
    """The case's trail in order, each event read: action in Chinese, digests, rulebook, verdicts."""
    out = []
    for e in session.scalars(select(TrailEvent).where(TrailEvent.case_id == case_id).order_by(TrailEvent.seq)):
        try:
            payload: Any = json.loads(e.payload)
        except ValueError:  # a tampered payload may not be JSON at all: show it as it is
            payload = e.payload
        blockers = payload.get("blockers") if isinstance(payload, dict) else None
        out.append(TimelineEvent(
            e.seq, e.at, e.actor, e.action, ACTION_ZH.get(e.action, ""), payload, e.payload_sha256,
            e.prev_hash, e.hash, evidence_digests(payload), rulebook_of(payload), verdicts_of(payload),
            _violated(payload), e.action == REFUSED, _stage_of(payload),
            tuple(b for b in blockers if isinstance(b, dict)) if isinstance(blockers, list) else ()))
    return out


def broken_chains(statuses: list[ChainStatus]) -> list[ChainStatus]:
    """The chains that do not verify."""
    return [s for s in statuses if not s.ok]


def chains_outside_scope(session: Session) -> set[str]:
    """The chains of the records (cases, documents, penalties, catalogue items) that exist in a unit
    the session's scope does not cover (engine/units/scope.py): an auditor of one township verifies
    and counts only the chains of what they may see. Empty when the session is not limited."""
    from engine.catalogue.models import CatalogueItemRecord as Item
    from engine.credit.models import PenaltyRecordRow
    from engine.documents.models import NormativeDocumentRecord
    from engine.units.scope import limit_of, unscoped
    scope = limit_of(session)
    if scope is None or scope.units is None:
        return set()
    covered = sorted(scope.units)
    out: set[str] = set()
    with unscoped(session):
        for prefix, key, model in (("", CaseRecord.id, CaseRecord),
                                   ("doc:", NormativeDocumentRecord.number, NormativeDocumentRecord),
                                   ("penalty:", PenaltyRecordRow.case_number, PenaltyRecordRow)):
            out.update(prefix + k for k in session.scalars(select(key).where(model.unit_code.notin_(covered))))
        rows = session.execute(select(Item.year, Item.unit, Item.item).where(Item.unit_code.notin_(covered)))
        out.update(f"cat:{year}/{unit}/{item}" for year, unit, item in rows)
    return out
