"""Fixtures of the web tests: an app on a fresh SQLite database in a temporary instance folder.

    app          the app (TESTING, CSRF on — as in production)
    client       its test client;  runner: its CLI runner
    login_as     login_as("auditor") signs a fresh user of that role in through the real form
    make_user    make_user("li", ["legality_reviewer"], password=…, active=True)
    csrf_token   csrf_token("/login") reads the token from the form a GET of that page shows
    post_form    post_form("/login", {...}) posts a form with the token read from the page (or `page=`)
    tamper       tamper("UPDATE trail_events …", c=…) runs SQL past the append-only triggers, as an attacker could
"""
from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import event, text

import engine.accounts.use_cases
from engine.store.db import upgrade
from engine.store.uow import UnitOfWork
from web import create_app
from web.db import get_engine

PASSWORD = "test-password-0123"
CSRF_INPUT = re.compile(r'<input[^>]*\bname="csrf_token"[^>]*>')
VALUE = re.compile(r'\bvalue="([^"]*)"')


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """A SQLite file migrated to the newest revision once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "yifa.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch) -> None:
    """Cheap argon2 parameters: the tests sign in hundreds of times (production keeps the defaults)."""
    quick = PasswordHasher(time_cost=1, memory_cost=256, parallelism=1)
    monkeypatch.setattr(engine.accounts.use_cases, "hasher", lambda: quick)


@pytest.fixture
def app(tmp_path, monkeypatch, migrated_sqlite) -> Iterator[Flask]:
    """The app on a fresh database in a temporary instance folder; nothing read from the caller's env."""
    for name in ("DATABASE_URL", "YIFA_SECRET_KEY", "YIFA_BEHIND_TLS", "YIFA_PROXIES", "YIFA_DEMO", "YIFA_TRAIL_KEY",
                 "YIFA_CHECKPOINT_MINUTES", "YIFA_EDIT_CPU_SECONDS", "YIFA_EDIT_MEMORY_MB"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("YIFA_INSTANCE", str(tmp_path))
    shutil.copy(migrated_sqlite, tmp_path / "yifa.sqlite3")
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path),
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'yifa.sqlite3'}"})
    yield app
    get_engine_of(app).dispose()


def get_engine_of(app: Flask) -> Any:
    with app.app_context():
        return get_engine()


@pytest.fixture
def sql_seen(app) -> Callable[[Callable[[], Any]], tuple[Any, list[str]]]:
    """Run a request (any call) and give its result and every SQL statement the app's database ran for it."""

    def run(call: Callable[[], Any]) -> tuple[Any, list[str]]:
        statements: list[str] = []

        def seen(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        engine = get_engine_of(app)
        event.listen(engine, "before_cursor_execute", seen)
        try:
            return call(), statements
        finally:
            event.remove(engine, "before_cursor_execute", seen)
    return run


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def uow(app) -> Callable[..., UnitOfWork]:
    """Units of work on the app's database, outside any request: `with uow() as u: …`."""
    return lambda **options: UnitOfWork(get_engine_of(app), **options)


@pytest.fixture
def make_user(uow) -> Callable[..., str]:
    """Add a user (if missing) with roles and a password; give the username."""

    def make(username: str, roles: list[str], password: str = PASSWORD, active: bool = True,
             display_name: str = "") -> str:
        from engine.accounts.models import User
        with uow() as u:
            if u.session.get(User, username) is None:
                engine.accounts.use_cases.create_user(u.session, username, display_name or f"测试{username}", roles,
                                         password, active)
                u.commit()
        return username

    return make


def read_csrf_token(html: str) -> str:
    """The CSRF token of the first form in a page."""
    tag = CSRF_INPUT.search(html)
    assert tag, "no csrf_token field in the page"
    value = VALUE.search(tag.group(0))
    assert value, "the csrf_token field has no value"
    return value.group(1)


@pytest.fixture
def csrf_token(client) -> Callable[[str], str]:
    """GET a page and read the CSRF token of its form."""

    def read(page: str) -> str:
        response = client.get(page)
        assert response.status_code == 200, f"GET {page} gave {response.status_code}"
        return read_csrf_token(response.get_data(as_text=True))

    return read


@pytest.fixture
def post_form(client, csrf_token) -> Callable[..., Any]:
    """POST a form to `path` with the CSRF token of the form shown at `page` (default: `path`)."""

    def post(path: str, data: dict[str, Any], page: str | None = None, **kwargs: Any) -> Any:
        token = csrf_token(page or path)
        return client.post(path, data={**data, "csrf_token": token}, **kwargs)

    return post


@pytest.fixture
def login_as(client, make_user, post_form) -> Callable[..., str]:
    """Sign in through the real form as a (new) user holding `role`; give the username."""

    def login(role: str, username: str | None = None, roles: list[str] | None = None) -> str:
        name = make_user(username or role, roles or [role])
        if client.get("/login").status_code == 302:  # someone is signed in: sign them out first
            post_form("/logout", {})
        response = post_form("/login", {"username": name, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return name

    return login


@pytest.fixture
def seeded(app) -> None:
    """The demo (web/demo.py: 宁河区 with its units, users, cases and registers) in the app's database."""
    from web.demo import seed_demo
    with app.app_context():
        seed_demo(get_engine())


@pytest.fixture
def sign_in(client, post_form, seeded) -> Callable[[str], None]:
    """Sign in through the real form as a demo user, by username (web/demo.py DEMO_USERS's password)."""
    from web.demo import DEMO_USERS
    passwords = {u.username: u.password for u in DEMO_USERS}

    def sign(username: str) -> None:
        if client.get("/login").status_code == 302:          # someone is signed in: sign them out first
            post_form("/logout", {})
        answer = post_form("/login", {"username": username, "password": passwords[username]})
        assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    return sign


@pytest.fixture
def tamper(app) -> Callable[..., None]:
    """Run SQL as an attacker with full database access would: the append-only triggers dropped first."""
    engine = get_engine_of(app)

    def run(sql: str, **params: object) -> None:
        with engine.connect() as connection:
            query = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name LIKE 'trail_%'"
            triggers = connection.execute(text(query)).all()
            for name, _ in triggers:
                connection.execute(text(f"DROP TRIGGER {name}"))
            connection.execute(text(sql), params)
            for _, ddl in triggers:
                connection.execute(text(ddl))
            connection.commit()

    return run
