"""Fixtures of the register tests: the storage fixtures (SQLite and PostgreSQL), a clerk, the fixtures folder."""
from __future__ import annotations

from pathlib import Path

import pytest

import engine.core.schema  # noqa: F401  (every table joins Base.metadata)
from engine.accounts.use_cases import create_user
from tests.store.conftest import db_url, engine, postgresql_server, uow  # noqa: F401

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def clerk(uow) -> str:
    """A user of the 司法所 who keeps the register."""
    with uow() as u:
        create_user(u.session, "sifasuo", "岳龙镇司法所", ["legality_reviewer"])
        u.commit()
    return "sifasuo"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
