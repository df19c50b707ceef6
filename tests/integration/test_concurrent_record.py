"""Ten `yifa case record` processes on one case at once, on SQLite and on PostgreSQL alike.

Without `--expect-version` they take turns (PostgreSQL: the case's row lock; SQLite: BEGIN IMMEDIATE)
and every one is recorded, each on top of the one before, as consecutive events of the case's trail.
With `--expect-version` at the version all ten read, exactly one is recorded; the other nine are
refused like a closed gate (exit 1) naming the change that overtook them. The trail verifies after.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from engine.accounts.models import UnitRole, User
from engine.core.yamlio import dump_yaml
from engine.decisions.queries import get_case, trail_events
from engine.decisions.record import case_to_document, load_case
from engine.decisions.use_cases import create_case
from engine.store.uow import UnitOfWork
from tests.yifa_cli import run_yifa, start_yifa

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CASE = "NH-2025-010"
WRITERS = 10
LATER_STAGES = ("legality_review", "collective_decision", "party_report", "publication", "archive", "execution")


@pytest.fixture
def stored(engine, db_url, tmp_path) -> str:
    """A migrated database (SQLite or PostgreSQL) holding the county case before its legality review,
    an official who created it (zhang) and a legality reviewer (li); gives its URL."""
    with UnitOfWork(engine) as u:
        for name, role in (("zhang", "official"), ("li", "legality_reviewer")):
            u.session.add(User(username=name, display_name=name, active=True))
            u.session.flush()
            u.session.add(UnitRole(username=name, unit_code="root", role=role, subtree=True))
        u.commit()
    doc = case_to_document(load_case(ROOT / "examples" / "ninghe-county-road-2025.yaml"))
    for key in LATER_STAGES:
        doc.pop(key, None)
    path = tmp_path / f"{CASE}.yaml"
    path.write_text(dump_yaml({**doc, "id": CASE}), encoding="utf-8")
    with UnitOfWork(engine) as u:
        assert create_case(u, load_case(path), "zhang").version == 1
        u.commit()
    return db_url


def submissions(folder: Path) -> list[Path]:
    """Ten legality-review submissions, told apart by their reviewer."""
    paths = []
    for n in range(WRITERS):
        path = folder / f"legality-{n}.yaml"
        path.write_text(dump_yaml({"submitted_on": "2025-04-22", "reviewer": f"宁河区司法局第{n}科",
                                   "package": ["draft", "legal_basis", "procedure_explanation"]}), encoding="utf-8")
        paths.append(path)
    return paths


def record_at_once(engine, url: str, folder: Path, *extra: object) -> list[tuple[int, str, str]]:
    """Start the ten `yifa case record` at once and give each one's (exit status, stdout, stderr).

    On PostgreSQL the test holds the case's row lock until all ten are seen waiting for it, so they
    certainly overlap; on SQLite they queue for the write lock as they come."""
    instance = folder / "instance"
    holder = UnitOfWork(engine)
    with holder:
        if engine.dialect.name == "postgresql":   # the lock is taken here by hand, not by the code under test
            holder.session.execute(text("SELECT id FROM cases WHERE id = :id FOR UPDATE"), {"id": CASE})
        runs = [start_yifa(instance, "case", "record", CASE, "legality_review", path, "--as", "li", *extra,
                           database_url=url) for path in submissions(folder)]
        if engine.dialect.name == "postgresql":
            assert wait_for_waiters(engine, WRITERS, deadline=time.monotonic() + 120), "the ten never overlapped"
    outputs = [run.communicate(timeout=180) for run in runs]
    return [(run.returncode, out, err) for run, (out, err) in zip(runs, outputs)]


def wait_for_waiters(engine, count: int, deadline: float) -> bool:
    """Whether `count` sessions of this database are waiting for a row lock before the deadline."""
    query = text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                 "AND wait_event_type = 'Lock'")
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            if connection.execute(query).scalar_one() >= count:
                return True
        time.sleep(0.2)
    return False


def recorded(engine) -> tuple[int, list[tuple[int, str, int, str]]]:
    """The case's version, and its trail after the import: (seq, action, case version, reviewer)."""
    with UnitOfWork(engine, read_only=True) as u:
        version = get_case(u.session, CASE).version
        events = [(e.seq, e.action, json.loads(e.payload)) for e in trail_events(u.session, CASE)]
    assert events[0][:2] == (1, "case.created")
    return version, [(seq, action, data["case_version"], data["evidence"]["reviewer"])
                     for seq, action, data in events[1:]]


def verify(url: str, folder: Path) -> None:
    done = run_yifa(folder / "instance", "trail", "verify", CASE, database_url=url)
    assert done.returncode == 0 and "intact" in done.stdout, done.stdout + done.stderr


def test_ten_recordings_without_an_expected_version_take_turns_and_all_land(stored, engine, tmp_path):
    results = record_at_once(engine, stored, tmp_path)
    assert [status for status, _, _ in results] == [0] * WRITERS, results
    assert all("recorded legality_review" in out and "Traceback" not in err for _, out, err in results), results
    version, trail = recorded(engine)
    assert version == 1 + WRITERS
    # each on top of the one before: consecutive events, the case's version rising by one each time
    assert [(seq, version) for seq, _, version, _ in trail] == [(n, n) for n in range(2, WRITERS + 2)]
    assert [action for _, action, _, _ in trail] == ["evidence.recorded"] + ["evidence.amended"] * (WRITERS - 1)
    assert sorted(reviewer for *_, reviewer in trail) == sorted(f"宁河区司法局第{n}科" for n in range(WRITERS))
    verify(stored, tmp_path)


def test_ten_recordings_read_at_one_version_one_lands_and_nine_are_refused(stored, engine, tmp_path):
    results = record_at_once(engine, stored, tmp_path, "--expect-version", 1)
    statuses = sorted(status for status, _, _ in results)
    assert statuses == [0] + [1] * (WRITERS - 1), results
    refused = [err for status, _, err in results if status == 1]
    assert all("已被他人修改" in err and "read at version 1, now 2" in err and "evidence.recorded" in err
               and "Traceback" not in err for err in refused), refused
    winner = next(n for n, (status, _, _) in enumerate(results) if status == 0)
    version, trail = recorded(engine)
    assert version == 2
    assert trail == [(2, "evidence.recorded", 2, f"宁河区司法局第{winner}科")]
    verify(stored, tmp_path)
