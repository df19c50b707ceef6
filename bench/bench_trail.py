"""Trail verification rate: 1,000,000 events (payload digests included). Target ≥ 100,000 events/s.

Builds the chains in Python (the same `seal` the application uses), loads them into a fresh
SQLite file (executemany) and, when reachable, a fresh PostgreSQL database on 127.0.0.1:5432
(COPY), then times `verify_all` over everything.
Usage: python bench/bench_trail.py [EVENTS] [EVENTS_PER_CASE]
"""
import hashlib
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench._machine import machine_line, scratch_postgresql  # noqa: E402
from engine.store.db import make_engine, upgrade  # noqa: E402
from engine.store.models import iso_utc  # noqa: E402
from engine.store.uow import UnitOfWork  # noqa: E402
from engine.trail import GENESIS, seal, verify_all  # noqa: E402

STAGES = ("initiation", "public_participation", "hearing", "expert_review", "risk_assessment",
          "legality_review", "collective_decision", "party_report", "publication", "archiving")
VERSION = "sha256:" + hashlib.sha256(b"rulebook").hexdigest()


def payload(case: int, n: int) -> dict:
    """A typical event: the stage, an evidence file's digest, the rulebook version, a verdict summary."""
    stage = STAGES[n % len(STAGES)]
    return {"stage": stage, "version": n,
            "evidence": [{"filename": f"{stage}-意见书-{n}.pdf",
                          "sha256": hashlib.sha256(f"{case}/{n}".encode()).hexdigest()}],
            "rulebook": {"jurisdiction": "CN-12/ninghe/yuelong", "version": VERSION},
            "summary": {"violated": n % 3, "satisfied": 40, "pending": 5, "not_applicable": 12, "blocking": False},
            "note": "岳龙镇农村生活污水治理工程：依法记录本环节材料"}


def build(events: int, per_case: int) -> tuple[list[tuple], list[tuple]]:
    """Seal the chains; give the event rows and the heads."""
    rows, heads = [], []
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    for case in range(-(-events // per_case)):
        case_id, prev = f"YL-{case:06d}", GENESIS
        for n in range(1, min(per_case, events - case * per_case) + 1):
            e = seal(case_id, n, start + timedelta(seconds=case * per_case + n, microseconds=n),
                     f"official{n % 7}", "stage.record", payload(case, n), prev)
            rows.append((e["case_id"], e["seq"], e["at"], e["actor"], e["action"], e["payload"],
                         e["payload_sha256"], e["prev_hash"], e["hash"]))
            prev = e["hash"]
        heads.append((case_id, n, prev))
    return rows, heads


def load_sqlite(url: str, rows: list[tuple], heads: list[tuple]) -> None:
    engine = make_engine(url)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("BEGIN")
        cursor.executemany("INSERT INTO trail_events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           ((r[0], r[1], iso_utc(r[2]), *r[3:]) for r in rows))
        cursor.executemany("INSERT INTO trail_heads VALUES (?, ?, ?)", heads)
        cursor.execute("COMMIT")
    finally:
        raw.close()
        engine.dispose()


def load_postgresql(url: str, rows: list[tuple], heads: list[tuple]) -> None:
    import psycopg
    with psycopg.connect(url.replace("+psycopg", "")) as connection, connection.cursor() as cursor:
        columns = "case_id, seq, at, actor, action, payload, payload_sha256, prev_hash, hash"
        with cursor.copy(f"COPY trail_events ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        with cursor.copy("COPY trail_heads (case_id, seq, hash) FROM STDIN") as copy:
            for head in heads:
                copy.write_row(head)
        cursor.execute("ANALYZE trail_events")


def time_verify(name: str, url: str, events: int) -> None:
    engine = make_engine(url)
    try:
        best = None
        for _ in range(2):  # the first run also warms the caches
            t = time.perf_counter()
            with UnitOfWork(engine, read_only=True) as uow:
                statuses = verify_all(uow.session)
            elapsed = time.perf_counter() - t
            best = elapsed if best is None else min(best, elapsed)
        assert all(s.ok for s in statuses) and sum(s.verified for s in statuses) == events
        print(f"{name:<11} verify_all {events:,} events in {len(statuses):,} chains: "
              f"{best:.2f} s  →  {events / best:,.0f} events/s")
    finally:
        engine.dispose()


def main(events: int = 1_000_000, per_case: int = 1000) -> None:
    print(machine_line())
    t = time.perf_counter()
    rows, heads = build(events, per_case)
    print(f"built {events:,} events ({sum(len(r[5]) for r in rows) / events:.0f}-byte payloads) "
          f"in {time.perf_counter() - t:.1f} s")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        upgrade(url)
        t = time.perf_counter()
        load_sqlite(url, rows, heads)
        print(f"sqlite      loaded in {time.perf_counter() - t:.1f} s")
        time_verify("sqlite", url, events)
    bench_postgresql(rows, heads, events)
    print("target: ≥ 100,000 events/s")


def bench_postgresql(rows: list[tuple], heads: list[tuple], events: int) -> None:
    with scratch_postgresql() as url:
        if url is None:
            return
        upgrade(url)
        t = time.perf_counter()
        load_postgresql(url, rows, heads)
        print(f"postgresql  loaded in {time.perf_counter() - t:.1f} s")
        time_verify("postgresql", url, events)


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
