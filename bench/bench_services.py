"""Latency of the use cases `record_evidence` and `advance_stage` on SQLite and PostgreSQL.

Stores N decided cases (the county example up to its collective decision), then, one call per
case, each in its own unit of work with its commit (as one CLI command or one web request does):
  record_evidence  amend the risk assessment (the whole case re-validated and re-checked, a
                   new evidence revision, findings, a trail event)
  advance_stage    enter the Party report (order and gates checked, findings, a trail event)
Baselines measured in the same run, on the same engine:
  empty txn        a unit of work that runs `SELECT 1` and commits (the database's floor)
  check only       the rule check of the case in memory, no database (the engine's share)
Prints p50 / p95 / mean in milliseconds per operation and database.
Usage: python bench/bench_services.py [CASES]
"""
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from sqlalchemy import text  # noqa: E402

from bench._machine import machine_line, scratch_postgresql  # noqa: E402
from engine.accounts.models import UnitRole, User  # noqa: E402
from engine.core.check import checker_for  # noqa: E402
from engine.core.yamlio import LoadedYaml  # noqa: E402
from engine.decisions.record import case_to_document, load_case, parse_case  # noqa: E402
from engine.decisions.use_cases import advance_stage, create_case, record_evidence  # noqa: E402
from engine.store.db import make_engine, upgrade  # noqa: E402
from engine.store.uow import UnitOfWork  # noqa: E402

EXAMPLE = ROOT / "examples" / "ninghe-county-road-2025.yaml"
PEOPLE = {"zhang": "official", "wang": "secretary"}


def decided(case_id: str):
    doc = case_to_document(load_case(EXAMPLE))
    for key in ("party_report", "publication", "archive", "execution"):
        doc.pop(key, None)
    return parse_case(LoadedYaml({**doc, "id": case_id}), case_id)


def timed(engine, fn, times: int) -> list[float]:
    """Milliseconds of each call `fn(uow, i)`, each in its own unit of work, committed."""
    out = []
    for i in range(times):
        t = time.perf_counter()
        with UnitOfWork(engine) as uow:
            fn(uow, i)
            uow.commit()
        out.append((time.perf_counter() - t) * 1000)
    return out


def line(database: str, operation: str, ms: list[float]) -> str:
    ms = sorted(ms)
    p50 = statistics.median(ms)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return (f"{database:<11} {operation:<16} n={len(ms):<4} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   "
            f"mean {statistics.fmean(ms):7.2f} ms")


def bench(database: str, url: str, cases: int) -> None:
    upgrade(url)
    engine = make_engine(url)
    try:
        with UnitOfWork(engine) as uow:
            for name, role in PEOPLE.items():
                uow.session.add(User(username=name, display_name=name, active=True))
                uow.session.flush()
                uow.session.add(UnitRole(username=name, unit_code="root", role=role, subtree=True))
            uow.commit()
        ids = [f"NH-B{n:05d}" for n in range(cases)]
        t = time.perf_counter()
        setup = timed(engine, lambda u, i: create_case(u, decided(ids[i]), "zhang", as_of=date(2025, 5, 16)), cases)
        print(f"{database:<11} stored {cases} cases in {time.perf_counter() - t:.1f} s")
        print(line(database, "empty txn", timed(engine, lambda u, i: u.session.execute(text("SELECT 1")), cases)))
        case = decided("NH-CHECK")
        checker = checker_for(case.jurisdiction)
        check = []
        for _ in range(cases):
            t = time.perf_counter()
            checker.check(case, date(2025, 5, 25), "durable")
            check.append((time.perf_counter() - t) * 1000)
        print(line(database, "check only", check))
        print(line(database, "create_case", setup))
        section = case_to_document(case)["risk_assessment"] | {"reassessed_on": "2025-05-12"}
        print(line(database, "record_evidence", timed(
            engine, lambda u, i: record_evidence(u, ids[i], "risk_assessment", section, "zhang",
                                                 as_of=date(2025, 5, 25)), cases)))
        print(line(database, "advance_stage", timed(
            engine, lambda u, i: advance_stage(u, ids[i], "party_report", "wang", date(2025, 5, 20)), cases)))
    finally:
        engine.dispose()


def main(cases: int = 200) -> None:
    print(machine_line())
    with tempfile.TemporaryDirectory() as folder:
        bench("sqlite", f"sqlite:///{folder}/bench.sqlite3", cases)
    with scratch_postgresql() as url:
        if url:
            bench("postgresql", url, cases)

if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
