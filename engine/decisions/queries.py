"""Lists of stored cases for overviews: where each stands, whether it is blocked or overdue, what its last check found.

`case_status(session, record, as_of)` is the one source of truth for a case's stage, *blocked* and
*overdue*, for every list (the case list, /api/cases, the audit list, the dashboard): it checks the
stored case file as of a day under the current rulebook (the native evaluator, which the
differential test holds identical to durable-rules), so a rule edit or the passing of a due date
shows at once.

- *stage*: the latest stage with a dated act on or before `as_of` (CASE_FORMAT §2).
- *blocked*: the procedure may not go on (engine/decisions/gates.py): a rule of severity blocker is
  violated or missing (no later stage may be entered), or a stage whose evidence is already
  recorded and that the case would enter next has its gate closed on `as_of`. A refused attempt
  alone does not block a case: once its gate opens it is no longer blocked. A gate rule of
  severity error breached when a stage already entered was entered is a violation, not a block.
- *overdue*: a deadline rule's act is not recorded and `as_of` is after its `due_on`. An act
  recorded too late is a violation, not overdue.
- *next due*: the earliest `due_on` on or after `as_of` of a deadline whose act is not recorded.

`violated` and `blocking` come from the summary of the case's latest stored check (CASE_FORMAT §2).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from engine.core import clock
from engine.core.calendar import as_date
from engine.core.errors import ConflictError, InputError, UnknownCaseError
from engine.decisions.deadlines import Deadline, case_deadlines
from engine.decisions.models import Attachment, CaseRecord, FindingRecord, StageEvidence
from engine.store.models import TrailEvent

OPEN = ("pending", "missing", "violated")


@dataclass(frozen=True)
class Overdue:
    """A deadline missed: the rule, its due date, its verdict."""

    rule: str
    due_on: str
    verdict: str


@dataclass(frozen=True)
class CaseStatus:
    stage: str | None
    blocked_at: str | None              # the stage whose way in is closed
    blocking_rules: tuple[str, ...]     # the rules that close it
    overdue: tuple[Overdue, ...]
    next_due: date | None
    deadlines: tuple[Deadline, ...] = ()    # every deadline of the case on the day (engine/decisions/deadlines.py)

    @property
    def blocked(self) -> bool:
        return self.blocked_at is not None


@dataclass(frozen=True)
class CaseSummary:
    id: str
    title: str
    jurisdiction: str
    stage: str | None
    created_by: str | None
    updated_at: datetime
    blocked_at: str | None        # the stage whose way in is closed, if the case is blocked
    blocking_rules: tuple[str, ...]  # the rules that close it
    violated: int                    # rules violated at the latest check
    blocking: bool                   # a violated rule of severity blocker or error at the latest check
    overdue: tuple[Overdue, ...] = ()
    next_due: date | None = None
    deadlines: tuple[Deadline, ...] = ()
    unit_code: str = "root"          # the unit the case belongs to (engine/units)

    @property
    def blocked(self) -> bool:
        return self.blocked_at is not None


def case_status(session: Session, record: CaseRecord, as_of: date) -> CaseStatus:
    """Where a stored case stands on a day under the current rulebook (the module says what each part means)."""
    from engine.core.check import checker_for
    from engine.core.yamlio import LoadedYaml
    from engine.decisions.record import parse_case
    try:
        case = parse_case(LoadedYaml(record.document), record.id)
        checker = checker_for(case.jurisdiction)
        result = checker.check(case, as_of, "native")
    except InputError:       # a stored file the current model or rulebook cannot read: as it was stored
        return CaseStatus(record.stage, None, (), (), None, tuple(case_deadlines(
            record.id, record.title, record.document, as_of, jurisdiction=record.jurisdiction, findings=())))
    blocked_at, rules = _blocked(record.document, case, result.findings, as_of)
    deadlines = [(f, due) for f in result.findings if (due := _due_on(f)) is not None and f.verdict in OPEN]
    overdue = tuple(Overdue(f.rule, due.isoformat(), f.verdict) for f, due in deadlines
                    if due < as_of and (f.verdict != "violated" or f.overdue))
    upcoming = [due for f, due in deadlines if due >= as_of and f.verdict != "violated"]
    dated = case_deadlines(record.id, record.title, record.document, as_of, jurisdiction=case.jurisdiction,
                           findings=result.findings, checker=checker)
    return CaseStatus(result.stage, blocked_at, rules, overdue, min(upcoming, default=None), tuple(dated))


def _due_on(finding: Any) -> date | None:
    return as_date(getattr(finding, "due_on", None) or finding.facts.get("due_on"))


def _blocked(document: dict, case: Any, findings: list, as_of: date) -> tuple[str | None, tuple[str, ...]]:
    """The stage whose way in is closed and the rules closing it, or (None, ())."""
    from engine.decisions import gates
    from engine.decisions.facts import flatten
    from engine.decisions.sections import get_section
    from engine.decisions.workflow import load_workflow
    workflow = load_workflow()
    gate_of = {rule: s for s in workflow.stages for rule in workflow.gates(s)}
    active = [f for f in findings if f.verdict in gates.ACTIVE and f.severity == "blocker"]
    if active:
        first = active[0]
        return gate_of.get(first.rule, first.stage), tuple(dict.fromkeys(f.rule for f in active))
    waiting = [s for s in workflow.next_stages(flatten(case, as_of))
               if workflow.gates(s) and get_section(document, s) is not None]
    for stage, blockers in gates.entry_refusals(document, waiting, as_of, workflow, findings).items():
        if blockers:
            return stage, tuple(dict.fromkeys(b["rule"] for b in blockers))
    return None, ()


def case_summaries(session: Session, created_by: str | None = None,
                   as_of: date | None = None) -> list[CaseSummary]:
    """Every case (or those one user created), the most recently changed first, each with its status on a day."""
    as_of = as_of or clock.today()
    check = _last_check()
    summary = FindingRecord.report["summary"]
    query = (select(CaseRecord, summary["violated"].as_integer().label("violated"),
                    summary["blocking"].as_boolean().label("blocking"))
             .outerjoin(check, check.c.case_id == CaseRecord.id)
             .outerjoin(FindingRecord, FindingRecord.id == check.c.id)
             .order_by(CaseRecord.updated_at.desc(), CaseRecord.id))
    if created_by is not None:
        query = query.where(CaseRecord.created_by == created_by)
    return [_summary(row, case_status(session, row.CaseRecord, as_of)) for row in session.execute(query)]


def _last_check():
    return select(FindingRecord.case_id, func.max(FindingRecord.id).label("id")).group_by(FindingRecord.case_id).subquery()


def _summary(row, status: CaseStatus) -> CaseSummary:
    record = row.CaseRecord
    return CaseSummary(record.id, record.title, record.jurisdiction, status.stage, record.created_by,
                       record.updated_at, status.blocked_at, status.blocking_rules, row.violated or 0,
                       bool(row.blocking), status.overdue, status.next_due, status.deadlines, record.unit_code)


def get_case(session: Session, case_id: str, expected_version: int | None = None,
             for_update: bool = False) -> CaseRecord:
    """Load a case; refuse when it is unknown, or no longer at the version the editor read.

    `for_update` (a use case about to change the case): the case's row stays locked until the
    transaction ends, so concurrent writers of one case take turns and each reads the version its
    predecessor left — on PostgreSQL by SELECT … FOR UPDATE (read afresh, even when the session
    holds an older copy); on SQLite a writer already holds the database's write lock from BEGIN
    IMMEDIATE (engine.store.db). Either way, a writer with an expected version that was overtaken
    meanwhile is refused here (ConflictError), and one without waits its turn and succeeds.
    """
    if for_update:  # lock first, then (re)load: an older copy in the session is overwritten, not compared
        session.execute(select(CaseRecord.id).where(CaseRecord.id == case_id).with_for_update())
        case = session.get(CaseRecord, case_id, populate_existing=True)
    else:
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


# a case with its attachments, as its page reads it at every view: built once, so that a view pays
# neither the statement's building nor its cache key (the unit scope still adds its criteria)
_CASE_AND_ATTACHMENTS = (select(CaseRecord, Attachment).outerjoin(Attachment, Attachment.case_id == CaseRecord.id)
                         .where(CaseRecord.id == bindparam("case_id"))
                         .order_by(Attachment.uploaded_at, Attachment.id))


def case_and_attachments(session: Session, case_id: str) -> tuple[CaseRecord, list[Attachment]]:
    """A case and its attachments (oldest first) in one query — what its page shows; UnknownCaseError
    for a case not stored (or of a unit the session does not cover)."""
    rows = session.execute(_CASE_AND_ATTACHMENTS, {"case_id": case_id}).all()
    if not rows:
        raise UnknownCaseError(case_id)
    return rows[0][0], [attachment for _, attachment in rows if attachment is not None]


def find_attachment(session: Session, attachment_id: str) -> Attachment | None:
    return session.get(Attachment, attachment_id)


def stage_evidence_of(session: Session, case_id: str) -> list[StageEvidence]:
    """Every revision of every stage's evidence of a case, in the order recorded."""
    return list(session.scalars(select(StageEvidence).where(StageEvidence.case_id == case_id)
                                .order_by(StageEvidence.recorded_at, StageEvidence.stage, StageEvidence.version)))


def latest_evidence_version(session: Session, case_id: str, stage: str) -> int:
    """The newest revision number of a stage's evidence (0: none yet)."""
    return session.scalar(select(func.max(StageEvidence.version))
                          .where(StageEvidence.case_id == case_id, StageEvidence.stage == stage)) or 0


def case_files(session: Session, case_id: str | None = None, batch: int = 2000) -> Iterator[tuple[str, dict]]:
    """(id, case file) of every stored case by id, or of one, read in batches."""
    stmt = select(CaseRecord.id, CaseRecord.document).order_by(CaseRecord.id)
    if case_id is not None:
        stmt = stmt.where(CaseRecord.id == case_id)
    return iter(session.execute(stmt.execution_options(yield_per=batch)).tuples())


def latest_check_days(session: Session) -> dict[str, date]:
    """The day each case was last checked as of (case id → date), from its latest stored check."""
    return dict(session.execute(
        select(FindingRecord.case_id, FindingRecord.as_of)
        .where(FindingRecord.id.in_(select(func.max(FindingRecord.id)).group_by(FindingRecord.case_id)))).tuples().all())


def judging_version(session: Session, case_id: str) -> str | None:
    """The rulebook version that judged the case's latest act (its trail), else its latest stored check.

    A rule edit re-checks the stored findings under the new rules, but the act was judged by the old."""
    import json
    for payload in session.scalars(select(TrailEvent.payload).where(TrailEvent.case_id == case_id)
                                   .order_by(TrailEvent.seq.desc())):
        try:
            version = json.loads(payload).get("rulebook", {}).get("version")
        except (ValueError, AttributeError):
            continue
        if isinstance(version, str):
            return version
    return session.scalars(select(FindingRecord.rulebook_version).where(FindingRecord.case_id == case_id)
                           .order_by(FindingRecord.id.desc()).limit(1)).first()


def cases_of(session: Session, jurisdictions: list[str] | None = None) -> list[CaseRecord]:
    """Every stored case (or those of the jurisdictions given), by id."""
    query = select(CaseRecord).order_by(CaseRecord.id)
    if jurisdictions is not None:
        query = query.where(CaseRecord.jurisdiction.in_(jurisdictions))
    return list(session.scalars(query))


def normative_document_notes(session: Session, case: Any) -> list[dict[str, str]]:
    """Where the instance keeps the normative-document register: whether the register number the
    decision became (CASE_FORMAT §1 `normative_document`) is in it (MAD-ND-01's note)."""
    recorded = getattr(case, "normative_document", None)
    if recorded is None:
        return []
    from engine.documents.queries import document_by_number
    found = document_by_number(session, recorded.number)
    if found is not None:
        return [{"zh": f"决策形成的规范性文件 {recorded.number} 在规范性文件登记表中：《{found.title}》",
                 "en": f"The normative document {recorded.number} the decision became is in the register: {found.title}"}]
    return [{"zh": f"规范性文件登记表中没有文号 {recorded.number}：请核对文号，或在登记表中登记该文件（统一登记、统一编号）",
             "en": f"The normative-document register has no number {recorded.number}: check the number, or register the document"}]
