"""Fixtures every test directory shares (a conftest never imports another conftest's fixtures).

    frozen_today      (autouse, session) YIFA_TODAY = tests.days.TODAY: the app in this process and
                      every `yifa` the tests start take that day as today, on any machine's date;
                      and YIFA_CACHE = a folder of the session (compiled rulebooks, never the user's)
    postgresql_server the PostgreSQL server of the tests (127.0.0.1:5432), or a skip saying why
    db_url            a fresh, empty database: SQLite, then PostgreSQL (each test runs on both)
    engine            an engine on a database at the newest revision: a copy of a template migrated
                      once per session (the SQLite file copied, the PostgreSQL database cloned)
    uow               units of work on that database: `with uow() as u: …`
    cli_template      a SQLite database made once by `yifa db upgrade` and `yifa user add` (CLI_USERS)
    cli_instance      an instance folder (tmp_path/instance) holding a copy of that database
"""
from __future__ import annotations

import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from engine.store.db import make_engine, upgrade
from engine.store.uow import UnitOfWork
from tests.days import TODAY
from tests.yifa_cli import run_yifa

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
CLI_USERS = (("zhang", "official"), ("li", "legality_reviewer"), ("wang", "secretary"), ("liu", "legal_advisor"))


@pytest.fixture(scope="session", autouse=True)
def frozen_today(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every test, and every process a test starts, takes tests.days.TODAY as today, keeps its
    compiled rulebooks in a folder of the session and runs its jobs at once."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("YIFA_TODAY", TODAY.isoformat())
        patch.setenv("YIFA_CACHE", str(tmp_path_factory.mktemp("yifa-cache")))
        patch.setenv("YIFA_JOBS", "immediate")      # a job runs in the request (tests/web/test_jobs.py runs a worker)
        yield


# ---------------------------------------------------------------- databases: SQLite and PostgreSQL
def _admin_connection():
    import psycopg

    return psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=3)


@pytest.fixture(scope="session")
def postgresql_server() -> str:
    """The PostgreSQL server of the tests, or a skip saying why it cannot be used."""
    try:
        _admin_connection().close()
    except Exception as exc:  # any failure to connect means: not reachable
        pytest.skip(f"PostgreSQL not reachable at 127.0.0.1:5432: {exc}".strip())
    return PG_SERVER


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new PostgreSQL database dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'yifa.sqlite3'}"
        return
    yield request.getfixturevalue("postgresql_url")


@pytest.fixture
def postgresql_url(postgresql_server) -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards (for what only PostgreSQL does)."""
    name = f"yifa_test_{secrets.token_hex(6)}"
    with _admin_connection() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{postgresql_server}/{name}"
    finally:
        with _admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file migrated to the newest revision once; `engine` copies it."""
    path = tmp_path_factory.mktemp("sqlite-template") / "yifa.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgresql_template(postgresql_server) -> Iterator[str]:
    """A PostgreSQL database migrated to the newest revision once; `engine` clones it."""
    name = f"yifa_template_{secrets.token_hex(6)}"
    with _admin_connection() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        upgrade(f"{postgresql_server}/{name}")
        yield name
    finally:
        with _admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def engine(request, db_url) -> Iterator[Engine]:
    """An engine on the test database, migrated to the newest revision (a copy of the template)."""
    if db_url.startswith("sqlite:///"):
        shutil.copy(request.getfixturevalue("sqlite_template"), db_url.removeprefix("sqlite:///"))
    else:
        template = request.getfixturevalue("postgresql_template")
        name = db_url.rsplit("/", 1)[1]
        with _admin_connection() as admin:
            admin.execute(f'DROP DATABASE "{name}"')
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def uow(engine) -> Callable[..., UnitOfWork]:
    """Make units of work on the test database: `with uow() as u: …`."""
    return lambda **options: UnitOfWork(engine, **options)


# ---------------------------------------------------------------- `yifa` instances for the CLI tests
@pytest.fixture(scope="session")
def cli_template(tmp_path_factory) -> Path:
    """The database `yifa db upgrade` and `yifa user add` make (the users of CLI_USERS), made once."""
    instance = tmp_path_factory.mktemp("cli-template") / "instance"
    upgraded = run_yifa(instance, "db", "upgrade")
    assert upgraded.returncode == 0 and "(head)" in upgraded.stdout, upgraded.stderr
    for user, role in CLI_USERS:
        added = run_yifa(instance, "user", "add", user, "--role", role, "--name", user.title())
        assert added.returncode == 0 and f"added {user}" in added.stdout, added.stderr
    return instance / "yifa.sqlite3"


@pytest.fixture
def cli_instance(cli_template, tmp_path) -> Path:
    """An instance folder (tmp_path/instance) with a copy of the template database."""
    folder = tmp_path / "instance"
    folder.mkdir()
    shutil.copy(cli_template, folder / cli_template.name)
    return folder
