"""Blueprint `catalogue` (/catalogue): the decision catalogue (决策事项目录, Decree 713 Art. 3(3)).

    GET       /catalogue                         the items: filters (unit, year, category, text), sort, pages
    GET       /catalogue/export.csv | export.xlsx  the catalogue file (= `yifa catalogue export --out`);
                                                 `?headers=zh` for the Chinese column names
    GET       /catalogue/scan                    the scan of every catalogue, item and related case as of a day
    GET       /catalogue/scan.json               its report (= `yifa catalogue scan --format json`)
                                                 (both made by the job worker when the items and stored
                                                 cases are more than SCAN_JOB_ROWS: web/scan_jobs.py)
    GET|POST  /catalogue/import                  upload a catalogue CSV or .xlsx (all or nothing, or skip the bad rows)
    GET       /catalogue/import/template.csv | .xlsx  the template: header row (Chinese; `?headers=en`), one example row
    GET       /catalogue/import/rejected/<id>    the rows an import skipped, with their reasons (CSV)

Roles: every signed-in role reads the catalogue and its scan (the auditor and the legality
reviewer included); importing is for the roles that keep it (engine.catalogue.use_cases.EDITOR_ROLES:
official, admin), checked again by the domain function. The scan takes `as_of` (default today)
and `jurisdiction` (default CN) from the query string; an unreadable one is a 400 naming the field.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user

from engine.catalogue.queries import (
    DEFAULT_SORT,
    SORTS,
    catalogue_units,
    catalogue_years,
    item_count,
    item_filters,
    item_page,
    iter_items,
    register_state,
    stored_cases,
)
from engine.catalogue.record import CATEGORIES, COLUMN_ZH
from engine.catalogue.scan import CatalogueScan, CatalogueScanner, entry_label, scan_catalogue
from engine.catalogue.use_cases import EDITOR_ROLES, REGISTER_KIND
from engine.core.check import checker_for
from engine.core.domains import CATALOGUE
from engine.core.report import SEVERITY_ZH
from engine.decisions.enums import choice_label
from engine.jobs.scans import CATALOGUE as CATALOGUE_SCAN
from engine.rulebook.loader import known_jurisdictions
from web import register_list as lists
from web.auth import EVERYONE, role_required
from web.db import get_uow
from web.document_scan import ScanParams, scan_params
from web.errors import refuse
from web.i18n import current_lang, t
from web.register_imports import RegisterImport
from web.scan_jobs import by_job, scan_download, scanned_by_job

bp = Blueprint("catalogue", __name__, url_prefix="/catalogue")

COLUMN_EN = {"year": "Year", "unit": "Unit", "item": "Item", "title": "Title", "category": "Category",
             "planned": "Planned", "published_on": "Published on", "party_consent_on": "Party consent",
             "case_id": "Case", "adjusted_reason": "Reason for adjustment"}
FIELD_NAMES = {"file": ("文件", "File"), "encoding": ("编码", "Encoding")}
CATEGORY_NAMES = {c: choice_label(c) for c in CATEGORIES}


def column_name(column: str) -> str:
    """A column's name in the request's language."""
    return t(COLUMN_ZH.get(column, column), COLUMN_EN.get(column, column))


@dataclass(frozen=True)
class ListQuery(lists.ListQuery):
    unit: str
    year: str
    category: str

    FILTERS = ("unit", "year", "category")
    SORTS = SORTS
    DEFAULT_SORT = DEFAULT_SORT
    DESCENDING_FIRST = ("year", "planned")
    ENDPOINT = "catalogue.index"


def _list_query() -> tuple[ListQuery, list[str]]:
    raw = lists.raw_args(("unit", "year", "category", "q", "sort", "page", "per_page"))
    problems: list[str] = []
    category = lists.choice(raw["category"], CATEGORIES, "未知的类别", "Unknown category", problems)
    sort = lists.sort_choice(raw["sort"], SORTS, DEFAULT_SORT, problems)
    year = raw["year"]
    if year and not (year.isdigit() and len(year) == 4):
        problems.append(t(f"年度应为四位数字：{year[:20]}", f"The year must be four digits: {year[:20]}"))
        year = ""
    page, per_page = lists.paging(raw["page"], raw["per_page"], problems)
    return ListQuery(q=raw["q"][:lists.TEXT_MAX], sort=sort, page=page, per_page=per_page,
                     unit=raw["unit"][:lists.TEXT_MAX], year=year, category=category), problems


@bp.get("")
@role_required(*EVERYONE)
def index() -> Any:
    """The catalogue's items, filtered, sorted, one page at a time."""
    db = get_uow().session
    query, problems = _list_query()
    page = item_page(db, item_filters(query.unit, int(query.year) if query.year else None, query.category, query.q),
                     query.sort, query.page, query.per_page)
    return render_template("catalogue/index.html", page=page, query=query, problems=problems,
                           units=catalogue_units(db, lists.MAX_CHOICES), years=[str(y) for y in catalogue_years(db, lists.MAX_CHOICES)],
                           categories=CATEGORIES, register_total=item_count(db),
                           can_import=current_user.has_role(*EDITOR_ROLES))


lists.add_export(bp, REGISTER_KIND, in_memory=True)


def _scan_state(params: ScanParams) -> tuple[Any, tuple[int, int, int], str]:
    """The session, the state of what the scan reads (items and stored cases) and the rulebook's version."""
    session = get_uow().session
    return session, register_state(session), checker_for(params.jurisdiction, domain=CATALOGUE).book.version


def _scanned(params: ScanParams) -> CatalogueScan:
    """The whole scan: made here, or by the job worker for a register of more than SCAN_JOB_ROWS items
    and cases (ScanPending, answered with the job's progress, until it is kept)."""
    session, state, version = _scan_state(params)
    if by_job(state[0]):
        return scanned_by_job(session, CATALOGUE_SCAN, state, params.as_of, params.jurisdiction, version)
    return scan_catalogue(CatalogueScanner(params.as_of, params.jurisdiction), iter_items(session),
                          stored_cases(session))


@bp.get("/scan")
@role_required(*EVERYONE)
def scan() -> Any:
    """Every catalogue, item and related case judged as of a day; those needing action first listed."""
    params, scan_problems = scan_params(request.args)
    form = {"as_of": request.args.get("as_of", "").strip()[:20] or params.as_of.isoformat(),
            "jurisdiction": params.jurisdiction}
    context: dict[str, Any] = {"params": params, "scan_problems": scan_problems, "scan_form": form,
                               "jurisdictions": known_jurisdictions(), "scans": None}
    if scan_problems:
        return render_template("catalogue/scan.html", **context), 400
    scanned = _scanned(params)
    return render_template("catalogue/scan.html", **context | {"scans": scanned, "todo": scanned.todo,
                                                               "counts": scanned.counts, "rulebook": scanned.rulebook})


@bp.get("/scan.json")
@role_required(*EVERYONE)
def scan_json() -> Any:
    """The scan's report (write_json = `yifa catalogue scan --format json`): written here, or by the job
    worker for a large register (the same bytes)."""
    params, scan_problems = scan_params(request.args)
    if scan_problems:
        said = "；".join(m for ms in scan_problems.values() for m in ms)
        refuse(400, said, said)
    session, state, version = _scan_state(params)
    return scan_download(session, CATALOGUE_SCAN, state, params.as_of, params.jurisdiction, version,
                         {"format": "json", "lang": current_lang()}, f"catalogue-scan-{params.as_of.isoformat()}.json")


IMPORT = RegisterImport(REGISTER_KIND, "catalogue/import.html", "catalogue-imports", "rejected_catalogue_imports")


IMPORT.add_routes(bp, EDITOR_ROLES, "a decision catalogue file")


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"column_name": column_name, "category_name": lambda v: lists.named(CATEGORY_NAMES, v),
            "field_name": lambda v: lists.named(FIELD_NAMES, v), "page_sizes": lists.PAGE_SIZES, "severity_zh": SEVERITY_ZH,
            "entry_label": lambda e: entry_label(e, current_lang() == "zh")}
