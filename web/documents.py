"""Blueprint `documents` (/documents): the normative-document register (行政规范性文件登记表, CASE_FORMAT §3).

    GET       /documents                         the register: filters, sort, pages (paginated in SQL); 需处理 per row
    GET       /documents/export.csv | export.xlsx  the register in the §3 format (= `yifa docs export --out`);
                                                 `?headers=zh` for the Chinese column names
    GET       /documents/import/template.csv | .xlsx  the template: header row (Chinese; `?headers=en`), one example row
    GET       /documents/scan                    the clean-up scan of the whole register as of a day (kept per process)
    GET       /documents/scan.csv | scan.json    its downloads: the worklist CSV, CASE_FORMAT §5 JSON (= `yifa docs scan`)
                                                 (a register above SCAN_JOB_ROWS: written by the job worker)
    GET|POST  /documents/import                  upload a register CSV or .xlsx (all or nothing, or skip the bad rows)
    GET       /documents/import/rejected/<id>    the rows an import skipped, with their reasons (CSV)
    GET       /documents/<number>                one document: every §3 field, its basis laws, its findings, its trail
    POST      /documents/<number>/review         record a clean-up review (kept · amended · repealed · declared invalid)

Roles: every signed-in role reads the register and exports it. Importing is for the roles that
keep the register (engine.documents.use_cases.EDITOR_ROLES: official, legality reviewer, admin);
recording a clean-up review for the roles engine.documents.reviews.REVIEWERS names (legality
reviewer, legal advisor, admin). The decorators mirror those lists and the domain functions check
them again, server-side.

Document numbers contain Chinese and 〔〕 (宁河政规〔2019〕3号): URLs are built with url_for,
which percent-encodes them; `<path:number>` keeps a number containing "/" reachable too. A number
spelled exactly "import", "export.csv", "export.xlsx", "scan", "scan.csv" or "scan.json" cannot have a page of
its own (those paths are the register's); every other number can.

The scan (SPEC §B rules over the register, engine/documents/scan.py) is shaped for the pages in
web/document_scan.py: the list judges only the page's documents, a document page its one document,
and the scan page the whole register once per register state, day, jurisdiction and rulebook
version. Every scan takes `as_of` (default today) and `jurisdiction` (default CN) from the query
string; an unreadable one is a 400 naming the field.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from engine.core import clock
from engine.core.errors import InputError, UnknownDocumentError
from engine.core.report import REASON_ZH, SEVERITY_ZH
from engine.decisions.audit_queries import timeline
from engine.documents.laws import default_laws
from engine.documents.models import KINDS, SETS, STATUSES, NormativeDocumentRecord
from engine.documents.queries import (
    DEFAULT_SORT,
    SORTS,
    document_by_number,
    document_count,
    document_filters,
    document_issuers,
    document_page,
    documents_by_number,
)
from engine.documents.reviews import (
    OUTCOME_ZH,
    OUTCOMES,
    REVIEWERS,
    mark_reviewed,
)
from engine.documents.use_cases import (
    CHAIN_PREFIX,
    COLUMN_ZH,
    EDITOR_ROLES,
    PROCESS_COLUMN_ZH,
    REGISTER_KIND,
    from_record,
)
from engine.documents.vocab import KIND_NAMES, SETS_NAMES, STATUS_NAMES
from engine.registers.listing import Page
from engine.rulebook.loader import known_jurisdictions
from web import register_list as lists
from web.auth import EVERYONE, role_required
from web.db import get_uow
from web.document_scan import (
    ScanParams,
    by_topic,
    cited_instruments,
    instrument_numbers,
    needs_action,
    register_scan,
    scan_download,
    scan_params,
    scan_records,
    short_cite,
    worst,
)
from web.errors import found, refuse
from web.i18n import both, current_lang, t
from web.register_imports import RegisterImport

bp = Blueprint("documents", __name__, url_prefix="/documents")

# ---------------------------------------------------------------- names, both languages
COLUMN_EN = {"number": "Number", "title": "Title", "issuer": "Issuing organ", "issued_on": "Issued on",
             "effective_from": "Effective from", "expires_on": "Expires on", "kind": "Kind",
             "legality_reviewed_on": "Legality review", "published_on": "Published on", "filed_on": "Filed on",
             "basis": "Basis", "sets": "Prohibited contents", "status": "Status",
             "last_reviewed_on": "Last clean-up review"}
# the optional drafting-process columns (CASE_FORMAT §3, extended)
PROCESS_COLUMN_EN = {"deliberated_on": "Collective deliberation", "comment_opened_on": "Public comment opened",
                     "comment_closes_on": "Public comment closes", "market_related": "Market-related",
                     "fair_competition_reviewed_on": "Fair-competition review"}
OUTCOME_EN = {"kept": "Kept in force", "amended": "Amended", "repealed": "Repealed",
              "declared_invalid": "Declared invalid"}
ACTION_NAMES = {"document.imported": ("导入登记表", "Imported"), "document.updated": ("登记信息更新", "Updated"),
                "document.reviewed": ("清理评估", "Clean-up review")}
FIELD_NAMES = {"outcome": ("评估结论", "Outcome"), "reason": ("理由", "Reason"), "on": ("评估日期", "Review date"),
               "file": ("文件", "File"), "encoding": ("编码", "Encoding")}



def column_name(column: str) -> str:
    """A §3 column's name in the request's language."""
    zh = COLUMN_ZH.get(column) or PROCESS_COLUMN_ZH.get(column, column)
    return t(zh, COLUMN_EN.get(column) or PROCESS_COLUMN_EN.get(column, column))


# ---------------------------------------------------------------- the list
@dataclass(frozen=True)
class ListQuery(lists.ListQuery):
    issuer: str
    status: str
    kind: str
    scan: dict[str, str]      # the scan's as_of and jurisdiction, as given (ScanParams.args())

    FILTERS = ("issuer", "status", "kind")
    SORTS = SORTS
    DEFAULT_SORT = DEFAULT_SORT
    DESCENDING_FIRST = ("issued_on", "expires_on", "last_reviewed_on")     # dates newest first; the number A–Z
    ENDPOINT = "documents.index"

    def kept_args(self) -> dict[str, str]:
        """The list's links judge on the same day under the same rulebook."""
        return self.scan


def _list_query() -> tuple[ListQuery, list[str]]:
    """The list's filters from the query string; a value that cannot be read is named and ignored."""
    raw = lists.raw_args(("issuer", "status", "kind", "q", "sort", "page", "per_page"))
    problems: list[str] = []
    status = lists.choice(raw["status"], STATUSES, "未知的状态", "Unknown status", problems)
    kind = lists.choice(raw["kind"], KINDS, "未知的类型", "Unknown kind", problems)
    sort = lists.sort_choice(raw["sort"], SORTS, DEFAULT_SORT, problems)
    page, per_page = lists.paging(raw["page"], raw["per_page"], problems)
    return ListQuery(q=raw["q"][:lists.TEXT_MAX], sort=sort, page=page, per_page=per_page,
                     issuer=raw["issuer"][:lists.TEXT_MAX], status=status, kind=kind, scan={}), problems


@bp.get("")
@role_required(*EVERYONE)
def index() -> Any:
    """The register: number, title, issuer, kind, status, dates; filtered, sorted, one page at a time."""
    db = get_uow().session
    query, problems = _list_query()
    params, scan_problems = scan_params(request.args)
    query = replace(query, scan={} if scan_problems else params.args())
    page = document_page(db, document_filters(query.issuer, query.status, query.kind, query.q), query.sort,
                         query.page, query.per_page)
    issuers = document_issuers(db, lists.MAX_CHOICES)
    if query.issuer and query.issuer not in issuers:
        issuers.append(query.issuer)
    # only this page's documents are judged (a register may hold 100,000); a date that cannot be
    # read judges nothing (400) rather than quietly judging today
    findings = None if scan_problems else scan_records(page.rows, params, actions_only=True)
    return render_template("documents/index.html", page=page, query=query, problems=problems, issuers=issuers,
                           register_total=document_count(db), findings=findings, params=params,
                           scan_problems=scan_problems, scan_form=_scan_form_values(params),
                           jurisdictions=known_jurisdictions(),
                           can_import=current_user.has_role(*EDITOR_ROLES)), 400 if scan_problems else 200


def _scan_form_values(params: ScanParams) -> dict[str, str]:
    """The scan form's fields as the user gave them (a bad date is shown back, to be corrected)."""
    return {"as_of": request.args.get("as_of", "").strip()[:20] or params.as_of.isoformat(),
            "jurisdiction": params.jurisdiction}


# ---------------------------------------------------------------- the export (§3 format)
lists.add_export(bp, REGISTER_KIND, in_memory=True)


# ---------------------------------------------------------------- the scan of the whole register
@dataclass(frozen=True)
class TodoFilter:
    """The scan page's worklist: one rule's or one issuer's documents, a page of them."""
    rule: str
    issuer: str
    page: int
    per_page: int

    def args(self, **changes: Any) -> dict[str, Any]:
        """The worklist's query arguments, with changes; defaults left out."""
        values = {"rule": self.rule, "issuer": self.issuer, "page": self.page, "per_page": self.per_page} | changes
        return lists.shown_args(values, {"page": 1, "per_page": lists.DEFAULT_PAGE_SIZE})

    def keeps(self, todo: Any) -> bool:
        return (not self.rule or self.rule in todo.rules) and (not self.issuer or todo.issuer == self.issuer)


def _todo_filter() -> tuple[TodoFilter, list[str]]:
    """The worklist's filters (a rule, an issuer) and page; one that cannot be read is named and ignored."""
    problems: list[str] = []
    page, per_page = lists.paging(request.args.get("page", "").strip(), request.args.get("per_page", "").strip(), problems)
    return TodoFilter(request.args.get("rule", "").strip()[:60], request.args.get("issuer", "").strip()[:lists.TEXT_MAX],
                      page, per_page), problems


def _scan_url(params: ScanParams, endpoint: str = "documents.scan", **args: Any) -> str:
    return lists.url_with(endpoint, params.args() | args)


@bp.get("/scan")
@role_required(*EVERYONE)
def scan() -> Any:
    """The clean-up scan of the whole register as of a day: the summary (by issuer, by rule with its
    article) and the documents that need action, a page at a time. Scanned once per register state."""
    db = get_uow().session
    params, scan_problems = scan_params(request.args)
    todo, problems = _todo_filter()
    context: dict[str, Any] = {"params": params, "scan_problems": scan_problems, "problems": problems,
                               "scan_form": _scan_form_values(params), "jurisdictions": known_jurisdictions(),
                               "todo_filter": todo, "result": None, "scan_url": _scan_url,
                               "page_url": lambda **changes: _scan_url(params, **todo.args(**changes))}
    if scan_problems:
        return render_template("documents/scan.html", **context), 400
    result, kept = register_scan(db, params)
    rows = [r for r in result.todo if todo.keeps(r)]
    pages = Page.of(len(rows), todo.page, todo.per_page)
    wanted = [r.number for r in rows[pages.offset:pages.offset + pages.per_page]]
    records = documents_by_number(db, wanted)
    shown = [records[n] for n in wanted if n in records]
    # the kept scan holds rule ids only: the documents shown are judged again for their messages
    actions = scan_records(shown, params, actions_only=True)
    numbers = instrument_numbers(params)
    citations = [rule.citation for rule, _ in result.by_rule()] + [f["citation"] for fs in actions.values() for f in fs]
    return render_template("documents/scan.html", **context | {
        "result": result, "kept": kept, "actions": actions, "page": replace(pages, rows=shown),
        "cited": cited_instruments(citations, numbers), "short_cite": lambda c: short_cite(c, numbers)})


def _download_params() -> ScanParams:
    params, scan_problems = scan_params(request.args)
    if scan_problems:
        said = "；".join(m for ms in scan_problems.values() for m in ms)   # each already in both languages
        refuse(400, said, said)
    return params


@bp.get("/scan.csv")
@role_required(*EVERYONE)
def scan_csv() -> Any:
    """The worklist: one row per finding that needs action (write_csv = `yifa docs scan --format csv`). A
    register of more than SCAN_JOB_ROWS documents is written by the job worker (web/scan_jobs.py): a
    browser is shown the waiting page, which reloads this URL until the file is sent; a script gets 202
    with Retry-After."""
    return scan_download(get_uow().session, _download_params(), "csv", current_lang())


@bp.get("/scan.json")
@role_required(*EVERYONE)
def scan_json() -> Any:
    """Every finding of every document, exactly CASE_FORMAT §5 (write_json = `yifa docs scan --format json`);
    by the job worker for a register of more than SCAN_JOB_ROWS documents, as the CSV."""
    return scan_download(get_uow().session, _download_params(), "json", current_lang())


# ---------------------------------------------------------------- the import
IMPORT = RegisterImport(REGISTER_KIND, "documents/import.html", "document-imports", "rejected_imports")


IMPORT.add_routes(bp, EDITOR_ROLES, "a normative-document register file (CASE_FORMAT §3)")


# ---------------------------------------------------------------- one document
@dataclass(frozen=True)
class BasisLine:
    title: str
    version: date
    known: bool                     # in the law register (rules/laws.yaml)
    version_listed: bool            # the register lists a version adopted on that date
    amended_on: date | None      # the newest version adopted after issue and in force now
    amended_in_force: date | None
    newer_at_issue: date | None  # a newer version was already in force when the document was issued
    repealed_on: date | None


def basis_lines(record: NormativeDocumentRecord, as_of: date) -> list[BasisLine]:
    """The document's basis laws against the law register: unknown titles, amendments since issue."""
    laws = default_laws()
    out = []
    for basis in from_record(record).basis:
        known = laws.known(basis.title)
        since = max(basis.version, record.issued_on)
        amended = laws.amended_after(basis.title, since, as_of) if known else None
        at_issue = laws.amended_after(basis.title, basis.version, record.issued_on) if known else None
        out.append(BasisLine(basis.title, basis.version, known, known and laws.version(basis.title, basis.version) is not None,
                             amended.adopted_on if amended else None, amended.effective_from if amended else None,
                             at_issue.adopted_on if at_issue else None, laws.repealed_by(basis.title, as_of) if known else None))
    return out


def _record(number: str) -> NormativeDocumentRecord:
    return found(document_by_number(get_uow().session, number), f"登记表中没有文号为 {number[:lists.TEXT_MAX]} 的文件",
                 f"No document numbered {number[:lists.TEXT_MAX]}")


def _document_page(number: str, errors: dict[str, list[str]] | None = None, values: dict[str, str] | None = None,
                   status: int = 200) -> Any:
    record = _record(number)
    db = get_uow().session
    today = clock.today()
    params, scan_problems = scan_params(request.args if request.method == "GET" else {})
    findings = None if scan_problems else scan_records([record], params)[record.number]
    return render_template("documents/show.html", d=record, doc=from_record(record), basis=basis_lines(record, today),
                           events=timeline(db, CHAIN_PREFIX + record.number), findings=findings,
                           groups=by_topic(findings or []), actions=needs_action(findings or []),
                           params=params, scan_problems=scan_problems, scan_form=_scan_form_values(params),
                           jurisdictions=known_jurisdictions(), can_review=current_user.has_role(*REVIEWERS),
                           errors=errors or {}, values=values or {"on": today.isoformat()},
                           today=today.isoformat()), 400 if scan_problems and status == 200 else status


@bp.get("/<path:number>")
@role_required(*EVERYONE)
def show(number: str) -> Any:
    """One document: every §3 field, its basis laws checked against the law register, the scan's findings
    by topic as of `as_of` (default today), its trail."""
    return _document_page(number)


@bp.post("/<path:number>/review")
@role_required(*REVIEWERS)
def review(number: str) -> Any:
    """Record a clean-up review (engine.documents.reviews.mark_reviewed): status, review date, reason in the trail."""
    values = {k: request.form.get(k, "") for k in ("outcome", "reason", "on")}
    _record(number)                                    # 404 before anything else
    errors: dict[str, list[str]] = {}
    try:
        on = date.fromisoformat(values["on"].strip()) if values["on"].strip() else clock.today()
    except ValueError:
        errors["on"] = [both(f"日期无效 {values['on'][:20]!r}，应为 YYYY-MM-DD",
                             f"invalid date {values['on'][:20]!r}, expected YYYY-MM-DD")]
    else:
        if on > clock.today():
            errors["on"] = [both("评估日期不得晚于今天", "The review date may not be in the future")]
    if values["outcome"] not in OUTCOMES:
        errors["outcome"] = [both("请选择评估结论", "Choose an outcome")]
    if not values["reason"].strip():
        errors["reason"] = [both("须说明理由", "A reason is required")]
    if errors:
        return _document_page(number, errors, values, 400)
    uow = get_uow()
    try:
        record = mark_reviewed(uow, number, values["outcome"], values["reason"].strip(), current_user.username, on)
    except InputError as refused:
        uow.rollback()
        for p in refused.problems:
            field = p.path if p.path in FIELD_NAMES else "outcome"
            errors.setdefault(field, []).append(p.message)
        return _document_page(number, errors, values, 400)
    except UnknownDocumentError:
        uow.rollback()
        refuse(404, f"登记表中没有文号为 {number[:lists.TEXT_MAX]} 的文件",
               f"No document numbered {number[:lists.TEXT_MAX]}")
    uow.commit()
    outcome = values["outcome"]
    flash(both(f"已记录清理评估：{record.number} {OUTCOME_ZH[outcome]}（状态：{STATUS_NAMES[record.status][0]}）",
               f"Clean-up review recorded: {record.number} {OUTCOME_EN[outcome]} (status: {STATUS_NAMES[record.status][1]})"),
          "success")
    return redirect(url_for("documents.show", number=record.number))


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"column_name": column_name, "kind_name": lambda v: lists.named(KIND_NAMES, v),
            "status_name": lambda v: lists.named(STATUS_NAMES, v), "sets_name": lambda v: lists.named(SETS_NAMES, v),
            "action_name": lambda v: lists.named(ACTION_NAMES, v), "field_name": lambda v: lists.named(FIELD_NAMES, v),
            "outcome_names": {k: (OUTCOME_ZH[k], OUTCOME_EN[k]) for k in OUTCOMES},
            "status_names": STATUS_NAMES, "kind_names": KIND_NAMES, "sets_names": SETS_NAMES, "statuses": STATUSES,
            "kinds": KINDS, "all_sets": SETS, "needs_action": needs_action, "page_sizes": lists.PAGE_SIZES, "worst": worst, "severity_zh": SEVERITY_ZH,
            "reason_zh": REASON_ZH, "show_url": _show_url}


def _show_url(number: str, params: ScanParams | None = None) -> str:
    """A document's page, judged on the same day under the same rulebook as the page linking to it."""
    return url_for("documents.show", number=number, **(params.args() if params else {}))
