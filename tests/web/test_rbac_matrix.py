"""The RBAC matrix: every route × every role × every method it accepts (CASE_FORMAT and the role table in README).

For each route of `app.url_map` (but static, /health, /login, /logout and /api/openapi.json), each
role and each method the route accepts (GET, and POST/PUT/DELETE where accepted), signed in as the
demo user of that role:

    403  exactly when the role is not among the roles `ALLOWED` (a table written in this file, not
         read from the decorators it tests) gives for that method and route;
    never 500 (nor 403 for a role that may use the view);

and signed out: pages redirect to /login (302), /api/ answers 401.

URL parameters are real demo ids (the demo township seeded once into a template instance, copied
for every test, so a POST of one test never changes the next one's data); every unsafe request
carries a valid CSRF token, so the answer is the role check's and not the CSRF check's. A stage in
the URL or the body is one the role records (the services check that again, server-side): the
matrix tests the view's role check, not the stage-recorder rule.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask

from engine.store.db import upgrade
from tests.days import TODAY
from tests.web.conftest import read_csrf_token

ROLES = ("official", "legality_reviewer", "legal_advisor", "secretary", "auditor", "admin")
USER_OF = {"official": "official", "legality_reviewer": "reviewer", "legal_advisor": "advisor",
           "secretary": "secretary", "auditor": "auditor", "admin": "admin"}     # web/demo.py DEMO_USERS
EXEMPT_PATHS = {"/health", "/login", "/logout", "/api/openapi.json",
                "/calendar/<secret>.ics"}     # the calendar feed: its secret is the key (tests/web/test_reminders.py)
META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')

CASE = "YL-DEMO-01"            # created by `official`, in public participation
DOCUMENT = "宁河政规〔2020〕1号"  # a demo normative document (web/demo_documents.csv): its number, percent-encoded in URLs
PENALTY = "岳龙综执罚〔2024〕12号"  # a demo penalty (web/demo_penalties.csv): its case number, percent-encoded in URLs
TARGET_USER = "rbac-target"    # the admin's routes act on this user, never on a demo user
OTHER_UNIT = "fengtai"         # a sibling of 岳龙镇, where the demo's records are (web/demo.py DEMO_UNITS)
OTHER_UNIT_USER = {r: f"rbac-{r.replace('_', '-')}-ft" for r in ("official", "legality_reviewer", "legal_advisor",
                                                                 "secretary", "auditor", "admin")}
RECORD_PARAMS = ("<case_id>", "<att_id>", "<path:number>", "<path:case_number>")   # a URL naming one record
STAGE_OF = {"official": "initiation", "legality_reviewer": "legality_review", "secretary": "collective_decision"}
ENV = ("YIFA_INSTANCE", "DATABASE_URL", "YIFA_SECRET_KEY", "YIFA_BEHIND_TLS", "YIFA_PROXIES", "YIFA_DEMO")

# Cells where the view's decorator lets the role in but the services refuse it, whatever the input:
# the API's MOVERS/ADJUSTERS include admin, yet engine/accounts/access.py lets only the stage's recorder
# (official / legality reviewer / secretary) record or move a stage — the admin is never one.
# Strict: the day the decorator and the services agree, these start passing and must be removed.
SERVICE_REFUSES: dict[tuple[str, str], str] = {}   # (endpoint, role) the view admits but a service refuses


# ---------------------------------------------------------------- what each role may do, written down
# (method, route) → the roles that may use it (anyone else gets 403). Written here, not read from the
# decorators under test: a changed decorator fails the matrix until this table is changed with it, and
# a route missing from the table fails too. The auditor reads everything it may see but changes
# nothing, except the checks that only read (verifying a trail, checking a case file, its own tokens).
OFFICIAL, REVIEWER, ADVISOR, SECRETARY, AUDITOR, ADMIN = ROLES
EVERYONE = frozenset(ROLES)
IMPORT_ROUTES = (("GET", ""), ("POST", ""), ("GET", "/rejected/<rejected_id>"), ("GET", "/jobs/<job_id>"),
                 ("GET", "/jobs/<job_id>/rejected.csv"), ("GET", "/template.csv"), ("GET", "/template.xlsx"))


def _register(prefix: str, keepers: set[str]) -> dict[tuple[str, str], frozenset[str] | set[str]]:
    """The routes every register has: its list and exports read by everyone, its import used by its keepers."""
    read = {("GET", prefix + page): EVERYONE for page in ("", "/export.csv", "/export.xlsx")}
    return {**read, **{(method, f"{prefix}/import{page}"): keepers for method, page in IMPORT_ROUTES}}


ALLOWED: dict[tuple[str, str], frozenset[str] | set[str]] = {
    ("GET", "/"):                                                  EVERYONE,
    ("GET", "/account/password"):                                  EVERYONE,
    ("POST", "/account/password"):                                 EVERYONE,
    ("POST", "/account/tokens"):                                   EVERYONE,
    ("GET", "/account/tokens"):                                    EVERYONE,
    ("POST", "/account/tokens/<int:token_id>/revoke"):             EVERYONE,
    ("GET", "/account/reminders"):                                 EVERYONE,
    ("POST", "/account/reminders/email"):                          EVERYONE,
    ("POST", "/account/reminders/feed"):                           EVERYONE,
    ("POST", "/account/reminders/feed/revoke"):                    EVERYONE,
    ("POST", "/admin/users"):                                      {ADMIN},
    ("GET", "/admin/users"):                                       {ADMIN},
    ("GET", "/admin/units"):                                       {ADMIN},
    ("POST", "/admin/units"):                                      {ADMIN},
    ("GET", "/admin/users/<username>"):                            {ADMIN},
    ("POST", "/admin/users/<username>/active"):                    {ADMIN},
    ("POST", "/admin/users/<username>/password"):                  {ADMIN},
    ("POST", "/admin/users/<username>/roles"):                     {ADMIN},
    ("POST", "/admin/users/<username>/tokens"):                    {ADMIN},
    ("POST", "/admin/users/<username>/tokens/<int:token_id>/revoke"): {ADMIN},
    ("POST", "/api/cases"):                                        {OFFICIAL, ADMIN},
    ("GET", "/api/cases"):                                         EVERYONE,
    ("GET", "/api/cases/<case_id>"):                               EVERYONE,
    ("POST", "/api/cases/<case_id>/adjust"):                       {SECRETARY, ADMIN},
    ("POST", "/api/cases/<case_id>/advance"):                      {OFFICIAL, REVIEWER, SECRETARY},
    ("GET", "/api/cases/<case_id>/report"):                        EVERYONE,
    ("PUT", "/api/cases/<case_id>/stages/<stage>"):                {OFFICIAL, REVIEWER, SECRETARY},
    ("GET", "/api/cases/<case_id>/trail"):                         EVERYONE,
    ("POST", "/api/cases/<case_id>/trail/verify"):                 EVERYONE,
    ("POST", "/api/check"):                                        EVERYONE,
    ("POST", "/api/me/tokens"):                                    EVERYONE,
    ("GET", "/api/me/tokens"):                                     EVERYONE,
    ("DELETE", "/api/me/tokens/<int:token_id>"):                   EVERYONE,
    ("GET", "/audit"):                                             {AUDITOR, ADMIN},
    ("GET", "/audit/cases/<case_id>"):                             {AUDITOR, ADMIN},
    ("GET", "/audit/cases/<case_id>/case.yaml"):                   {AUDITOR, ADMIN},
    ("GET", "/audit/cases/<case_id>/dossier"):                     {AUDITOR, ADMIN},
    ("GET", "/audit/cases/<case_id>/dossier.pdf"):                 {AUDITOR, ADMIN},
    ("GET", "/audit/cases/<case_id>/export.json"):                 {AUDITOR, ADMIN},
    ("POST", "/audit/cases/<case_id>/verify"):                     {AUDITOR, ADMIN},
    ("POST", "/audit/verify-all"):                                 {AUDITOR, ADMIN},
    ("GET", "/cases"):                                             EVERYONE,
    ("GET", "/cases/"):                                            EVERYONE,
    ("GET", "/cases/<case_id>"):                                   EVERYONE,
    ("POST", "/cases/<case_id>/adjust"):                           {SECRETARY},
    ("POST", "/cases/<case_id>/advance"):                          {OFFICIAL, REVIEWER, SECRETARY},
    ("GET", "/cases/<case_id>/attachments/<att_id>"):              EVERYONE,
    ("GET", "/cases/<case_id>/graph.svg"):                         EVERYONE,
    ("POST", "/cases/<case_id>/stages/<stage>"):                   {OFFICIAL, REVIEWER, SECRETARY},
    ("GET", "/cases/<case_id>/stages/<stage>"):                    EVERYONE,
    ("POST", "/cases/<case_id>/stages/<stage>/attachments"):       {OFFICIAL, REVIEWER, SECRETARY},
    ("GET", "/cases/new"):                                         {OFFICIAL, ADMIN},
    ("POST", "/cases/new"):                                        {OFFICIAL, ADMIN},
    **_register("/catalogue", {OFFICIAL, ADMIN}),
    ("GET", "/catalogue/scan"):                                    EVERYONE,
    ("GET", "/catalogue/scan.json"):                               EVERYONE,
    **_register("/credit", {OFFICIAL, REVIEWER, ADMIN}),
    ("GET", "/credit/<path:case_number>"):                         EVERYONE,
    ("GET", "/credit/follow-ups"):                                 EVERYONE,
    ("GET", "/credit/follow-ups.csv"):                             EVERYONE,
    ("POST", "/credit/<path:case_number>/record/<kind>"):         {OFFICIAL, REVIEWER, ADMIN},
    ("GET", "/credit/scan.json"):                                  EVERYONE,
    ("GET", "/report/annual"):                                     {SECRETARY, AUDITOR, ADMIN},
    ("GET", "/dashboard"):                                         {OFFICIAL, REVIEWER, SECRETARY, AUDITOR, ADMIN},
    **_register("/documents", {OFFICIAL, REVIEWER, ADMIN}),
    ("GET", "/documents/<path:number>"):                           EVERYONE,
    ("POST", "/documents/<path:number>/review"):                   {REVIEWER, ADVISOR, ADMIN},
    ("GET", "/documents/scan"):                                    EVERYONE,
    ("GET", "/documents/scan.csv"):                                EVERYONE,
    ("GET", "/documents/scan.json"):                               EVERYONE,
    ("GET", "/rules"):                                             EVERYONE,
    ("GET", "/rules/"):                                            EVERYONE,
    ("GET", "/rules/<path:rel>"):                                  EVERYONE,
    ("POST", "/rules/edit/preview"):                               {ADVISOR, ADMIN},
    ("POST", "/rules/edit/revert"):                                {ADVISOR, ADMIN},
    ("POST", "/rules/edit/save"):                                  {ADVISOR, ADMIN},
    ("GET", "/rules/history"):                                     EVERYONE,
}


# ---------------------------------------------------------------- the routes, read once at collection
def _routes() -> list[tuple[str, str, str]]:
    """(rule, endpoint, method) of every route the matrix covers, from a throwaway app."""
    from web import create_app
    saved = {k: os.environ.get(k) for k in ENV}
    with tempfile.TemporaryDirectory(prefix="yifa-rbac-routes-") as folder:
        try:
            os.environ["YIFA_INSTANCE"] = folder
            os.environ.pop("DATABASE_URL", None)
            app = create_app({"TESTING": True, "INSTANCE_PATH": folder,
                              "DATABASE_URL": f"sqlite:///{Path(folder) / 'yifa.sqlite3'}"})
            routes = _covered(app)
            _dispose(app)
        finally:
            _restore(saved)
    return routes


def _covered(app: Flask) -> list[tuple[str, str, str]]:
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule in EXEMPT_PATHS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule.rule, rule.endpoint, method))
    return sorted(out)


def _dispose(app: Flask) -> None:
    from web.db import get_engine
    with app.app_context():
        get_engine().dispose()


def _restore(saved: dict[str, str | None]) -> None:
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


ROUTES = _routes()


def _id(route: tuple[str, str, str]) -> str:
    return f"{route[2]} {route[0]}"


# ---------------------------------------------------------------- the demo, seeded once
@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """An instance folder with the demo township, a target user with a token, and one attachment."""
    import engine.accounts.use_cases
    from engine.decisions.attachments import upload_attachment
    from engine.store.uow import UnitOfWork
    from web import create_app
    from web.db import get_engine
    from web.demo import seed_demo
    folder = tmp_path_factory.mktemp("rbac-demo")
    saved = {k: os.environ.get(k) for k in ENV}
    try:
        os.environ["YIFA_INSTANCE"] = str(folder)
        for key in ENV[1:]:
            os.environ.pop(key, None)
        url = f"sqlite:///{folder / 'yifa.sqlite3'}"
        upgrade(url)
        app = create_app({"TESTING": True, "INSTANCE_PATH": str(folder), "DATABASE_URL": url})
        with app.app_context():
            db = get_engine()
            seed_demo(db)
            with UnitOfWork(db) as uow:
                engine.accounts.use_cases.create_user(uow.session, TARGET_USER, "权限矩阵测试用户", ["official"],
                                         "target-password-0123")
                engine.accounts.use_cases.issue_token(uow.session, TARGET_USER, "rbac", "admin")
                for role in ROLES:            # each role once more, in the other township (the unit dimension)
                    engine.accounts.use_cases.create_user(uow.session, OTHER_UNIT_USER[role], f"丰台镇{role}", [role],
                                                          "other-unit-password-0123", unit=OTHER_UNIT)
                upload_attachment(uow, CASE, "initiation", "立项报告.txt", "立项报告\n".encode(), "official")
                uow.commit()
            db.dispose()
    finally:
        _restore(saved)
    return folder


@pytest.fixture
def ids(demo_template) -> dict[str, str]:
    """Real ids of the template for the URL parameters."""
    from sqlalchemy import create_engine, select

    from engine.accounts.models import ApiToken
    from engine.decisions.models import Attachment
    db = create_engine(f"sqlite:///{demo_template / 'yifa.sqlite3'}")
    with db.connect() as conn:
        att = conn.execute(select(Attachment.id).where(Attachment.case_id == CASE)).scalar_one()
        token = conn.execute(select(ApiToken.id).where(ApiToken.username == TARGET_USER)).scalar_one()
    db.dispose()
    return {"case_id": CASE, "att_id": str(att), "username": TARGET_USER, "token_id": str(token),
            "rel": "CN/decree-713.yaml", "number": quote(DOCUMENT), "case_number": quote(PENALTY),
            "kind": "fulfilment",                   # a follow-up form of the penalty page
            "rejected_id": "no-such-rejected-file",    # a download of this session's rejected rows: 404 for the allowed
            "job_id": "NoSuchImportJob0"}             # an import job of the signed-in user: 404 for the allowed


@pytest.fixture
def demo_app(demo_template, tmp_path, monkeypatch) -> Any:
    """The app on a fresh copy of the demo instance (POSTs of one test never reach the next)."""
    import web.audit
    from web import create_app
    folder = tmp_path / "instance"
    shutil.copytree(demo_template, folder)
    for name in ENV[1:]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("YIFA_INSTANCE", str(folder))
    # the PDF route would start chromium for every auditor/admin cell: the role check is what is tested,
    # so chromium is stood in for, and the cell runs the same with or without it installed (no 501)
    import engine.decisions.pdf
    monkeypatch.setattr(web.audit, "chromium_path", lambda: "/usr/bin/chromium")
    monkeypatch.setattr(engine.decisions.pdf, "print_pdf", lambda html: b"%PDF-1.7\n%%EOF\n")
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(folder),
                      "DATABASE_URL": f"sqlite:///{folder / 'yifa.sqlite3'}"})
    yield app
    _dispose(app)


# ---------------------------------------------------------------- requests
def _url(rule: str, ids: dict[str, str], role: str | None) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1).split(":")[-1]
        if name == "stage":
            return STAGE_OF.get(role or "", "initiation")
        assert name in ids, f"no demo value for the URL parameter <{name}> of {rule}: add it to `ids`"
        return ids[name]
    return re.sub(r"<([^>]+)>", value, rule)


def _sign_in(client: Any, role: str, username: str | None = None) -> None:
    """A session for the demo user of `role`, or for `username` (the sign-in form itself is tested
    in test_auth.py)."""
    from engine.accounts.use_cases import account
    from engine.store.uow import UnitOfWork
    from tests.web.conftest import get_engine_of
    from web.auth import SESSION_VERSION
    with UnitOfWork(get_engine_of(client.application), read_only=True) as u:
        version = account(u.session, username or USER_OF[role]).session_version
    with client.session_transaction() as s:
        s["_user_id"] = username or USER_OF[role]
        s["_fresh"] = True                    # (no signed_in_at: this session is never too old,
                                              # the eight-hour limit is tested in test_auth.py)
        s[SESSION_VERSION] = version          # as a sign-in records it (web/auth.py)
        s.permanent = True


def _token(client: Any, signed_in: bool) -> str:
    """A valid CSRF token of this client's session."""
    page = client.get("/" if signed_in else "/login")
    assert page.status_code == 200, f"GET {'/' if signed_in else '/login'} gave {page.status_code}"
    html = page.get_data(as_text=True)
    found = META_CSRF.search(html)
    return found.group(1) if found else read_csrf_token(html)


def _body(endpoint: str, role: str | None) -> dict[str, Any]:
    """A plausible body: enough that the view runs past its first field (the answer may still be 400/409)."""
    today = TODAY.isoformat()
    stage = STAGE_OF.get(role or "", "initiation")
    return {
        "cases.advance": {"stage": stage, "on": today, "version": "1"},
        "cases.record": {"version": "1"},
        "cases.new": {"id": "RBAC-1", "title": "权限矩阵测试", "jurisdiction": "CN-12/ninghe/yuelong"},
        "rules.preview": {"file": "CN/decree-713.yaml", "text": "not: [a rule file"},
        "rules.save": {"file": "CN/decree-713.yaml", "text": "not: [a rule file", "reason": "rbac"},
        "rules.revert": {"file": "CN/decree-713.yaml", "reason": "rbac"},
        "admin.create": {"username": "rbac-new", "display_name": "新用户", "roles": "official",
                         "password": "new-password-0123"},
        "admin.update_roles": {"roles": "official"},
        "admin.set_active": {"active": "1"},
        "admin.reset_password": {"password": "another-password-0123"},
        "admin.issue": {"label": "rbac"},
        "api.create_case": {"id": "RBAC-2", "title": "权限矩阵测试", "jurisdiction": "CN-12/ninghe/yuelong"},
        "api.advance": {"stage": stage, "on": today},
        "api.record_evidence": {"section": {}},
        "api.adjust": {"kind": "suspend", "reason": "权限矩阵测试", "on": today},
        "api.check": {"id": "RBAC-3", "title": "权限矩阵测试"},
        "api.issue_my_token": {"label": "rbac"},
        "documents.review": {"outcome": "kept", "reason": "权限矩阵测试", "on": today},
    }.get(endpoint, {})


def _request(client: Any, method: str, url: str, endpoint: str, role: str | None) -> Any:
    if method == "GET":
        return client.get(url)
    token = _token(client, signed_in=role is not None)
    body = _body(endpoint, role)
    if url.startswith("/api/"):
        return client.open(url, method=method, json=body, headers={"X-CSRFToken": token})
    return client.open(url, method=method, data={**body, "csrf_token": token})


def _may(rule: str, method: str, role: str) -> bool:
    """Whether the table lets `role` use `method rule`; a route missing from the table fails the test."""
    assert (method, rule) in ALLOWED, f"{method} {rule} is not in ALLOWED: write down the roles that may use it"
    return role in ALLOWED[(method, rule)]


# ---------------------------------------------------------------- the matrix
def _cells() -> list[Any]:
    out = []
    for route in ROUTES:
        for role in ROLES:
            why = SERVICE_REFUSES.get((route[1], role))
            marks = [pytest.mark.xfail(strict=True, reason=why)] if why else []
            out.append(pytest.param(route, role, id=f"{_id(route)} as {role}", marks=marks))
    return out


@pytest.mark.slow
@pytest.mark.parametrize(("route", "role"), _cells())
def test_a_role_gets_403_exactly_when_the_view_excludes_it(route, role, demo_app, ids):
    rule, endpoint, method = route
    client = demo_app.test_client()
    _sign_in(client, role)
    url = _url(rule, ids, role)
    response = _request(client, method, url, endpoint, role)
    status, text = response.status_code, response.get_data().decode("utf-8", "replace")   # .xlsx: bytes
    response.close()                  # a download holds its file open until closed
    expected = "not 403" if _may(rule, method, role) else "403"
    where = f"{method} {url} ({endpoint}) as {role}: got {status}, expected {expected}"
    assert status < 500, where + "\n" + text[:1500]
    assert (status == 403) == (expected == "403"), where + "\n" + text[:800]


def _record_cells() -> list[Any]:
    return [pytest.param(route, role, id=f"{_id(route)} as {role} of {OTHER_UNIT}")
            for route in ROUTES if any(p in route[0] for p in RECORD_PARAMS) for role in ROLES]


@pytest.mark.slow
@pytest.mark.parametrize(("route", "role"), _record_cells())
def test_a_role_of_another_unit_finds_no_record_of_this_one(route, role, demo_app, ids):
    """The unit dimension: the same role held in a sibling township (丰台镇) is refused the record of
    岳龙镇 that the URL names — 404 where the role may use the route (the record is not shown to
    exist), 403 where it may not use it at all; never the record."""
    rule, endpoint, method = route
    client = demo_app.test_client()
    _sign_in(client, role, OTHER_UNIT_USER[role])
    url = _url(rule, ids, role)
    response = _request(client, method, url, endpoint, role)
    status, text = response.status_code, response.get_data().decode("utf-8", "replace")
    response.close()
    expected = 404 if _may(rule, method, role) else 403
    assert status == expected, f"{method} {url} ({endpoint}) as {role} of {OTHER_UNIT}: got {status}, " \
                               f"expected {expected}\n{text[:800]}"


@pytest.mark.slow
@pytest.mark.parametrize("route", ROUTES, ids=_id)
def test_signed_out_pages_go_to_the_sign_in_page_and_the_api_answers_401(route, demo_app, ids):
    rule, endpoint, method = route
    client = demo_app.test_client()
    url = _url(rule, ids, None)
    response = _request(client, method, url, endpoint, None)
    response.close()
    if url.startswith("/api/"):
        assert response.status_code == 401, f"{method} {url} signed out: got {response.status_code}, expected 401"
        assert response.is_json and response.get_json()["error"]["code"] == "unauthorized"
    else:
        assert response.status_code == 302, f"{method} {url} signed out: got {response.status_code}, expected 302"
        assert response.headers["Location"].startswith("/login"), response.headers["Location"]


def test_the_table_has_exactly_the_routes_of_the_app():
    """Every route is written down (a new one must be) and the table names no route the app lacks."""
    routes = {(method, rule) for rule, _, method in ROUTES}
    assert sorted(routes - ALLOWED.keys()) == [], "routes missing from ALLOWED"
    assert sorted(ALLOWED.keys() - routes) == [], "ALLOWED names routes the app does not have"
    assert all(roles <= EVERYONE and roles for roles in ALLOWED.values())


def test_every_covered_view_declares_its_roles(demo_app):
    """A view without role_required would be a hole the matrix cannot see: none may lack it."""
    assert _covered(demo_app) == ROUTES
    missing = [f"{_id(r)} ({r[1]})" for r in ROUTES if not hasattr(demo_app.view_functions[r[1]], "required_roles")]
    assert missing == []


def test_the_exempt_routes_are_the_public_ones(demo_app):
    """What the matrix leaves out is public on purpose: health, sign-in, sign-out, the OpenAPI document."""
    client = demo_app.test_client()
    assert client.get("/health").status_code == 200
    assert client.get("/login").status_code == 200
    assert client.get("/api/openapi.json").status_code == 200
    assert client.get("/logout").status_code == 302          # signed out: off to the sign-in page
    assert client.get("/calendar/yifa_cal_not-a-feed.ics").status_code == 404   # only a live secret opens it


def test_the_document_scan_and_its_downloads_are_in_the_matrix_for_every_role(demo_app):
    """The clean-up scan is read by every signed-in role, like the register it scans."""
    scan = {(r[0], r[2]) for r in ROUTES if r[1] in ("documents.scan", "documents.scan_csv", "documents.scan_json")}
    assert scan == {("/documents/scan", "GET"), ("/documents/scan.csv", "GET"), ("/documents/scan.json", "GET")}
    for endpoint in ("documents.scan", "documents.scan_csv", "documents.scan_json"):
        assert set(demo_app.view_functions[endpoint].required_roles) == set(ROLES)


def _assert_register_pages(app, name: str, others: set[tuple[str, str]], read: tuple[str, ...],
                           keep: tuple[str, ...], keepers: tuple[str, ...]) -> None:
    """The routes of the blueprint `name` are its register's (list, exports, import) and `others`, each
    (method, rule); its views `read` declare every role, its views `keep` the register's keepers."""
    routes = {(method, rule) for rule, endpoint, method in ROUTES if endpoint.startswith(f"{name}.")}
    assert routes == set(_register(f"/{name}", set())) | others
    for endpoint in read:
        assert set(app.view_functions[endpoint].required_roles) == set(ROLES), endpoint
    for endpoint in keep:
        assert set(app.view_functions[endpoint].required_roles) == set(keepers), endpoint


def test_the_credit_pages_are_in_the_matrix_read_by_every_role_imported_by_the_keepers(demo_app):
    """Every signed-in role reads the penalty register and its follow-ups; the keepers import."""
    from engine.credit.use_cases import EDITOR_ROLES
    _assert_register_pages(
        demo_app, "credit",
        {("GET", "/credit/follow-ups"), ("GET", "/credit/follow-ups.csv"), ("GET", "/credit/scan.json"),
         ("GET", "/credit/<path:case_number>"), ("POST", "/credit/<path:case_number>/record/<kind>")},
        read=("credit.index", "credit.export_csv", "credit.follow_ups", "credit.follow_ups_csv", "credit.scan_json",
              "credit.show"),
        keep=("credit.import_register", "credit.rejected_csv", "credit.import_template", "credit.record_follow_up",
              "credit.import_job", "credit.import_job_rejected"),
        keepers=EDITOR_ROLES)


def test_the_catalogue_pages_are_in_the_matrix_read_by_every_role_imported_by_its_keepers(demo_app):
    """Every signed-in role (the auditor, the reviewer) reads the decision catalogue and its scan; its keepers import."""
    from engine.catalogue.use_cases import EDITOR_ROLES
    _assert_register_pages(
        demo_app, "catalogue", {("GET", "/catalogue/scan"), ("GET", "/catalogue/scan.json")},
        read=("catalogue.index", "catalogue.export_csv", "catalogue.scan", "catalogue.scan_json"),
        keep=("catalogue.import_register", "catalogue.rejected_csv", "catalogue.import_template",
              "catalogue.import_job", "catalogue.import_job_rejected"),
        keepers=EDITOR_ROLES)
