"""Use cases shared by the CLI and the web app: each is one transaction with its trail event.

    create_case · record_evidence · advance_stage · adjust_decision · import_cases · export_case · recheck_case
    · recheck_stored_cases

Who may do what is decided here, server-side, for every caller (roles in engine/accounts/access.py).
Nothing here knows about Flask, a request or a session: the actor and the date are passed in.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from engine.accounts.access import require_recorder, require_role
from engine.core import clock
from engine.core.check import CheckResult, checker_for
from engine.core.errors import (
    ConflictError,
    GateClosedError,
    InputError,
    Problem,
    StageOrderError,
    YifaError,
)
from engine.core.report import to_json
from engine.core.yamlio import LoadedYaml
from engine.decisions import gates
from engine.decisions.models import CaseRecord, FindingRecord, StageEvidence
from engine.decisions.queries import (
    cases_of,
    find_case,
    get_case,
    judging_version,
    latest_check_days,
    latest_evidence_version,
    normative_document_notes,
    trail_events,
)
from engine.decisions.record import Case, case_to_document, load_case, parse_case
from engine.decisions.sections import get_path, get_section, with_date, with_section
from engine.rulebook.versions import store_rulebook_version
from engine.store.models import RULEBOOK_CHAIN
from engine.store.uow import UnitOfWork
from engine.trail import append_event, canonical
from engine.units.scope import acting_unit

GATE_SEVERITIES = gates.GATE_SEVERITIES


def gate_closed(case_id: str, stage: str, blockers: list[dict]) -> GateClosedError:
    """The refusal to enter a stage, naming the stage and each violated gate rule with its article."""
    zh, en = _stage_names(stage)
    lines = [f"  ✗ {b['rule']} {_cite(b['citation'])}：{b.get('message', '')}" for b in blockers]
    return GateClosedError(case_id, stage, blockers, zh, en, lines)


def _stage_names(stage: str) -> tuple[str, str]:
    from engine.rulebook.stages import load_stages
    found = next((s for s in load_stages() if s.id == stage), None)
    return (found.zh, found.en) if found else (stage, stage)


@dataclass
class Outcome:
    case_id: str
    version: int
    stage: str | None
    report: dict
    event_seq: int
    extra: dict = field(default_factory=dict)


def _cite(c: dict) -> str:
    from engine.core.report import cite
    return cite(c)


def _sha(obj: Any) -> str:
    return hashlib.sha256(canonical(obj).encode("utf-8")).hexdigest()


def _check(uow: UnitOfWork, case: Case, as_of: date, actor: str) -> tuple[CheckResult, dict]:
    """Check a case, keep the rulebook version that judged it, and return the report."""
    store_rulebook_version(uow.session, case.jurisdiction, actor)
    result = checker_for(case.jurisdiction).check(case, as_of, "durable")
    result.notes += normative_document_notes(uow.session, case)
    return result, to_json(result)


def _save_findings(uow: UnitOfWork, case_id: str, result: CheckResult, report: dict) -> None:
    uow.session.add(FindingRecord(case_id=case_id, as_of=result.as_of, rulebook_version=result.version,
                                  jurisdiction=result.jurisdiction, report=report))


def _event_payload(what: dict, document: dict, report: dict, version: int) -> dict:
    """The trail event: what was done, the evidence digests, the rulebook version and the findings."""
    return {**what, "case_version": version, "document_sha256": _sha(document),
            "rulebook": report["rulebook"], "as_of": report["as_of"], "stage": report["stage"],
            "summary": report["summary"],
            "findings": [{k: f[k] for k in ("rule", "verdict", "severity") if k in f}
                         | ({"reason": f["reason"]} if "reason" in f else {}) for f in report["findings"]]}


def _parse(document: dict, source: str, as_of: date | None = None) -> Case:
    return parse_case(LoadedYaml(document), source, as_of)


CREATORS = ("official", "admin")      # who proposes a case (the sponsoring unit's official)


def create_case(uow: UnitOfWork, case: Case, actor: str, as_of: date | None = None,
                action: str = "case.created", unit: str | None = None) -> Outcome:
    """Store a new case of `unit` (default: the proposer's own) with its evidence, check it, and
    open its trail."""
    require_role(uow.session, actor, CREATORS)
    unit = acting_unit(uow.session, actor, CREATORS, unit)
    if find_case(uow.session, case.id) is not None:
        raise InputError.single(case.id, f"案件 {case.id} 已存在 / case {case.id} already exists", "id")
    document = case_to_document(case)
    result, report = _check(uow, case, as_of or clock.today(), actor)
    record = CaseRecord(id=case.id, title=case.title, jurisdiction=case.jurisdiction, stage=result.stage,
                        document=document, created_by=actor, workflow={"reopened": [], "suspended": False},
                        unit_code=unit)
    try:
        with uow.session.begin_nested():   # two people creating the same id at once: one wins
            uow.session.add(record)
    except IntegrityError:
        raise InputError.single(case.id, f"案件 {case.id} 已存在 / case {case.id} already exists", "id") from None
    for stage in _recorded_stages(document):
        _add_evidence(uow, case.id, stage, get_section(document, stage), actor)
    _save_findings(uow, case.id, result, report)
    event = append_event(uow.session, case.id, actor, action,
                         _event_payload({"title": case.title, "document": document}, document, report, record.version))
    return Outcome(case.id, record.version, record.stage, report, event.seq)


def _recorded_stages(document: dict) -> list[str]:
    from engine.decisions.sections import SECTION_OF
    return [s for s in SECTION_OF if get_section(document, s) is not None]


def _add_evidence(uow: UnitOfWork, case_id: str, stage: str, section: Any, actor: str) -> int:
    """Add a revision of a stage's evidence (amendments add revisions; nothing is overwritten)."""
    latest = latest_evidence_version(uow.session, case_id, stage)
    uow.session.add(StageEvidence(case_id=case_id, stage=stage, version=latest + 1,
                                  document={"section": section}, recorded_by=actor))
    return latest + 1


def record_evidence(uow: UnitOfWork, case_id: str, stage: str, section: Any, actor: str,
                    expected_version: int | None = None, as_of: date | None = None,
                    source: str = "<evidence>", extra: dict[str, Any] | None = None) -> Outcome:
    """Record or amend one stage's evidence; the whole case is re-validated and re-checked.

    `extra`: top-level sections recorded with the stage (forms.STAGE_EXTRA: the approval and the
    normative document with the publication), each set, or removed when None.
    Evidence that dates the act of a stage not yet entered enters it: refused (GateClosedError, the
    refusal kept in the trail) exactly as `advance_stage` is while that stage's gate is closed.
    """
    record = _load(uow, case_id, expected_version)
    require_recorder(uow.session, actor, stage, record)
    before = get_section(record.document, stage)
    document = with_section(record.document, stage, section)
    for key, value in (extra or {}).items():
        if value is None:
            document.pop(key, None)
        else:
            document[key] = value
    as_of = as_of or clock.today()
    case = _parse(document, source, as_of)
    result, report = _check(uow, case, as_of, actor)
    _guard_entries(uow, record, case, document, (result, report), as_of, actor,
                   {"evidence_for": stage, "evidence_sha256": _sha(section)})
    _store(uow, record, document, result.stage)  # the case row first, while its lock (_load) is held
    revision = _add_evidence(uow, case_id, stage, section, actor)
    _save_findings(uow, case_id, result, report)
    action = "evidence.amended" if before is not None else "evidence.recorded"
    # `stage` in every payload is the case's stage after the event (_event_payload); the stage whose
    # evidence this is is kept apart, so the trail says what was recorded even at a later stage
    what = {"evidence_stage": stage, "revision": revision, "evidence": section, "evidence_sha256": _sha(section),
            "previous_sha256": _sha(before) if before is not None else None}
    if extra:
        what["sections"] = extra
    event = append_event(uow.session, case_id, actor, action, _event_payload(what, document, report, record.version))
    return Outcome(case_id, record.version, record.stage, report, event.seq)


def _guard_entries(uow: UnitOfWork, record: CaseRecord, case: Case, document: dict,
                   checked: tuple[CheckResult, dict], as_of: date, actor: str, what: dict) -> None:
    """Refuse evidence that enters a stage whose gate is closed on the day its act is dated, or that
    enters it before the stages it follows (as `advance_stage` refuses both)."""
    from engine.decisions.facts import flatten
    from engine.decisions.workflow import load_workflow
    workflow, reopened = load_workflow(), (record.workflow or {}).get("reopened", [])
    for stage, day in gates.entered_stages(workflow, record.document, document):
        on = day or as_of
        result, report = checked if on == as_of else _check(uow, case, on, actor)
        blockers = [gates.blocker_json(f) for f in gates.gate_blockers(workflow, stage, result.findings)]
        if blockers:
            _refuse(uow, record, stage, on, actor, blockers, report, what)
        if stage not in reopened and not workflow.ready(stage, flatten(case, on)):
            before = [p for p in workflow.forward.predecessors(stage)]
            raise StageOrderError(f"案件 {record.id} 于 {on} 尚不能进入「{stage}」：须先完成 {', '.join(before)}",
                                  f"case {record.id} cannot enter {stage} on {on}: it follows {', '.join(before)}")


def prepare_write(uow: UnitOfWork, case_id: str) -> None:
    """Build, before a write to the case takes its lock, what checking it will need: its
    jurisdiction's compiled rules and the workflow (both cached in the process). The lock is then
    held for the check alone — on SQLite it is the whole database's write lock, and a writer that
    waits for it longer than the busy timeout (engine.store.db) fails. An unknown case or rulebook
    is left for the write to refuse."""
    from engine.decisions.workflow import load_workflow
    record = find_case(uow.session, case_id)
    if record is None:
        return
    try:
        checker_for(record.jurisdiction).evaluator("durable")
        load_workflow()
    except YifaError:
        return


def _load(uow: UnitOfWork, case_id: str, expected_version: int | None) -> CaseRecord:
    try:
        return get_case(uow.session, case_id, expected_version, for_update=True)
    except ConflictError as e:
        raise _conflict(uow, e) from None


def _conflict(uow: UnitOfWork, e: ConflictError) -> ConflictError:
    """Say what changed since the version the editor read: who, when, which stage."""
    return ConflictError(e.case_id, e.expected, e.actual, _changes_since(uow, e.case_id, e.expected))


def _changes_since(uow: UnitOfWork, case_id: str, version: int) -> list[str]:
    import json
    out = []
    for event in trail_events(uow.session, case_id):
        data = json.loads(event.payload)
        if data.get("case_version", 0) > version:
            out.append(f"{event.actor} 于 {event.at:%Y-%m-%d %H:%M} {event.action}"
                       + (f"（{data.get('evidence_stage') or data['stage']}）" if data.get("stage") else ""))
    return out


def _store(uow: UnitOfWork, record: CaseRecord, document: dict, stage: str | None) -> None:
    """Write the new document. The row is locked since `_load`; the version check stays as the
    backstop: a writer that changed the case without that lock fails (ConflictError), never overwrites."""
    read = record.version  # the rollback below expires the record: keep the version this writer read
    record.document, record.stage = document, stage
    try:
        uow.session.flush()
    except StaleDataError:
        uow.session.rollback()
        current = find_case(uow.session, record.id)
        raise _conflict(uow, ConflictError(record.id, read, current.version if current else -1)) from None


# ---------------------------------------------------------------- advancing through the stages
def advance_stage(uow: UnitOfWork, case_id: str, stage: str, actor: str, on: date,
                  expected_version: int | None = None) -> Outcome:
    """Enter a stage on a day: its gate rules are judged as if it were entered then.

    Refused (GateClosedError, listing the violated gate rules with their articles) when a gate
    rule of severity blocker or error is violated or missing (its record absent: CASE_FORMAT §2);
    the refusal itself is kept in the trail.
    """
    from engine.decisions.workflow import load_workflow
    record = _load(uow, case_id, expected_version)
    require_recorder(uow.session, actor, stage, record)
    workflow, state = load_workflow(), dict(record.workflow or {})
    document = _entered(workflow, record, stage, on, state)
    case = _parse(document, f"{case_id}（进入 {stage}）")
    result, report = _check(uow, case, on, actor)
    blockers = [gates.blocker_json(f) for f in gates.gate_blockers(workflow, stage, result.findings)]
    if blockers:
        _refuse(uow, record, stage, on, actor, blockers, report)
    _check_order(workflow, record, stage, on, state)     # gates first: they say which article is missing
    document = _mark_rerun(document, stage, state)
    _store(uow, record, document, stage)
    record.workflow = state
    _save_findings(uow, case_id, result, report)
    what = {"stage_entered": stage, "on": on.isoformat(), "gates": sorted(workflow.gates(stage))}
    event = append_event(uow.session, case_id, actor, "stage.advanced", _event_payload(what, document, report, record.version))
    return Outcome(case_id, record.version, stage, report, event.seq)


def _check_order(workflow, record: CaseRecord, stage: str, on: date, state: dict) -> None:
    from engine.decisions.facts import flatten
    if stage in state.get("reopened", []):
        return
    if state.get("suspended") and stage != "adjustment":
        raise StageOrderError(f"案件 {record.id} 已中止执行，只能先作出调整决定", f"case {record.id} is suspended")
    facts = flatten(_parse(record.document, record.id), on)
    allowed = workflow.next_stages(facts)
    if stage not in allowed:
        raise StageOrderError(f"案件 {record.id} 现在不能进入「{stage}」：可进入的阶段为 {', '.join(allowed) or '无'}",
                              f"case {record.id} cannot enter {stage} now; it may enter: {', '.join(allowed) or 'none'}")


def _entered(workflow, record: CaseRecord, stage: str, on: date, state: dict) -> dict:
    """The document with the stage's entry date set to `on` where it is not recorded (or is stale)."""
    field_path = workflow.entered_on(stage)
    if field_path is None:
        return record.document
    recorded = get_path(record.document, field_path)
    stale = stage in state.get("reopened", []) and recorded is not None and recorded < state.get("adjusted_on", "")
    if recorded is None or stale:
        return with_date(record.document, field_path, on.isoformat())
    return record.document


def _mark_rerun(document: dict, stage: str, state: dict) -> dict:
    """A re-opened stage entered again counts as re-run for the latest change or stop (Art. 37)."""
    if stage not in state.get("reopened", []):
        return document
    state["reopened"] = [s for s in state["reopened"] if s != stage]
    adjustments = [dict(a) for a in document.get("adjustments", [])]
    for adj in reversed(adjustments):
        if adj.get("kind") in ("change", "stop"):
            adj["procedures_rerun"] = list(dict.fromkeys([*adj.get("procedures_rerun", []), stage]))
            break
    return {**document, "adjustments": adjustments}


def _refuse(uow: UnitOfWork, record: CaseRecord, stage: str, on: date, actor: str,
            blockers: list[dict], report: dict, extra: dict | None = None) -> None:
    """Keep the refused attempt in the trail (an auditor sees it), then refuse."""
    uow.session.rollback()
    what = {"stage_refused": stage, "on": on.isoformat(), "blockers": blockers, **(extra or {})}
    append_event(uow.session, record.id, actor, "stage.advance_refused",
                 _event_payload(what, record.document, report, record.version))
    uow.commit()
    raise gate_closed(record.id, stage, blockers)


# ---------------------------------------------------------------- Art. 37: suspend, change, stop
RERUN_ON_CHANGE = ("public_participation", "expert_review", "risk_assessment", "legality_review", "collective_decision")
RERUN_ON_STOP = ("legality_review", "collective_decision")


def adjust_decision(uow: UnitOfWork, case_id: str, kind: str, reason: str, actor: str, on: date,
                    urgent: bool = False, expected_version: int | None = None) -> Outcome:
    """Suspend, change or stop a decided matter (Art. 37), re-opening the stages it must re-run."""
    from engine.decisions.facts import flatten
    from engine.decisions.workflow import load_workflow
    if kind not in ("suspend", "change", "stop"):
        raise InputError.single("--kind", f"调整方式应为 suspend | change | stop，实际为 {kind!r} / invalid kind", "kind")
    if not reason.strip():
        raise InputError.single("--reason", "须说明调整理由 / a reason is required", "reason")
    record = _load(uow, case_id, expected_version)
    require_role(uow.session, actor, ("secretary", "admin"), record.unit_code)
    decision = get_path(record.document, "collective_decision.decision")
    if decision not in ("approve", "amend"):
        raise StageOrderError(f"案件 {case_id} 尚未作出可执行的决策，无可调整", f"case {case_id} has no decision to adjust")
    entry = {"kind": kind, "decided_on": on.isoformat(), "by_head_urgent": urgent, "procedures_rerun": []}
    document = {**record.document, "adjustments": [*record.document.get("adjustments", []), entry]}
    case = _parse(document, f"{case_id}（调整）")
    facts = flatten(case, on)
    workflow = load_workflow()
    rerun = {"suspend": (), "change": RERUN_ON_CHANGE, "stop": RERUN_ON_STOP}[kind]
    reopened = [s for s in rerun if workflow.required(s, facts)]
    state = {**(record.workflow or {}), "reopened": reopened, "suspended": kind == "suspend",
             "stopped": kind == "stop", "adjusted_on": on.isoformat()}
    result, report = _check(uow, case, on, actor)
    _store(uow, record, document, "adjustment")
    record.workflow = state
    _save_findings(uow, case_id, result, report)
    what = {"adjustment": entry, "reason": reason, "reopened": reopened}
    event = append_event(uow.session, case_id, actor, "decision.adjusted", _event_payload(what, document, report, record.version))
    return Outcome(case_id, record.version, "adjustment", report, event.seq, {"reopened": reopened})


# ---------------------------------------------------------------- import, export, replay
def import_cases(uow: UnitOfWork, paths: list[Path], actor: str, as_of: date | None = None,
                 unit: str | None = None) -> list[Outcome]:
    """Import case files into `unit` (default: the importer's own): every file is validated first,
    and one bad file refuses them all."""
    cases, seen = [], set()
    problems: list[Problem] = []
    for path in paths:
        try:
            case = load_case(path, as_of or clock.today())
        except InputError as e:
            problems += e.problems
            continue
        if case.id in seen or find_case(uow.session, case.id) is not None:
            problems += InputError.single(str(path), f"案件 {case.id} 已存在 / case {case.id} already exists", "id").problems
        if case.id == RULEBOOK_CHAIN:  # the rulebook's own trail; the database refuses it too
            problems += InputError.single(str(path), f"标识 {case.id!r} 保留给规则库审计链 / the id {case.id!r} "
                                          "is reserved for the rulebook's trail", "id").problems
        try:  # an unknown jurisdiction is a problem of this file, named with it
            checker_for(case.jurisdiction)
        except InputError as e:
            problems += InputError.single(str(path), e.problems[0].message, "jurisdiction").problems
        seen.add(case.id)
        cases.append(case)
    if problems:
        raise InputError(problems)
    return [create_case(uow, case, actor, as_of, action="case.imported", unit=unit) for case in cases]


def export_case(uow: UnitOfWork, case_id: str) -> dict:
    """The stored case file, exactly as the format (CASE_FORMAT §1) writes it."""
    return get_case(uow.session, case_id).document


@dataclass
class Replay:
    case_id: str
    as_of: date
    then: dict                      # under the rulebook version that last judged the case
    now: dict                       # under today's rulebook
    differences: list[dict]


def recheck_case(uow: UnitOfWork, case_id: str, as_of: date) -> Replay:
    """Re-check a stored case as of a day under the very rules that judged it, and under today's."""
    import tempfile

    from engine.rulebook.versions import materialize_rulebook
    record = get_case(uow.session, case_id)
    case = _parse(record.document, case_id)
    judged_by = judging_version(uow.session, case_id)
    now = to_json(checker_for(case.jurisdiction).check(case, as_of, "durable"))
    then = now
    if judged_by is not None and judged_by != now["rulebook"]["version"]:
        with tempfile.TemporaryDirectory(prefix="yifa-replay-") as tmp:
            root = materialize_rulebook(uow.session, judged_by, Path(tmp))
            (root / "calendars").mkdir(exist_ok=True)
            then = to_json(checker_for(case.jurisdiction, root).check(case, as_of, "durable"))
            then["rulebook"]["version"] = judged_by
    return Replay(case_id, as_of, then, now, _differences(then, now))


def recheck_stored_cases(uow: UnitOfWork, as_of: date, actor: str,
                         jurisdictions: list[str] | None = None) -> list[str]:
    """Check every stored case (of the jurisdictions given) under the current rulebook and store the
    findings, so that every latest stored check speaks for the rules in force (after a rule edit).
    Each case is judged as of the day its latest stored check speaks of (as the edit's impact preview
    showed it; `as_of` for a case never checked). A stored file the current model no longer reads is
    left as it is. Returns the ids re-checked."""
    latest = latest_check_days(uow.session)
    done = []
    for record in cases_of(uow.session, jurisdictions):
        try:
            case = _parse(record.document, record.id)
            result, report = _check(uow, case, latest.get(record.id) or as_of, actor)
        except InputError:
            continue
        _save_findings(uow, record.id, result, report)
        done.append(record.id)
    return done


def _differences(then: dict, now: dict) -> list[dict]:
    old = {f["rule"]: (f["verdict"], f.get("reason")) for f in then["findings"]}
    new = {f["rule"]: (f["verdict"], f.get("reason")) for f in now["findings"]}
    return [{"rule": r, "then": old.get(r), "now": new.get(r)}
            for r in sorted(old.keys() | new.keys()) if old.get(r) != new.get(r)]
