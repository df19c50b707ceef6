"""Fixtures of the register tests: a clerk, an auditor, the fixtures folder (the databases: tests/conftest.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

import engine.core.schema  # noqa: F401  (every table joins Base.metadata)
from engine.accounts.use_cases import create_user

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def clerk(uow) -> str:
    """A user of the 司法所 who keeps the register."""
    with uow() as u:
        create_user(u.session, "sifasuo", "岳龙镇司法所", ["legality_reviewer"])
        u.commit()
    return "sifasuo"


@pytest.fixture
def auditor(uow) -> str:
    """An auditor: reads the registers, keeps none."""
    with uow() as u:
        create_user(u.session, "auditor1", "审计", ["auditor"])
        u.commit()
    return "auditor1"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
