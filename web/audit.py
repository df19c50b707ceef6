"""Blueprint `audit` (/audit): the auditors' pages — read everything, verify the trails, export the dossiers.

    GET  /audit                              every case, filtered by stage, blocked, overdue, year, unit
    POST /audit/verify-all                   the same list with every chain verified; the broken ones listed
    GET  /audit/cases/<id>                   the trail as a timeline (evidence digests, rulebook versions, verdicts)
    POST /audit/cases/<id>/verify            the timeline with the chain verified now
    GET  /audit/cases/<id>/dossier           the printable dossier (HTML, its own print CSS)
    GET  /audit/cases/<id>/dossier.pdf       the dossier as PDF: kept per trail head, else printed by a job
                                             (headless chromium; 202 while it is made, 501 without chromium)
    GET  /audit/cases/<id>/export.json       the dossier as JSON (download)
    GET  /audit/cases/<id>/case.yaml         the stored case file (download)

Roles: auditor and admin only. Officials see their own cases on the case pages, not here: the
audit list shows every case of every unit. Verifying changes nothing, so its POSTs are marked
`@safe_for_readers` (a POST rather than a GET: it recomputes every hash, so a crawler or a
prefetch should not start it). What *overdue* and *year* mean: engine/decisions/audit_queries.py.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request

from engine.core import clock
from engine.core.yamlio import dump_yaml
from engine.decisions import use_cases as services
from engine.decisions.audit_queries import (
    DIGEST_LABELS,
    AuditFilter,
    audit_rows,
    broken_chains,
    chains_outside_scope,
    filter_rows,
    timeline,
)
from engine.decisions.dossier import BEIJING, build_dossier, render_html
from engine.decisions.pdf import PdfCache, chromium_path, dossier_key
from engine.decisions.queries import find_case
from engine.store.models import RULEBOOK_CHAIN
from engine.trail import KIND_ZH, ChainStatus, verify_all
from web.auth import role_required, safe_for_readers
from web.db import get_uow
from web.errors import refuse
from web.i18n import stage_names, t
from web.jobs import job_queue
from web.security import content_security_policy

bp = Blueprint("audit", __name__, url_prefix="/audit")

AUDITORS = ("auditor", "admin")
PDF_POLL_SECONDS = 2       # the waiting page asks again after this
YES_NO = {"yes": True, "no": False, "": None}


def _aware(moment: datetime) -> datetime:
    """A stored moment with its zone: SQLite gives naive datetimes back, and every stored one is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@bp.app_template_filter("audit_beijing")
def _beijing(moment: Any) -> str:
    return _aware(moment).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


@bp.app_template_filter("beijing_minute")
def _beijing_minute(moment: Any) -> str:
    """A moment as users read it everywhere: Beijing time, to the minute (the audit pages add seconds)."""
    return _aware(moment).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if moment else ""


@bp.app_template_filter("audit_utc")
def _utc(moment: Any) -> str:
    return _aware(moment).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


@bp.app_template_filter("audit_json")
def _json(value: Any) -> str:
    """Readable JSON (Chinese as it is); the template escapes it like any text."""
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str)


# ---------------------------------------------------------------- the list
def _filters() -> tuple[AuditFilter, dict[str, str], list[str]]:
    """The filters of the query string; a value that cannot be read is named and ignored."""
    raw = {k: request.args.get(k, "").strip() for k in ("stage", "blocked", "overdue", "year", "unit")}
    problems: list[str] = []
    stage: str | None = raw["stage"] or None
    if stage and stage not in stage_names():
        problems.append(t(f"未知的阶段：{stage}", f"Unknown stage: {stage}"))
        stage = None
    flags: dict[str, bool | None] = {}
    for key in ("blocked", "overdue"):
        if raw[key] not in YES_NO:
            problems.append(t(f"「{key}」应为 yes 或 no", f"“{key}” must be yes or no"))
        flags[key] = YES_NO.get(raw[key])
    year: int | None = None
    if raw["year"]:
        if raw["year"].isdigit() and 1900 <= int(raw["year"]) <= 2200:
            year = int(raw["year"])
        else:
            problems.append(t(f"年份应为四位数字：{raw['year'][:20]}", f"The year must be four digits: {raw['year'][:20]}"))
    unit = raw["unit"][:200] or None
    return AuditFilter(stage, flags["blocked"], flags["overdue"], year, unit), raw, problems


def _list_page(statuses: list[ChainStatus] | None = None) -> str:
    wanted, raw, problems = _filters()
    rows = audit_rows(get_uow().session, clock.today())
    years = sorted({r.year for r in rows if r.year}, reverse=True)
    shown = filter_rows(rows, wanted)
    if statuses is not None:            # only the chains of what the user's units cover are counted
        outside = chains_outside_scope(get_uow().session)
        statuses = [s for s in statuses if s.case_id not in outside]
    by_case = {s.case_id: s for s in statuses} if statuses is not None else None
    return render_template("audit/index.html", rows=shown, total=len(rows), raw=raw, problems=problems,
                           stages=stage_names(), years=years, statuses=by_case,
                           broken=broken_chains(statuses) if statuses is not None else None,
                           chains=len(statuses) if statuses is not None else 0,
                           rulebook_chain=RULEBOOK_CHAIN, kind_zh=KIND_ZH,
                           query=request.query_string.decode("ascii", "replace"))


@bp.get("")
@role_required(*AUDITORS)
def index() -> Any:
    """Every case, with the list's filters (query parameters)."""
    return _list_page()


@bp.post("/verify-all")
@role_required(*AUDITORS)
@safe_for_readers
def verify_every_chain() -> Any:
    """Verify every chain (the rulebook's too) and show the list with each chain's status."""
    return _list_page(verify_all(get_uow().session))


# ---------------------------------------------------------------- one case
def _require_visible_chain(session: Any, chain: str) -> None:
    """404 for the trail of a record the user's units do not cover (engine/units/scope.py): the
    chain of a case, document, penalty or catalogue item is shown only with its record."""
    if _hidden_chain(session, chain):
        refuse(404, f"没有案件 {chain}", f"No case {chain}")


def _hidden_chain(session: Any, chain: str) -> bool:
    """Whether the chain is a record's that exists in a unit the session may not see."""
    from engine.catalogue.queries import items_by_key
    from engine.credit.queries import penalty_by_number
    from engine.documents.queries import document_by_number
    from engine.units.scope import unscoped
    for prefix, find in (("doc:", document_by_number), ("penalty:", penalty_by_number),
                         ("cat:", lambda s, key: items_by_key(s, [key]).get(key)), ("", find_case)):
        if chain.startswith(prefix):
            key = chain[len(prefix):]
            if find(session, key) is not None:
                return False
            with unscoped(session):
                return find(session, key) is not None
    return False


def _case_page(case_id: str, status: ChainStatus | None = None) -> str:
    session = get_uow().session
    _require_visible_chain(session, case_id)
    case = find_case(session, case_id)
    events = timeline(session, case_id)
    if case is None and not events:
        refuse(404, f"没有案件 {case_id}",
               f"No case {case_id}")
    broken_seq = status.broken.seq if status is not None and status.broken is not None else None
    return render_template("audit/case.html", case_id=case_id, case=case, events=events, status=status,
                           broken_seq=broken_seq, kind_zh=KIND_ZH, pdf=chromium_path() is not None,
                           refused=sum(1 for e in events if e.refused), digest_labels=DIGEST_LABELS)


@bp.get("/cases/<case_id>")
@role_required(*AUDITORS)
def case(case_id: str) -> Any:
    """The case's trail as a timeline."""
    return _case_page(case_id)


@bp.post("/cases/<case_id>/verify")
@role_required(*AUDITORS)
@safe_for_readers
def verify(case_id: str) -> Any:
    """Recompute the case's chain and show its status with the timeline."""
    _require_visible_chain(get_uow().session, case_id)
    statuses = verify_all(get_uow().session, case_id)
    return _case_page(case_id, statuses[0] if statuses else ChainStatus(case_id, 0, "0" * 64))


def _dossier(case_id: str) -> dict[str, Any]:
    _require_visible_chain(get_uow().session, case_id)
    return build_dossier(get_uow().session, case_id)  # UnknownCaseError → 404


def _download(body: str | bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/cases/<case_id>/dossier")
@role_required(*AUDITORS)
def dossier(case_id: str) -> Any:
    """The printable dossier: the trail verified now, the case, its evidence and verdicts."""
    response = Response(render_html(_dossier(case_id)), mimetype="text/html")
    # the dossier is a self-contained file (export_dossier writes the same): its CSS is inline
    response.headers["Content-Security-Policy"] = content_security_policy(style_src="'unsafe-inline'")
    return response


@bp.get("/cases/<case_id>/export.json")
@role_required(*AUDITORS)
def export_json(case_id: str) -> Any:
    """The dossier as JSON, as a download."""
    body = json.dumps(_dossier(case_id), ensure_ascii=False, indent=2) + "\n"
    return _download(body, "application/json", f"{case_id}-dossier.json")


@bp.get("/cases/<case_id>/case.yaml")
@role_required(*AUDITORS)
def case_yaml(case_id: str) -> Any:
    """The stored case file (CASE_FORMAT §1), as a download."""
    return _download(dump_yaml(services.export_case(get_uow(), case_id)), "application/yaml", f"{case_id}.yaml")


@bp.get("/cases/<case_id>/dossier.pdf")
@role_required(*AUDITORS)
def dossier_pdf(case_id: str) -> Any:
    """The dossier as PDF: kept per trail head (instant when the trail has not moved), else printed by
    headless chromium as a job (a page that refreshes itself until it is ready); without chromium,
    say to print from the browser."""
    session = get_uow().session
    if find_case(session, case_id) is None:
        refuse(404, f"未知案件 {case_id}", f"Unknown case {case_id}")
    key = dossier_key(session, case_id)
    cache = PdfCache()
    pdf = cache.get(key)
    if pdf is None:
        if chromium_path() is None:
            return render_template("audit/no_pdf.html", case_id=case_id), 501
        tasks = job_queue().tasks
        if tasks.failed(key) and not request.args.get("retry"):
            return render_template("audit/no_pdf.html", case_id=case_id, failed=True), 503
        tasks.queue_dossier_pdf(current_app.config["DATABASE_URL"], case_id, key)
        pdf = cache.get(key)                 # a queue that runs jobs at once has made it
        if pdf is None and tasks.failed(key):
            return render_template("audit/no_pdf.html", case_id=case_id, failed=True), 503
    if pdf is None:
        return render_template("audit/pdf_pending.html", case_id=case_id), 202, {"Retry-After": str(PDF_POLL_SECONDS)}
    return _download(pdf, "application/pdf", f"{case_id}-dossier.pdf")

