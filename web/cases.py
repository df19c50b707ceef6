"""Blueprint `cases` (/cases): the officials' pages — list, new proposal, case page, stage evidence,
advancing, attachments and the workflow picture.

Every decision (who records what, whether a gate is open, the optimistic lock) is the services';
the views read the form, call them with the signed-in user as the actor, and render.
"""
from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_login import current_user

from engine.accounts.access import own_proposal_conflict, recorder_roles
from engine.core import clock
from engine.core.errors import ConflictError, GateClosedError, InputError, Problem, StageOrderError
from engine.core.yamlio import LoadedYaml
from engine.decisions import forms
from engine.decisions import use_cases as services
from engine.decisions.attachments import attachment_bytes, attachments_of, upload_attachment
from engine.decisions.models import Attachment
from engine.decisions.queries import (
    case_and_attachments,
    case_summaries,
    find_attachment,
    get_case,
    normative_document_notes,
)
from engine.decisions.record import parse_case
from engine.decisions.sections import SECTION_OF, get_section
from web.auth import EVERYONE, role_required
from web.db import get_uow
from web.errors import refuse
from web.i18n import both, current_lang, stage_names

bp = Blueprint("cases", __name__, url_prefix="/cases")

CREATORS = ("official", "admin")
RECORDING_ROLES = ("official", "legality_reviewer", "secretary")
SEVERITY_ORDER = ("blocker", "error", "warning", "info")
FORM_SOURCE = "表单"


# ---------------------------------------------------------------- helpers
def _today() -> date:
    return clock.today()


def _problems_by_field(problems: tuple[Problem, ...] | list[Problem], names: set[str],
                       rows: dict[str, str] | None = None) -> tuple[dict, list]:
    """Each problem next to its field (or its nearest enclosing field); the rest for the top of the form.
    `rows`: path prefixes of an object shown as a table's first row (forms.row_paths)."""
    by_field: dict[str, list[str]] = defaultdict(list)
    rest: list[Problem] = []
    for p in problems:
        path = p.path
        for prefix, row in (rows or {}).items():
            if path.startswith(prefix):
                path = row + path[len(prefix):]
        while path and path not in names:
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        if path:
            by_field[path].append(p.message)
        else:
            rest.append(p)
    return dict(by_field), rest


def _field_names(specs: tuple[forms.FieldSpec, ...]) -> set[str]:
    names: set[str] = set()
    for spec in specs:
        names.add(spec.name)
        if spec.kind == "group":
            names |= _field_names(spec.children)
        elif spec.kind == "table":
            for i in range(200):
                names |= {c.name.replace("[#]", f"[{i}]") for c in spec.children}
                names.add(f"{spec.name}[{i}]")
    return names


def _submitted() -> dict[str, list[str]]:
    return {k: request.form.getlist(k) for k in request.form if k not in ("csrf_token", "version")}


def _version() -> int:
    try:
        return int(request.form.get("version", ""))
    except ValueError:
        refuse(400, "缺少或无效的案件版本号",
               "The case version is missing or invalid")


def _date_field(name: str) -> date:
    try:
        return date.fromisoformat(request.form.get(name, "").strip())
    except ValueError:
        refuse(400, f"日期无效，应为 YYYY-MM-DD（{name}）",
               f"Invalid date, expected YYYY-MM-DD ({name})")


def _editable(stage: str) -> None:
    if stage not in forms.EDITABLE_STAGES:
        if stage in SECTION_OF:   # adjustments: their own action
            refuse(404, "决策调整不在此页记录",
                   "Adjustments are not recorded on this page")
        refuse(404, f"未知阶段 {stage}",
               f"Unknown stage {stage}")


def _can_record(stage: str) -> bool:
    return current_user.has_role(*recorder_roles(stage))


def _require_recorder(stage: str) -> None:
    if not _can_record(stage):
        from web.i18n import ROLE_NAMES
        roles = recorder_roles(stage)
        refuse(403, f"只有{'、'.join(ROLE_NAMES[r][0] for r in roles)}可以记录或进入此阶段",
               f"Only {', '.join(ROLE_NAMES[r][1] for r in roles)} may record or enter this stage")


# ---------------------------------------------------------------- list
@bp.get("")
@bp.get("/")
@role_required(*EVERYONE)
def index() -> Any:
    """Every case: stage, blocked or not, rules violated at the last check, last change."""
    cases = case_summaries(get_uow().session)
    return render_template("cases/index.html", cases=cases, can_create=current_user.has_role(*CREATORS))


# ---------------------------------------------------------------- a new proposal
def _new_form(values: dict, errors: dict, general: list, status: int = 200) -> Any:
    from engine.rulebook.loader import known_jurisdictions
    return render_template("cases/new.html", specs=forms.case_fields(), values=values, errors=errors,
                           general=general, jurisdictions=known_jurisdictions(), submitted=bool(values),
                           units=_my_units()), status


def _my_units() -> list[Any]:
    """The units a new case of this user may belong to: those their proposing roles reach."""
    from engine.units.queries import unit_tree
    from engine.units.scope import scope_of
    session = get_uow().session
    mine = scope_of(session, current_user.username, CREATORS)
    return [u for u in unit_tree(session) if mine.covers(u.code)]


@bp.route("/new", methods=["GET", "POST"])
@role_required(*CREATORS)
def new() -> Any:
    """Create a proposal of one of the user's units: the case's header as a form, every label with its
    article; the rulebook (jurisdiction) is the unit's unless another is chosen."""
    from engine.rulebook.loader import known_jurisdictions
    from engine.units.scope import acting_unit
    if request.method == "GET":
        unit = next((u for u in _my_units() if u.code == acting_unit(get_uow().session, current_user.username,
                                                                       CREATORS)), None)
        return _new_form({"jurisdiction": [unit.jurisdiction if unit else "CN"], "unit": [unit.code if unit else ""]},
                         {}, [])
    specs = forms.case_fields()
    document = forms.parse_fields(specs, request.form.getlist)
    try:
        unit_code = request.form.get("unit") or None
        if unit_code is not None and unit_code not in {u.code for u in _my_units()}:
            raise InputError.single(FORM_SOURCE, "请选择本人可为其提出决策的单位 / choose a unit you propose for", "unit")
        if document.get("jurisdiction") not in known_jurisdictions():
            raise InputError.single(FORM_SOURCE, "请选择已知的管辖区 / choose a known jurisdiction", "jurisdiction")
        case = parse_case(LoadedYaml(document), FORM_SOURCE, _today())
        uow = get_uow()
        services.create_case(uow, case, current_user.username, as_of=_today(), unit=unit_code)
    except InputError as refused:
        errors, general = _problems_by_field(refused.problems, _field_names(specs))
        return _new_form(_submitted(), errors, general, 400)
    uow.commit()
    flash(both(f"已创建决策事项 {case.id}", f"Proposal {case.id} created"), "success")
    return redirect(url_for("cases.show", case_id=case.id))


# ---------------------------------------------------------------- the case page
def _case_page(case_id: str, blockers: list | None = None, refused_stage: str = "",
               order_error: str = "", status: int = 200) -> Any:
    uow = get_uow()
    record, attachments = case_and_attachments(uow.session, case_id)
    today = _today()
    v = _verdicts(record, today)
    result = replace(v.result, notes=[*v.result.notes, *normative_document_notes(uow.session, v.case)])
    by_stage: dict[str, list[Attachment]] = defaultdict(list)
    for a in attachments:
        by_stage[a.stage].append(a)
    closed = {s: found for s, found in v.refusals.items() if found}
    evidence = [(s, s in v.recorded, _can_record(s)) for s in forms.EDITABLE_STAGES]
    named = {b["stage"] for found in (*closed.values(), blockers or []) for b in found if b.get("stage")}
    unjudged = sorted(named - set(v.refusals) - v.reached)
    refusals = {**v.refusals, **_gate_refusals(record.document, unjudged, today, result.findings)} if unjudged \
        else v.refusals
    unsavable = {s for s in named if refusals.get(s)}

    def can_fix(stage: str) -> bool:
        """A link to the form that records a blocker's stage: only where the user records it and the
        form can save it now (a stage whose own gate is closed refuses its evidence)."""
        return stage in forms.EDITABLE_STAGES and _can_record(stage) and stage not in unsavable

    stages = url_for("cases.stage_form", case_id=record.id, stage="-")[:-1]      # …/cases/<id>/stages/
    segment = current_app.url_map.converters["default"](current_app.url_map).to_url

    def stage_url(stage: str) -> str:
        """The address of the case's form for a stage (the page links some thirty times to a dozen
        stages): the stages' common address, built once, and the stage as the route writes it."""
        return stages + segment(stage)

    return render_template("cases/show.html", record=record, case=v.case, summary=v.summary,
                           result=result, groups=v.groups, upcoming=v.upcoming, can_enter=_can_record, can_fix=can_fix,
                           stage_url=stage_url,
                           evidence=evidence, attachments=by_stage, today=today.isoformat(), closed=closed,
                           blockers=blockers, refused_stage=refused_stage, order_error=order_error,
                           deadlines=v.deadlines, editable=forms.EDITABLE_STAGES), status


@dataclass(frozen=True)
class CaseVerdicts:
    """What the case page shows of a case on a day, whoever looks: read-only, shared by every viewer."""
    case: Any                           # the case file parsed (engine/decisions/record.Case)
    result: Any                         # its check as of the day (engine/core/check.CheckResult)
    upcoming: list[str]                 # the stages it may enter next
    refusals: dict[str, list[dict]]     # each of those and of the evidence forms' stages not yet entered → its blockers
    groups: list[dict[str, Any]]        # the findings by stage, by verdict (violated and missing worst first)
    summary: dict[str, Any]             # the verdicts counted (engine/core/report.summary)
    deadlines: list[Any]                # the deadlines within the window of the next box
    reached: frozenset[str]             # the stages entered
    recorded: frozenset[str]            # the evidence forms' stages whose section the case file holds
    workflow: Any                       # held, so that its id (in the key) is not reused while this is kept


def _verdicts(record: Any, today: date) -> CaseVerdicts:
    """The case's verdicts as of `today`, kept per process for every viewer (web/page_cache.kept_verdicts)
    under a key of all they read: the database, the case row's version and times (any change to the case
    file or its workflow state bumps them), the rulebook and workflow versions, the day."""
    from engine.decisions.workflow import load_workflow
    from engine.rulebook.loader import rulebook_digest
    from web.db import get_engine
    from web.page_cache import kept_verdicts
    workflow = load_workflow()
    key = (str(get_engine().url), record.id, record.version, record.created_at, record.updated_at,
           rulebook_digest(record.jurisdiction), id(workflow), today)
    return kept_verdicts.get(key, lambda: _judge(record, today, workflow))


def _judge(record: Any, today: date, workflow: Any) -> CaseVerdicts:
    from engine.core.check import checker_for
    from engine.core.report import summary
    from engine.decisions.deadlines import case_deadlines
    from engine.decisions.deadlines import upcoming as within_window
    from engine.decisions.gates import entered_stages
    case = parse_case(LoadedYaml(record.document), record.id)
    # A page view is a read: the fast native evaluator gives the same findings as durable-rules
    # (the differential test holds them identical); what is recorded comes from durable-rules.
    result = checker_for(case.jurisdiction).check(case, today, "native")
    upcoming = _upcoming(record, case)
    refusals = _gate_refusals(record.document, [*upcoming, *forms.EDITABLE_STAGES], today, result.findings)
    deadlines = within_window(case_deadlines(record.id, record.title, record.document, today,
                                             jurisdiction=case.jurisdiction, findings=result.findings), today)
    reached = frozenset(s for s, _ in entered_stages(workflow, {}, record.document))
    recorded = frozenset(s for s in forms.EDITABLE_STAGES if get_section(record.document, s) is not None)
    return CaseVerdicts(case, result, upcoming, refusals, _by_stage(result.findings), summary(result.findings),
                        deadlines, reached, recorded, workflow)


def _by_stage(findings: list[Any]) -> list[dict[str, Any]]:
    """The findings of each stage (in the workflow's order), by verdict; violated and missing worst first."""
    from engine.rulebook.stages import load_stages
    of_stage: dict[str, list[Any]] = defaultdict(list)
    for f in findings:
        of_stage[f.stage].append(f)
    groups = []
    for st in load_stages():
        mine = of_stage.get(st.id)
        if not mine:
            continue
        by_verdict: dict[str, list[Any]] = defaultdict(list)
        for f in mine:
            by_verdict[f.verdict].append(f)
        worst_first = lambda f: SEVERITY_ORDER.index(f.severity)   # noqa: E731
        groups.append({"stage": st.id, "violated": sorted(by_verdict["violated"], key=worst_first),
                       "missing": sorted(by_verdict["missing"], key=worst_first), "pending": by_verdict["pending"],
                       "satisfied": by_verdict["satisfied"], "not_applicable": by_verdict["not_applicable"]})
    return groups


def _upcoming(record: Any, case: Any) -> list[str]:
    """The stages the case may enter next (none while suspended; re-opened ones too; not the adjustment)."""
    from engine.decisions.facts import flatten
    from engine.decisions.workflow import load_workflow
    state = record.workflow or {}
    if state.get("suspended"):
        return []
    upcoming = load_workflow().next_stages(flatten(case, _today()))
    upcoming += [s for s in state.get("reopened", []) if s not in upcoming]
    return [s for s in upcoming if s != "adjustment"]


def _gate_refusals(document: dict, stages: list[str], on: date, findings: list) -> dict[str, list[dict]]:
    """Each of the stages not yet entered, with the findings that refuse entering it on `on` ([]:
    open) — the services' own judgement: the page offers no action they would refuse."""
    from engine.decisions.gates import entered_stages, entry_refusals
    from engine.decisions.workflow import load_workflow
    workflow = load_workflow()
    reached = {s for s, _ in entered_stages(workflow, {}, document)}
    candidates = [s for s in dict.fromkeys(stages) if s not in reached]
    return entry_refusals(document, candidates, on, workflow, findings) if candidates else {}


def _stage_gate(record: Any, stage: str) -> list[dict]:
    """What refuses entering a stage not yet entered today ([]: open, or already entered)."""
    from engine.core.check import checker_for
    case = parse_case(LoadedYaml(record.document), record.id)
    findings = checker_for(case.jurisdiction).check(case, _today(), "native").findings
    return _gate_refusals(record.document, [stage], _today(), findings).get(stage, [])


@bp.get("/<case_id>")
@role_required(*EVERYONE)
def show(case_id: str) -> Any:
    """The case: stage, findings by stage with their articles, what is next, evidence, attachments."""
    from engine.store.trail_rows import chain_heads
    from web.page_cache import cached_page
    if session.get("_flashes") or not current_app.config.get("PAGE_CACHE", True):
        return _case_page(case_id)                    # a page with a message for this user: not shared
    uow = get_uow()
    record = get_case(uow.session, case_id)
    head = chain_heads(uow.session, case_id).get(case_id)
    if not head:
        return _case_page(case_id)
    from engine.rulebook.loader import rulebook_digest
    key = ("case", case_id, record.version, head, rulebook_digest(record.jurisdiction), _today(), current_lang(),
           tuple(sorted(current_user.roles)), session.get("csrf_token"))
    return cached_page(key, lambda: _case_page(case_id)[0])


@bp.get("/<case_id>/graph.svg")
@role_required(*EVERYONE)
def graph(case_id: str) -> Response:
    """The workflow picture, each stage coloured by its state for this case."""
    from engine.core.check import checker_for
    from engine.decisions.workflow import case_stage_states, load_workflow
    from engine.decisions.workflow_svg import render_svg
    from web.security import content_security_policy
    record = get_case(get_uow().session, case_id)
    case = parse_case(LoadedYaml(record.document), case_id)
    states = case_stage_states(case, _today())
    findings = checker_for(case.jurisdiction).check(case, _today(), "native").findings
    for stage, refused in _gate_refusals(record.document, _upcoming(record, case), _today(), findings).items():
        if refused:
            states[stage] = "blocked"          # a stage the 下一步 box says may not be entered, marked the same
    svg = render_svg(load_workflow(), states, title=f"{case.id} {case.title}")
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = content_security_policy(style_src="'self' 'unsafe-inline'")
    return response


# ---------------------------------------------------------------- advancing
@bp.post("/<case_id>/advance")
@role_required(*RECORDING_ROLES)
def advance(case_id: str) -> Any:
    """Move the case into a stage on a day, or show exactly which rules refuse it."""
    stage = request.form.get("stage", "")
    if stage not in SECTION_OF:
        refuse(400, f"未知阶段 {stage}",
               f"Unknown stage {stage}")
    _require_recorder(stage)
    uow = get_uow()
    get_case(uow.session, case_id)           # a case of another unit: not found, whatever was sent
    on, version = _date_field("on"), _version()
    try:
        services.advance_stage(uow, case_id, stage, current_user.username, on=on, expected_version=version)
    except GateClosedError as refused:      # the refusal is already in the trail
        zh, en = stage_names().get(stage, (stage, stage))
        flash(both(f"不得进入「{zh}」阶段", f"The stage “{en}” may not be entered"), "error")
        return _case_page(case_id, blockers=refused.blockers, refused_stage=stage, status=409)
    except StageOrderError as wrong:
        uow.rollback()
        return _case_page(case_id, order_error=str(wrong), refused_stage=stage, status=409)
    uow.commit()
    flash(both("已进入下一阶段", "Stage entered"), "success")
    return redirect(url_for("cases.show", case_id=case_id))


# ---------------------------------------------------------------- Art. 37: suspend, change, stop
@bp.post("/<case_id>/adjust")
@role_required("secretary")
def adjust(case_id: str) -> Any:
    """Suspend, change or stop a decided matter; a change or stop re-opens the procedures to re-run."""
    kind, reason = request.form.get("kind", ""), request.form.get("reason", "")
    uow = get_uow()
    get_case(uow.session, case_id)           # a case of another unit: not found, whatever was sent
    on, version = _date_field("on"), _version()
    try:
        outcome = services.adjust_decision(uow, case_id, kind, reason, current_user.username, on,
                                           urgent=request.form.get("urgent") == "yes", expected_version=version)
    except StageOrderError as wrong:
        uow.rollback()
        return _case_page(case_id, order_error=str(wrong), status=409)
    uow.commit()
    reopened = "、".join(stage_names().get(s, (s, s))[0] for s in outcome.extra.get("reopened", [])) or "无"
    flash(both(f"已记录调整决定；需重新履行的程序：{reopened}", "Adjustment recorded; procedures re-opened as listed"),
          "success")
    return redirect(url_for("cases.show", case_id=case_id))


# ---------------------------------------------------------------- a stage's evidence
def _stage_page(case_id: str, stage: str, values: dict | None = None, errors: dict | None = None,
                general: list | None = None, conflict: ConflictError | None = None,
                upload_error: InputError | None = None, status: int = 200) -> Any:
    uow = get_uow()
    record = get_case(uow.session, case_id)
    specs = forms.stage_fields(stage)
    recorded = get_section(record.document, stage)
    submitted = values is not None
    if values is None:
        values = forms.form_values(specs, forms.with_extra(stage, recorded, record.document))
    attachments = [a for a in attachments_of(uow, case_id) if a.stage == stage]
    own_proposal = own_proposal_conflict(current_user.username, stage, record) if _can_record(stage) else None
    can_record = _can_record(stage) and own_proposal is None
    return render_template("cases/stage.html", record=record, stage=stage, specs=specs, values=values,
                           gate_closed=_stage_gate(record, stage) if can_record else [],
                           errors=errors or {}, general=general or [], recorded=recorded is not None,
                           can_record=can_record, own_proposal=own_proposal, recorders=recorder_roles(stage),
                           conflict=conflict,
                           attachments=attachments, upload_error=upload_error, submitted=submitted), status


@bp.get("/<case_id>/stages/<stage>")
@role_required(*EVERYONE)
def stage_form(case_id: str, stage: str) -> Any:
    """A stage's evidence as a form (read by everyone, recorded by the stage's recorder)."""
    _editable(stage)
    return _stage_page(case_id, stage)


@bp.post("/<case_id>/stages/<stage>")
@role_required(*RECORDING_ROLES)
def record(case_id: str, stage: str) -> Any:
    """Record or amend a stage's evidence, against the version of the case the form was read at."""
    _editable(stage)
    _require_recorder(stage)
    uow = get_uow()
    current = get_case(uow.session, case_id)           # a case of another unit: not found, whatever was sent
    version = _version()
    specs = forms.stage_fields(stage)
    section, extra = forms.split_extra(stage, forms.parse_fields(specs, request.form.getlist))
    if stage == "public_participation":        # the hearing has its own page: keep it
        hearing = get_section(current.document, "hearing")
        if hearing is not None:
            section["hearing"] = hearing
    try:
        services.record_evidence(uow, case_id, stage, section, current_user.username,
                                 expected_version=version, as_of=_today(), source=FORM_SOURCE, extra=extra)
    except ConflictError as changed:
        uow.rollback()
        return _stage_page(case_id, stage, values=_submitted(), conflict=changed, status=409)
    except services.GateClosedError as closed:       # the evidence would enter a closed stage (kept in the trail)
        zh, en = stage_names().get(closed.stage, (closed.stage, closed.stage))
        flash(both(f"不得进入「{zh}」阶段，材料未保存", f"The stage “{en}” may not be entered; nothing was saved"), "error")
        return _case_page(case_id, blockers=closed.blockers, refused_stage=closed.stage, status=409)
    except services.StageOrderError as wrong:
        uow.rollback()
        return _case_page(case_id, order_error=str(wrong), refused_stage=stage, status=409)
    except InputError as refused:
        uow.rollback()
        errors, general = _problems_by_field(refused.problems, _field_names(specs), forms.row_paths(specs))
        return _stage_page(case_id, stage, values=_submitted(), errors=errors, general=general, status=400)
    uow.commit()
    flash(both("已保存本阶段材料", "The stage's evidence is saved"), "success")
    return redirect(url_for("cases.show", case_id=case_id))


# ---------------------------------------------------------------- attachments
@bp.post("/<case_id>/stages/<stage>/attachments")
@role_required(*RECORDING_ROLES)
def upload(case_id: str, stage: str) -> Any:
    """Attach a document to a stage (types and size checked; stored by its sha256)."""
    _editable(stage)
    _require_recorder(stage)
    file = request.files.get("file")
    uow = get_uow()
    try:
        if file is None:
            raise InputError.single("上传文件 / upload", "请选择要上传的文件 / choose a file to upload", "file")
        attachment = upload_attachment(uow, case_id, stage, file.filename or "", file.read(), current_user.username)
    except InputError as refused:
        uow.rollback()
        return _stage_page(case_id, stage, upload_error=refused, status=400)
    uow.commit()
    flash(both(f"已上传 {attachment.filename}（SHA-256 {attachment.sha256}）",
               f"Uploaded {attachment.filename} (SHA-256 {attachment.sha256})"), "success")
    return redirect(url_for("cases.stage_form", case_id=case_id, stage=stage))


@bp.get("/<case_id>/attachments/<att_id>")
@role_required(*EVERYONE)
def download(case_id: str, att_id: str) -> Response:
    """An attached document, as a download (never shown inline)."""
    get_case(get_uow().session, case_id)           # a case of another unit: not found
    attachment = find_attachment(get_uow().session, att_id)
    if attachment is None or attachment.case_id != case_id:
        abort(404)
    data = attachment_bytes(attachment)
    if data is None:
        refuse(404, "附件文件缺失",
               "The attachment's file is missing")
    response = send_file(io.BytesIO(data), mimetype=attachment.media_type, as_attachment=True,
                         download_name=attachment.filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response



@bp.context_processor
def _helpers() -> dict[str, Any]:
    from engine.core.report import REASON_ZH, SEVERITY_ZH
    return {"choice_label": forms.choice_label, "table_rows": forms.table_rows, "severity_zh": SEVERITY_ZH,
            "reason_zh": REASON_ZH, "recorders_of": recorder_roles}
