"""Blueprint `credit` (/credit): the administrative-penalty register (CASE_FORMAT §4) and credit repair (§6, SPEC §C).

    GET       /credit                           the register: filters, sort, pages (paginated in SQL)
    GET       /credit/export.csv | export.xlsx  the register in the §4 format (= `yifa credit export --out`);
                                                `?headers=zh` for the Chinese column names
    GET|POST  /credit/import                    upload a register CSV or .xlsx (all or nothing, or skip the bad rows)
    GET       /credit/import/template.csv | .xlsx  the template: header row (Chinese; `?headers=en`), one example row
    GET       /credit/import/rejected/<id>      the rows an import skipped, with their reasons (CSV)
    GET       /credit/follow-ups                the authorities' follow-ups as of a day, grouped by authority
    GET       /credit/follow-ups.csv            the same list as CSV (= `yifa credit scan --format csv`)
    GET       /credit/scan.json                 the scan, exactly §6 (= `yifa credit scan --format json`)
                                                (both, for a register above SCAN_JOB_ROWS: written by the job worker)
    GET       /credit/<case_number>             one penalty: regime, periods, eligibility, findings, timeline
    POST      /credit/<case_number>/record/<kind>  record a follow-up done: fulfilment, commitment,
                                                repair_decision, withdrawal (engine.credit.use_cases)

Roles: every signed-in role reads (the register, the follow-ups, a record, the exports). Importing
and recording a follow-up (the record page's forms, shown only to them) are for the roles that keep the register (engine.credit.use_cases.EDITOR_ROLES: official,
legality reviewer, admin); `import_penalties` checks them again.

The judging is the engine's (`CreditScanner`); the follow-up list of the whole register is kept per
process while the register, the day and the rulebook stay the same (web/credit_followups.py).
`as_of` (YYYY-MM-DD, default today) picks the day on the record page, the follow-ups and the
exports of the scan; a date that cannot be read is a 400 naming the field.

Case numbers contain Chinese and 〔〕: URLs are built with url_for (percent-encoded); `<path:…>`
keeps a number containing "/" reachable. A number spelled exactly "import", "export.csv",
"follow-ups", "follow-ups.csv" or "scan.json" has no page of its own.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import Session

from engine.core import clock
from engine.core.check import checker_for
from engine.core.domains import CREDIT
from engine.core.errors import InputError
from engine.credit.models import CATEGORIES
from engine.credit.queries import (
    DEFAULT_SORT,
    SORTS,
    penalty_authorities,
    penalty_by_number,
    penalty_count,
    penalty_filters,
    penalty_page,
)
from engine.credit.use_cases import (
    COLUMN_ZH,
    EDITOR_ROLES,
    FOLLOW_UP_COLUMNS,
    REGISTER_KIND,
    from_record,
    record_commitment,
    record_fulfilment,
    record_repair_decision,
    record_withdrawal,
)
from engine.credit.vocab import ACTION_NAMES, ACTIONS, MISSING
from engine.jobs.scans import FOLLOW_UPS
from engine.registers.listing import Page
from web import credit_followups as followups
from web import register_list as lists
from web.auth import EVERYONE, role_required
from web.config import credit_jurisdiction
from web.credit_record import record_view
from web.db import get_uow
from web.errors import found, refuse
from web.i18n import both, current_lang, t
from web.register_imports import RegisterImport
from web.scan_jobs import scan_download

bp = Blueprint("credit", __name__, url_prefix="/credit")

# ---------------------------------------------------------------- names, both languages
COLUMN_EN = {"case_number": "Decision number", "party": "Party", "credit_code": "Credit code",
             "authority": "Penalising authority", "decided_on": "Decided on", "category": "Category",
             "published_on": "Published on", "fulfilled_on": "Performed on", "commitment_on": "Commitment",
             "training_on": "Training", "credit_report_on": "Credit report", "repair_applied_on": "Repair applied",
             "repair_decided_on": "Repair decided", "repair_result": "Repair result", "revoked_on": "Revoked on",
             "withdrawn_on": "Withdrawn on", "sector": "Sector"}
CATEGORY_NAMES = {"minor": ("轻微失信", "Minor"), "general": ("一般失信", "General"), "severe": ("严重失信", "Severe"),
                  "specified_severe": ("特定严重失信", "Specified severe")}
MISSING_NAMES = {"min_period": ("最短公示期未满", "minimum period not yet served"),
                 "fulfilment": ("处罚义务未履行完毕", "penalty not yet performed"),
                 "commitment": ("未作出信用承诺", "no credit commitment"),
                 "training": ("未参加信用修复培训", "no credit-repair training"),
                 "credit_report": ("未提交信用报告", "no credit report")}
RESULT_NAMES = {"granted": ("准予修复", "Granted"), "refused": ("不予修复", "Refused")}
FIELD_NAMES = {"file": ("文件", "File"), "encoding": ("编码", "Encoding"), "as_of": ("查看日期", "As of"),
               "action": ("跟进事项", "Action")}
TRAIL_ACTIONS = {"penalty.imported": ("导入登记表", "Imported"), "penalty.updated": ("登记信息更新", "Updated"),
                 "penalty.fulfilment_recorded": ("登记履行完毕", "Performance recorded"),
                 "penalty.commitment_recorded": ("登记信用承诺", "Credit commitment recorded"),
                 "penalty.repair_decided": ("登记信用修复决定", "Repair decision recorded"),
                 "penalty.withdrawn": ("登记撤下公示", "Withdrawal recorded")}
# the record page's follow-up forms: kind → (title, button), both languages
FOLLOW_UP_FORMS = {"fulfilment": (("履行完毕", "Obligations performed"), ("登记履行完毕", "Record performance")),
                   "commitment": (("信用承诺", "Credit commitment"), ("登记信用承诺", "Record the commitment")),
                   "repair_decision": (("信用修复决定", "Repair decision"), ("登记修复决定", "Record the decision")),
                   "withdrawal": (("撤下公示", "Publication withdrawn"), ("登记撤下公示", "Record the withdrawal"))}

def column_name(column: str) -> str:
    """A §4 column's name in the request's language."""
    return t(COLUMN_ZH.get(column, column), COLUMN_EN.get(column, column))


def _as_of(problems: list[str] | None = None) -> date:
    """The `as_of` parameter (default today). One that is not a date is named: on a page (`problems`
    given) beside its field, the page shown as of today; on a download, refused with 400."""
    raw = request.args.get("as_of", "").strip()
    if not raw:
        return clock.today()
    try:
        return clock.parse_day(raw)
    except ValueError:
        if problems is None:
            refuse(400, f"as_of（查看日期）：日期无效 {raw[:20]!r}，应为 YYYY-MM-DD",
                   f"as_of: invalid date {raw[:20]!r}, expected YYYY-MM-DD")
        problems.append(t(f"查看日期不是有效日期：{raw[:20]}（应为 YYYY-MM-DD），已按今天显示",
                          f"As of is not a valid date: {raw[:20]} (expected YYYY-MM-DD); shown as of today"))
        return clock.today()


def _action() -> str:
    """The `action` filter (empty: every action); 400 naming the field when it is not one of §6's."""
    action = request.args.get("action", "").strip()
    if action and action not in ACTIONS:
        refuse(400, f"action（跟进事项）：取值无效 {action[:40]!r}，应为 {' | '.join(ACTIONS)} 之一",
               f"action: invalid value {action[:40]!r}, expected one of {' | '.join(ACTIONS)}")
    return action


def _page_args(problems: list[str]) -> tuple[int, int]:
    """`page` and `per_page` from the query string; a value that cannot be read is named and ignored."""
    return lists.paging(request.args.get("page", "").strip(), request.args.get("per_page", "").strip(), problems)


def _authorities(db: Session, chosen: str = "") -> list[str]:
    """The distinct stored authorities (the authority index), and the chosen one if it is not stored."""
    found = penalty_authorities(db, lists.MAX_CHOICES)
    if chosen and chosen not in found:
        found.append(chosen)
    return found


# ---------------------------------------------------------------- the register list
@dataclass(frozen=True)
class ListQuery(lists.ListQuery):
    authority: str
    category: str
    decided_from: str
    decided_to: str

    FILTERS = ("authority", "category", "decided_from", "decided_to")
    SORTS = SORTS
    DEFAULT_SORT = DEFAULT_SORT
    DESCENDING_FIRST = ("decided_on",)           # the date newest first; text A–Z
    ENDPOINT = "credit.index"


def _day_filter(raw: str, zh: str, en: str, problems: list[str]) -> str:
    if not raw:
        return ""
    try:
        return clock.parse_day(raw).isoformat()
    except ValueError:
        pass
    problems.append(t(f"{zh}不是有效日期：{raw[:20]}", f"{en} is not a valid date: {raw[:20]}"))
    return ""


def _list_query() -> tuple[ListQuery, list[str]]:
    """The list's filters from the query string; a value that cannot be read is named and ignored."""
    raw = lists.raw_args(("authority", "category", "decided_from", "decided_to", "q", "sort"))
    problems: list[str] = []
    category = lists.choice(raw["category"], CATEGORIES, "未知的失信类别", "Unknown category", problems)
    sort = lists.sort_choice(raw["sort"], SORTS, DEFAULT_SORT, problems)
    since = _day_filter(raw["decided_from"], "处罚决定日期（起）", "Decided from", problems)
    until = _day_filter(raw["decided_to"], "处罚决定日期（止）", "Decided until", problems)
    page, per_page = _page_args(problems)
    return ListQuery(q=raw["q"][:lists.TEXT_MAX], sort=sort, page=page, per_page=per_page,
                     authority=raw["authority"][:lists.TEXT_MAX], category=category, decided_from=since,
                     decided_to=until), problems


def _day(iso: str) -> date | None:
    return date.fromisoformat(iso) if iso else None


@bp.get("")
@role_required(*EVERYONE)
def index() -> Any:
    """The register: number, party, code, authority, category, dates, repair; filtered, sorted, a page at a time."""
    db = get_uow().session
    query, problems = _list_query()
    filters = penalty_filters(query.authority, query.category, _day(query.decided_from), _day(query.decided_to), query.q)
    page = penalty_page(db, filters, query.sort, query.page, query.per_page)
    return render_template("credit/index.html", page=page, query=query, problems=problems,
                           authorities=_authorities(db, query.authority), register_total=penalty_count(db),
                           can_import=current_user.has_role(*EDITOR_ROLES))


# ---------------------------------------------------------------- downloads
lists.add_export(bp, REGISTER_KIND)


@bp.get("/follow-ups.csv")
@role_required(*EVERYONE)
def follow_ups_csv() -> Response:
    """The follow-up list as CSV (write_follow_ups_csv: one row per follow-up, in register order), filtered
    by `authority` and `action`. A register of more than SCAN_JOB_ROWS penalties is written by the job
    worker (web/scan_jobs.py): a browser is shown the waiting page, which reloads this URL until the
    file is sent; a script gets 202 with Retry-After."""
    as_of, action = _as_of(), _action()
    authority = request.args.get("authority", "").strip()[:lists.TEXT_MAX]
    return _scan_download(as_of, {"format": "csv", "lang": current_lang(), "authority": authority, "action": action},
                          f"credit-follow-ups-{as_of.isoformat()}.csv")


@bp.get("/scan.json")
@role_required(*EVERYONE)
def scan_json() -> Response:
    """The scan of the stored register in exactly CASE_FORMAT §6 (write_json), as of a day, for one authority
    or all; by the job worker for a register of more than SCAN_JOB_ROWS penalties, as the CSV."""
    as_of = _as_of()
    authority = request.args.get("authority", "").strip()[:lists.TEXT_MAX]
    return _scan_download(as_of, {"format": "json", "lang": current_lang(), "authority": authority, "action": ""},
                          f"credit-scan-{as_of.isoformat()}.json")


def _scan_download(as_of: date, download: dict[str, str], name: str) -> Response:
    """The register's scan as a download (web/scan_jobs.scan_download: by the job worker for a large one)."""
    session, jurisdiction = get_uow().session, credit_jurisdiction()
    version = checker_for(jurisdiction, domain=CREDIT).book.version
    return scan_download(session, FOLLOW_UPS, followups.register_state(session), as_of, jurisdiction, version,
                         download, name)


# ---------------------------------------------------------------- the follow-ups
@dataclass(frozen=True)
class FollowUpQuery:
    as_of: date
    authority: str
    action: str
    page: int
    per_page: int

    def args(self, **changes: Any) -> dict[str, Any]:
        values = {"as_of": self.as_of.isoformat(), "authority": self.authority, "action": self.action,
                  "page": self.page, "per_page": self.per_page} | changes
        return lists.shown_args(values, {"as_of": clock.today().isoformat(), "page": 1, "per_page": lists.DEFAULT_PAGE_SIZE})


def _follow_url(query: FollowUpQuery, endpoint: str = "credit.follow_ups", **changes: Any) -> str:
    args = query.args(**changes)
    if endpoint != "credit.follow_ups":
        args.pop("page", None)
        args.pop("per_page", None)
    return lists.url_with(endpoint, args)


@bp.get("/follow-ups")
@role_required(*EVERYONE)
def follow_ups() -> Any:
    """The authorities' follow-ups as of a day: counts per authority, then the list grouped by authority,
    overdue first; the scan of the whole register is kept while nothing changes, the page cut after."""
    db = get_uow().session
    problems: list[str] = []
    as_of, action = _as_of(problems), _action()
    authority = request.args.get("authority", "").strip()[:lists.TEXT_MAX]
    page, per_page = _page_args(problems)
    query = FollowUpQuery(as_of, authority, action, page, per_page)
    listing = followups.follow_up_list(db, as_of, credit_jurisdiction())
    chosen = listing.matching(authority, action)
    pages = Page.of(len(chosen), page, per_page)
    shown = chosen[pages.offset:pages.offset + per_page]
    scanner = followups.scanner_for(as_of, credit_jurisdiction())
    counts = {c.authority: c for c in listing.by_authority(chosen)}
    records = listing.records_by_authority.get(authority, 0) if authority else listing.records
    return render_template("credit/follow_ups.html", query=query, listing=listing, pages=pages, shown=shown,
                           details=followups.page_details(db, scanner, shown), counts=counts,
                           overview=listing.by_authority(listing.matching("", action)), problems=problems,
                           total=len(chosen), overdue=sum(i.overdue for i in chosen), records=records,
                           authorities=_authorities(db, authority), actions=ACTIONS,
                           earlier={i.authority for i in chosen[:pages.offset]},
                           listing_regime_date=scanner.checker.context["regime_date"])


# ---------------------------------------------------------------- the import
IMPORT = RegisterImport(REGISTER_KIND, "credit/import.html", "penalty-imports", "rejected_penalty_imports")


IMPORT.add_routes(bp, EDITOR_ROLES, "a penalty register file (CASE_FORMAT §4)")


# ---------------------------------------------------------------- one penalty
@bp.get("/<path:case_number>")
@role_required(*EVERYONE)
def show(case_number: str) -> Any:
    """One penalty as of a day: the §4 fields, the governing regime, the periods, what is missing,
    the findings by topic, the open follow-ups, and its timeline (dates, due dates, trail events)."""
    return _record_page(case_number)


def _record_page(case_number: str, kind: str = "", errors: dict[str, list[str]] | None = None,
                 values: dict[str, str] | None = None, status: int = 200) -> Any:
    """The record's page; after a refused follow-up form, that form with its errors and the values typed."""
    problems: list[str] = []
    as_of = _as_of(problems)
    db = get_uow().session
    row = found(penalty_by_number(db, case_number), f"登记表中没有文号为 {case_number[:lists.TEXT_MAX]} 的处罚决定",
                f"No penalty numbered {case_number[:lists.TEXT_MAX]}")
    scanner = followups.scanner_for(as_of, credit_jurisdiction())
    view = record_view(db, scanner, from_record(row))
    return render_template("credit/show.html", row=row, v=view, as_of=as_of, today=clock.today(), problems=problems,
                           regime_date=scanner.checker.context["regime_date"],
                           forms=_open_forms(row, kind) if current_user.has_role(*EDITOR_ROLES) else [],
                           form_kind=kind, errors=errors or {}, values=values or {}), status


def _open_forms(row: Any, refused: str = "") -> list[str]:
    """The follow-ups that can still be recorded on this penalty: their columns are empty (a withdrawal: once
    published); and the form just refused, shown again with its errors."""
    return [kind for kind, columns in FOLLOW_UP_COLUMNS.items()
            if kind == refused or (all(getattr(row, c) is None for c in columns)
                                   and (kind != "withdrawal" or row.published_on))]


RECORDERS = {"fulfilment": lambda uow, n, v, who, today: record_fulfilment(uow, n, v["fulfilled_on"], who, today),
             "commitment": lambda uow, n, v, who, today: record_commitment(uow, n, v["commitment_on"], who, today),
             "repair_decision": lambda uow, n, v, who, today: record_repair_decision(
                 uow, n, v["repair_decided_on"], v["repair_result"], who, today),
             "withdrawal": lambda uow, n, v, who, today: record_withdrawal(uow, n, v["withdrawn_on"], who, today)}


@bp.post("/<path:case_number>/record/<kind>")
@role_required(*EDITOR_ROLES)
def record_follow_up(case_number: str, kind: str) -> Any:
    """Record a follow-up done (engine.credit.use_cases): refused, the page again with the form's errors
    beside their fields and what was typed; recorded, the page with the event in its timeline."""
    if kind not in FOLLOW_UP_COLUMNS:
        refuse(404, f"没有名为 {kind[:40]} 的跟进登记", f"No follow-up form named {kind[:40]}")
    values = {c: request.form.get(c, "")[:lists.TEXT_MAX] for c in FOLLOW_UP_COLUMNS[kind]}
    uow = get_uow()
    try:
        RECORDERS[kind](uow, case_number, values, current_user.username, clock.today())
    except InputError as refused:
        uow.rollback()
        if any(p.path == "case_number" for p in refused.problems):
            refuse(404, f"登记表中没有文号为 {case_number[:lists.TEXT_MAX]} 的处罚决定",
                   f"No penalty numbered {case_number[:lists.TEXT_MAX]}")
        errors: dict[str, list[str]] = {}
        for p in refused.problems:
            errors.setdefault(p.path, []).append(p.message)
        return _record_page(case_number, kind, errors, values, 400)
    uow.commit()
    title = FOLLOW_UP_FORMS[kind][0]
    flash(both(f"已登记：{title[0]}（{case_number}）", f"Recorded: {title[1]} ({case_number})"), "success")
    return redirect(url_for("credit.show", case_number=case_number, _anchor="follow-ups"))


@bp.context_processor
def _helpers() -> dict[str, Any]:
    from engine.core.report import REASON_ZH, SEVERITY_ZH
    return {"column_name": column_name, "category_name": lambda v: lists.named(CATEGORY_NAMES, v),
            "action_name": lambda v: lists.named(ACTION_NAMES, v), "missing_name": lambda v: lists.named(MISSING_NAMES, v),
            "result_name": lambda v: lists.named(RESULT_NAMES, v), "field_name": lambda v: lists.named(FIELD_NAMES, v),
            "trail_action_name": lambda v: lists.named(TRAIL_ACTIONS, v), "categories": CATEGORIES, "missing_words": MISSING,
            "follow_up_forms": FOLLOW_UP_FORMS, "follow_url": _follow_url, "page_sizes": lists.PAGE_SIZES,
            "severity_zh": SEVERITY_ZH, "reason_zh": REASON_ZH}
