"""Fixtures of the storage tests: each test runs on SQLite and on PostgreSQL (127.0.0.1:5432)."""
from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, text

from engine.store.db import make_engine, upgrade
from engine.store.uow import UnitOfWork

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"


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
    server = request.getfixturevalue("postgresql_server")
    name = f"yifa_test_{secrets.token_hex(6)}"
    with _admin_connection() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with _admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def engine(db_url) -> Iterator[Engine]:
    """An engine on a database migrated to the newest revision."""
    upgrade(db_url)
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def uow(engine) -> Callable[..., UnitOfWork]:
    """Make units of work on the test database: `with uow() as u: …`."""
    return lambda **options: UnitOfWork(engine, **options)


@pytest.fixture
def tamper(engine) -> Callable[..., None]:
    """Run SQL as an attacker with full database access would: with the append-only triggers off."""

    def run(sql: str, **params: object) -> None:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(text("SET LOCAL session_replication_role = replica"))
                connection.execute(text(sql), params)
            else:
                triggers = connection.execute(text(
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name LIKE 'trail_%'")).scalars().all()
                for name in connection.execute(text(
                        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name LIKE 'trail_%'")).scalars().all():
                    connection.execute(text(f"DROP TRIGGER {name}"))
                connection.execute(text(sql), params)
                for ddl in triggers:
                    connection.execute(text(ddl))
            connection.commit()

    return run


@pytest.fixture
def add_users(uow) -> Callable[[dict[str, list[str]]], None]:
    """Create users with their roles: `add_users({"zhang": ["official"], …})`."""
    from engine.accounts.models import User, UserRole

    def add(roles_by_user: dict[str, list[str]]) -> None:
        with uow() as u:
            for name, roles in roles_by_user.items():
                u.session.add(User(username=name, display_name=name, active=True))
                u.session.flush()
                u.session.add_all(UserRole(username=name, role=r) for r in roles)
            u.commit()
    return add
