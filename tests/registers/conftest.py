"""Fixtures of the register tests: a clerk, an auditor, the fixtures folder (the databases: tests/conftest.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

import engine.core.schema  # noqa: F401  (every table joins Base.metadata)
from engine.accounts.use_cases import create_user

FIXTURES = Path(__file__).parent / "fixtures"


def _user(uow, username: str, display_name: str, role: str) -> str:
    with uow() as u:
        create_user(u.session, username, display_name, [role])
        u.commit()
    return username


@pytest.fixture
def clerk(uow) -> str:
    """A user of the 司法所 who keeps the register."""
    return _user(uow, "sifasuo", "岳龙镇司法所", "legality_reviewer")


@pytest.fixture
def auditor(uow) -> str:
    """An auditor: reads the registers, keeps none."""
    return _user(uow, "auditor1", "审计", "auditor")


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
