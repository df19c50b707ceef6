"""Reliability, on SQLite and PostgreSQL: racing writers, a writer killed mid-way, a trail tampered
with by hand and caught by `yifa trail verify`, malformed imports refused whole."""
from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.core.errors import ConflictError, GateClosedError, InputError, StageOrderError
from engine.core.yamlio import LoadedYaml, dump_yaml
from engine.decisions.models import CaseRecord, FindingRecord, StageEvidence
from engine.decisions.record import case_to_document, load_case, parse_case
from engine.decisions.use_cases import advance_stage, create_case, import_cases, record_evidence
from engine.store.models import RulebookVersion, TrailEvent, TrailHead
from engine.store.uow import UnitOfWork
from engine.trail import verify_all

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "ninghe-county-road-2025.yaml"
ROLES = {"zhang": ["official"], "li": ["legality_reviewer"], "wang": ["secretary"]}
ROUNDS = 5


@pytest.fixture
def people(add_users):
    add_users(ROLES)


def decided_document(case_id: str = "NH-2025-003") -> dict:
    """The county example after its collective decision: next comes the Party report (then publication)."""
    doc = case_to_document(load_case(EXAMPLE))
    for key in ("party_report", "publication", "archive", "execution"):
        doc.pop(key, None)
    return {**doc, "id": case_id}


def create_decided(uow, case_id: str) -> int:
    """Store a decided case; give its version."""
    with uow() as u:
        outcome = create_case(u, parse_case(LoadedYaml(decided_document(case_id)), case_id), "zhang",
                              as_of=date(2025, 5, 16))
        u.commit()
    return outcome.version


def count(session, model, case_id: str | None = None) -> int:
    stmt = select(func.count()).select_from(model)
    if case_id is not None:
        stmt = stmt.where(model.case_id == case_id)
    return session.scalar(stmt)


def snapshot(engine, case_id: str) -> dict:
    """Everything a use case may write, as stored (committed) now."""
    with UnitOfWork(engine, read_only=True) as u:
        record = u.session.get(CaseRecord, case_id)
        return {"document": record.document, "version": record.version, "stage": record.stage,
                "workflow": record.workflow,
                "stage_evidence": count(u.session, StageEvidence, case_id),
                "findings": count(u.session, FindingRecord, case_id),
                "trail_events": count(u.session, TrailEvent),
                "heads": sorted(u.session.execute(select(TrailHead.case_id, TrailHead.seq, TrailHead.hash)).all()),
                "rulebook_versions": count(u.session, RulebookVersion)}


def chains_ok(engine, case_id: str | None = None) -> bool:
    with UnitOfWork(engine, read_only=True) as u:
        statuses = verify_all(u.session, case_id)
    return bool(statuses) and all(s.ok for s in statuses)


def advance_events(engine, case_id: str, stage: str) -> list[dict]:
    with UnitOfWork(engine, read_only=True) as u:
        payloads = u.session.scalars(select(TrailEvent.payload).where(
            TrailEvent.case_id == case_id, TrailEvent.action == "stage.advanced").order_by(TrailEvent.seq)).all()
    return [p for p in map(json.loads, payloads) if p["stage_entered"] == stage]


def race(calls) -> list:
    """Run the calls in two threads, each in its own unit of work, released together right before the call."""
    start = threading.Barrier(len(calls))

    def run(call):
        with call.uow() as u:
            start.wait(30)
            try:
                outcome = call(u)
                u.commit()
                return outcome
            except (ConflictError, StageOrderError, GateClosedError) as refused:
                return refused

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


class Call:
    def __init__(self, uow, fn):
        self.uow, self.fn = uow, fn

    def __call__(self, u):
        return self.fn(u)


# ---------------------------------------------------------------- two writers at once
@pytest.mark.slow
def test_two_concurrent_advances_of_one_case_read_at_one_version_exactly_one_wins(uow, engine, people):
    for n in range(ROUNDS):
        case_id = f"NH-RACE-{n}"
        read = create_decided(uow, case_id)

        def advance(u, case_id=case_id, read=read):
            return advance_stage(u, case_id, "party_report", "wang", date(2025, 5, 20), expected_version=read)

        results = race([Call(uow, advance), Call(uow, advance)])
        won = [r for r in results if not isinstance(r, Exception)]
        lost = [r for r in results if isinstance(r, Exception)]
        assert len(won) == 1 and len(lost) == 1, results
        conflict = lost[0]
        assert isinstance(conflict, ConflictError), conflict
        assert (conflict.expected, conflict.actual) == (read, read + 1)
        assert "stage.advanced" in str(conflict) and "wang" in str(conflict)  # names what changed, and who
        after = snapshot(engine, case_id)
        assert (after["version"], after["stage"]) == (read + 1, "party_report")
        assert after["document"]["party_report"] == {"reported_on": "2025-05-20"}
        assert after["findings"] == 2  # the import's check and the winner's
        assert len(advance_events(engine, case_id, "party_report")) == 1
        assert chains_ok(engine, case_id)
    assert chains_ok(engine)


@pytest.mark.slow
def test_two_concurrent_advances_without_a_version_never_advance_twice(uow, engine, people):
    """As `yifa case advance` runs without --expect-version: the loser is refused cleanly, whatever it read."""
    for n in range(ROUNDS):
        case_id = f"NH-FREE-{n}"
        read = create_decided(uow, case_id)

        def advance(u, case_id=case_id):
            return advance_stage(u, case_id, "party_report", "wang", date(2025, 5, 20))

        results = race([Call(uow, advance), Call(uow, advance)])
        won = [r for r in results if not isinstance(r, Exception)]
        assert len(won) == 1, results
        assert all(isinstance(r, (ConflictError, StageOrderError)) for r in results if r not in won), results
        after = snapshot(engine, case_id)
        assert (after["version"], after["stage"]) == (read + 1, "party_report")
        assert len(advance_events(engine, case_id, "party_report")) == 1
        assert chains_ok(engine, case_id)


def test_two_concurrent_evidence_records_read_at_one_version_lose_nothing_and_conflict_clearly(uow, engine, people):
    """The second editor gets a conflict naming the change (not a database error), the first's revision stays."""
    for n in range(ROUNDS):
        case_id = f"NH-EDIT-{n}"
        read = create_decided(uow, case_id)
        before = snapshot(engine, case_id)

        def record(day, case_id=case_id, read=read):
            return lambda u: record_evidence(u, case_id, "party_report", {"reported_on": day}, "wang",
                                             expected_version=read, as_of=date(2025, 5, 25))

        results = race([Call(uow, record("2025-05-20")), Call(uow, record("2025-05-21"))])
        won = [r for r in results if not isinstance(r, Exception)]
        lost = [r for r in results if isinstance(r, Exception)]
        assert len(won) == 1 and len(lost) == 1, results
        assert isinstance(lost[0], ConflictError) and "evidence.recorded" in str(lost[0]), lost[0]
        after = snapshot(engine, case_id)
        assert after["version"] == read + 1
        assert after["stage_evidence"] == before["stage_evidence"] + 1
        assert after["trail_events"] == before["trail_events"] + 1
        winner_day = after["document"]["party_report"]["reported_on"]
        assert winner_day in ("2025-05-20", "2025-05-21")
        assert chains_ok(engine, case_id)


# ---------------------------------------------------------------- a writer killed in the middle
CHILD = r"""
import json, sys, time
from datetime import date
from sqlalchemy import func, select
from engine.decisions.use_cases import advance_stage, record_evidence
from engine.store.db import make_engine
from engine.decisions.models import StageEvidence
from engine.store.models import TrailEvent
from engine.store.uow import UnitOfWork

url, case_id, action = sys.argv[1:4]
with UnitOfWork(make_engine(url)) as u:
    if action == "record_evidence":
        record_evidence(u, case_id, "party_report", {"reported_on": "2025-05-20"}, "wang", as_of=date(2025, 5, 25))
    else:
        advance_stage(u, case_id, "party_report", "wang", date(2025, 5, 20))
    u.session.flush()
    seen = {"trail_events": u.session.scalar(select(func.count()).select_from(TrailEvent)),
            "stage_evidence": u.session.scalar(select(func.count()).select_from(StageEvidence)
                                               .where(StageEvidence.case_id == case_id))}
    print("ready " + json.dumps(seen), flush=True)
    time.sleep(300)
    u.commit()
print("committed", flush=True)
"""


def start_child(db_url: str, case_id: str, action: str) -> tuple[subprocess.Popen, dict]:
    """Run the use case in another process up to (not including) its commit; give the process and what it saw."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, db_url, case_id, action], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with selectors.DefaultSelector() as sel:
        sel.register(child.stdout, selectors.EVENT_READ)
        if not sel.select(timeout=60):
            child.kill()
            pytest.fail("the child process did not reach its commit within 60 s")
    line = child.stdout.readline()
    if not line.startswith("ready "):
        child.kill()
        pytest.fail(f"the child process failed: {line!r} {child.stderr.read()}")
    return child, json.loads(line[len("ready "):])


@pytest.mark.slow
@pytest.mark.parametrize("action", ["record_evidence", "advance_stage"])
def test_a_process_killed_in_the_middle_of_a_use_case_leaves_no_partial_state(db_url, engine, uow, people, action):
    case_id = "NH-KILL"
    create_decided(uow, case_id)
    before = snapshot(engine, case_id)
    child, seen = start_child(db_url, case_id, action)
    try:
        # the child has written (uncommitted) its evidence revision and its trail event
        assert seen["trail_events"] == before["trail_events"] + 1
        if action == "record_evidence":
            assert seen["stage_evidence"] == before["stage_evidence"] + 1
        assert snapshot(engine, case_id) == before  # not visible to anyone else
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
        child.stdout.close()
        child.stderr.close()
    assert snapshot(engine, case_id) == before
    assert chains_ok(engine)
    # and the case is not left locked: the same use case now goes through, once
    started = time.monotonic()
    with uow() as u:
        if action == "record_evidence":
            record_evidence(u, case_id, "party_report", {"reported_on": "2025-05-20"}, "wang", as_of=date(2025, 5, 25))
        else:
            advance_stage(u, case_id, "party_report", "wang", date(2025, 5, 20))
        u.commit()
    assert time.monotonic() - started < 20
    after = snapshot(engine, case_id)
    assert after["version"] == before["version"] + 1 and after["trail_events"] == before["trail_events"] + 1
    assert chains_ok(engine)


# ---------------------------------------------------------------- tampering, caught by the CLI
def yifa(env: dict, *argv: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "engine.cli", *argv], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180)
    assert "Traceback" not in done.stderr, done.stderr
    return done


@pytest.fixture
def cli_env(db_url, engine, tmp_path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "YIFA_INSTANCE": str(tmp_path / "instance"), "DATABASE_URL": db_url}
    env.pop("YIFA_RULES", None)
    for name, roles in ROLES.items():
        assert yifa(env, "user", "add", name, *[a for r in roles for a in ("--role", r)]).returncode == 0
    return env


def swap(tamper, case_id: str, a: int, b: int) -> None:
    tamper("UPDATE trail_events SET seq = -1 WHERE case_id = :c AND seq = :a", c=case_id, a=a)
    tamper("UPDATE trail_events SET seq = :a WHERE case_id = :c AND seq = :b", c=case_id, a=a, b=b)
    tamper("UPDATE trail_events SET seq = :b WHERE case_id = :c AND seq = -1", c=case_id, b=b)


@pytest.mark.slow
def test_a_trail_tampered_with_by_hand_is_caught_and_named_by_yifa_trail_verify(cli_env, tamper, tmp_path):
    cases = {"NH-ALTERED": "altered", "NH-MISSING": "missing", "NH-REORDERED": "reordered", "NH-INTACT": None}
    files = []
    for case_id in cases:
        path = tmp_path / f"{case_id}.yaml"
        path.write_text(dump_yaml(decided_document(case_id)), encoding="utf-8")
        files.append(str(path))
    imported = yifa(cli_env, "case", "import", *files, "--as", "zhang")
    assert imported.returncode == 0, imported.stderr
    for case_id in cases:  # events #2 and #3 of each chain
        for stage, day in (("party_report", "2025-05-20"), ("publication", "2025-05-30")):
            done = yifa(cli_env, "case", "advance", case_id, stage, "--as", "wang", "--on", day)
            assert done.returncode == 0, done.stderr
    clean = yifa(cli_env, "trail", "verify")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "0 broken" in clean.stdout

    tamper("UPDATE trail_events SET payload = replace(payload, 'party_report', 'publication') "
           "WHERE case_id = 'NH-ALTERED' AND seq = 2")
    tamper("DELETE FROM trail_events WHERE case_id = 'NH-MISSING' AND seq = 2")
    swap(tamper, "NH-REORDERED", 2, 3)

    everything = yifa(cli_env, "trail", "verify")
    assert everything.returncode == 1, everything.stdout + everything.stderr
    for case_id, kind in cases.items():
        if kind:
            assert f"{case_id}#2: {kind}" in everything.stdout, everything.stdout
    assert "NH-INTACT#" not in everything.stdout and "3 broken" in everything.stdout
    for case_id, kind in cases.items():
        one = yifa(cli_env, "trail", "verify", case_id)
        if kind:
            assert one.returncode == 1 and one.stdout.startswith(f"{case_id}#2: {kind} — "), one.stdout
        else:
            assert one.returncode == 0 and f"{case_id}: 完整 / intact — 3 个事件" in one.stdout, one.stdout


# ---------------------------------------------------------------- malformed imports
def good_file(tmp_path: Path) -> Path:
    path = tmp_path / "good.yaml"
    path.write_text(dump_yaml(decided_document("NH-GOOD")), encoding="utf-8")
    return path


def variant(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = dump_yaml(decided_document("NH-BAD"))
    assert old in text, old
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


MALFORMED = {  # name: (how the good text is spoiled, the field named, words of the reason)
    "bad-enum.yaml": (("meeting_type: executive", "meeting_type: cabinet"), "collective_decision.meeting_type",
                      "invalid value"),
    "bad-date.yaml": (("proposed_on: '2025-02-17'", "proposed_on: '2025-02-30'"), "initiation.proposed_on",
                      "no such day"),
    "bad-bool.yaml": (("technical: true", "technical: maybe"), "flags.technical", "expected a boolean"),
    "missing-title.yaml": (("title: ", "titel: "), "title", "required field is missing"),
    "bad-yaml.yaml": (("id: NH-BAD", "id: [NH-BAD"), "(root)", "YAML syntax error"),
    "duplicate-key.yaml": (("held_on: '2025-04-10'", "held_on: '2025-04-10'\n  held_on: '2025-04-11'"),
                           "expert_review.held_on", "duplicate key"),
    "bad-jurisdiction.yaml": (("jurisdiction: CN-12/ninghe", "jurisdiction: CN-99/nowhere"), "jurisdiction",
                              "unknown jurisdiction"),
    "reserved-id.yaml": (("id: NH-BAD", "id: rulebook"), "id", "reserved"),
    "duplicate-case.yaml": (("id: NH-BAD", "id: NH-GOOD"), "id", "already exists"),
}


def nothing_stored(engine) -> bool:
    with UnitOfWork(engine, read_only=True) as u:
        return all(count(u.session, m) == 0 for m in (CaseRecord, StageEvidence, FindingRecord, TrailEvent,
                                                         TrailHead, RulebookVersion))


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_import_is_refused_whole_naming_file_field_and_reason(uow, engine, people, tmp_path, name):
    (old, new), field, reason = MALFORMED[name]
    good, bad = good_file(tmp_path), variant(tmp_path, name, old, new)
    with uow() as u, pytest.raises(InputError) as refused:
        import_cases(u, [good, bad], "zhang")
        u.commit()
    problems = [p for p in refused.value.problems if p.file == str(bad)]
    assert problems, str(refused.value)
    assert any(p.path == field and reason in p.message for p in problems), str(refused.value)
    assert nothing_stored(engine)


@pytest.mark.slow
def test_a_malformed_import_through_the_cli_exits_2_and_stores_nothing(cli_env, engine, tmp_path):
    good = good_file(tmp_path)
    bad = [variant(tmp_path, name, *MALFORMED[name][0]) for name in ("bad-enum.yaml", "bad-date.yaml")]
    done = yifa(cli_env, "case", "import", str(good), *map(str, bad), "--as", "zhang")
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"{bad[0]}:" in done.stderr and "collective_decision.meeting_type: " in done.stderr
    assert f"{bad[1]}:" in done.stderr and "initiation.proposed_on: " in done.stderr and "no such day" in done.stderr
    assert str(good) not in done.stderr and done.stdout == ""
    assert nothing_stored(engine)


def test_two_people_creating_the_same_case_at_once_one_wins_and_the_other_is_told(db_url, uow, add_users):
    import threading

    from engine.core.errors import InputError
    from engine.decisions.use_cases import create_case
    if not db_url.startswith("postgresql"):
        pytest.skip("on SQLite writers queue at BEGIN IMMEDIATE: the second sees the case and is refused before inserting")
    add_users({"p1": ["official"], "p2": ["official"]})
    from engine.decisions.record import load_case
    case = load_case(ROOT / "examples" / "yuelong-sewage-2024.yaml")
    barrier, outcomes = threading.Barrier(2), []

    def create(actor):
        try:
            with uow() as u:
                barrier.wait()
                create_case(u, case, actor)
                u.commit()
            outcomes.append("created")
        except InputError as e:
            outcomes.append("refused" if "already exists" in str(e) else f"other: {e}")

    threads = [threading.Thread(target=create, args=(a,)) for a in ("p1", "p2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["created", "refused"], outcomes
