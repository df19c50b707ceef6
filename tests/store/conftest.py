"""Fixtures of the storage tests (db_url, engine, uow: tests/conftest.py — each test runs on SQLite and
on PostgreSQL at 127.0.0.1:5432)."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text


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
    from engine.accounts.models import UnitRole, User

    def add(roles_by_user: dict[str, list[str]]) -> None:
        with uow() as u:
            for name, roles in roles_by_user.items():
                u.session.add(User(username=name, display_name=name, active=True))
                u.session.flush()
                u.session.add_all(UnitRole(username=name, unit_code="root", role=r, subtree=True) for r in roles)
            u.commit()
    return add
