"""Fixtures of the register tests: a clerk, an auditor, the fixtures folder (the databases: tests/conftest.py)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

import engine.core.schema  # noqa: F401  (every table joins Base.metadata)
from engine.accounts.use_cases import create_user

ROOT = Path(__file__).resolve().parents[2]
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


class Ran(NamedTuple):
    """What a `yifa …` run gave: its exit code, its stdout as bytes (an .xlsx) and as text, its stderr."""
    code: int
    raw: bytes
    out: str
    err: str


@pytest.fixture
def yifa(db_url, uow, tmp_path):
    """Run `python -m engine.cli …` on the test database (migrated: a copy of the session's template,
    tests/conftest.py) where zhang is an official; never a traceback."""
    _user(uow, "zhang", "Zhang", "official")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "YIFA_INSTANCE": str(tmp_path / "instance"),
           "DATABASE_URL": db_url}

    def run(*args) -> Ran:
        proc = subprocess.run([sys.executable, "-m", "engine.cli", *map(str, args)], capture_output=True,
                              cwd=ROOT, env=env)
        err = proc.stderr.decode("utf-8")
        assert "Traceback" not in err, err
        return Ran(proc.returncode, proc.stdout, proc.stdout.decode("utf-8", "replace"), err)

    return run
