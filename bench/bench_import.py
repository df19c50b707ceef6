"""Bulk import: the penalty register (CASE_FORMAT §4) with its trail events, on SQLite and PostgreSQL.
Targets: 10,000 rows ≤ 1.5 s; 1,000,000 rows ≤ 60 s with peak memory ≤ 500 MB (the importing process
and its reader process together).

Each run is a fresh process (its own peak memory, and its reader process's) on a fresh database:
`import_penalties` end to end (read, validate, look up, insert, seal and insert the events, commit),
beside the baseline measured in the same run — a plain executemany of the same rows into a table of
the same columns.
Usage: python bench/bench_import.py [ROWS …]      (default: 10000 100000)
"""
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench._machine import machine_line, peak_mib, run_phase, scratch_postgresql  # noqa: E402


def phase(rows: int, url: str, csv_path: str) -> None:
    """One import in this process; print its figures as one JSON line."""
    from sqlalchemy import text

    from engine.accounts.use_cases import create_user
    from engine.credit.use_cases import import_penalties
    from engine.store.db import make_engine, upgrade
    from engine.store.uow import UnitOfWork
    upgrade(url)
    engine = make_engine(url)
    with UnitOfWork(engine) as uow:
        create_user(uow.session, "keeper", "登记员", ["official"])
        uow.commit()
    start = time.perf_counter()
    with UnitOfWork(engine) as uow:
        result = import_penalties(uow, csv_path, "keeper")
        uow.commit()
    seconds = time.perf_counter() - start
    peak = peak_mib()                # the import's own peak, before the baseline reads the file whole
    # and its reader process's (engine/registers/imports._reader), if any
    reader_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert len(result.imported) == rows, (len(result.imported), rows)
    import csv
    with open(csv_path, encoding="utf-8-sig", newline="") as f:
        plain = [tuple(r.values()) for r in csv.DictReader(f)]
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE bench_plain (" + ", ".join(f"c{i} TEXT" for i in range(len(plain[0]))) + ")"))
    start = time.perf_counter()
    with engine.begin() as conn:
        marks = ", ".join(f":c{i}" for i in range(len(plain[0])))
        conn.execute(text(f"INSERT INTO bench_plain VALUES ({marks})"),
                     [{f"c{i}": v for i, v in enumerate(r)} for r in plain])
    baseline = time.perf_counter() - start
    engine.dispose()
    print(json.dumps({"seconds": seconds, "baseline": baseline, "peak_mib": peak, "reader_peak_mib": reader_peak}))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--phase":
        phase(int(sys.argv[2]), sys.argv[3], sys.argv[4])
        return
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 100_000]
    print(machine_line(), "· load average %.2f %.2f %.2f" % os.getloadavg())
    from tests.credgen import write_csv
    with tempfile.TemporaryDirectory() as folder:
        for rows in sizes:
            csv_path = str(Path(folder) / f"penalties-{rows}.csv")
            write_csv(csv_path, rows)
            sqlite = f"sqlite:///{Path(folder) / f'bench-{rows}.sqlite3'}"
            _report("sqlite", rows, run_phase(__file__, str(rows), sqlite, csv_path))
            with scratch_postgresql() as url:
                if url is not None:
                    _report("postgresql", rows, run_phase(__file__, str(rows), url, csv_path))


def _report(database: str, rows: int, figures: dict) -> None:
    """One line: the time against its target, and the memory of the import as a whole (the importing
    process and its reader process together) against 500 MB — an upper bound: the pages the forked
    reader still shares with its parent (the modules loaded before the fork) are counted twice."""
    target = 1.5 if rows <= 10_000 else 60 * rows / 1_000_000
    own, reader = figures["peak_mib"], figures.get("reader_peak_mib", 0)
    together = (own + reader) * 1024 * 1024 / 1e6
    print(f"{database:<10}  {rows:>9,} rows  import {figures['seconds']:7.2f} s "
          f"({rows / figures['seconds']:,.0f} rows/s)  plain executemany {figures['baseline']:6.2f} s  "
          f"(≤ {target:.1f} s: {'met' if figures['seconds'] <= target else 'NOT met'})  "
          f"peak {own:4.0f} MiB + reader process {reader:4.0f} MiB = at most {together:4.0f} MB "
          f"(≤ 500 MB: {'met' if together <= 500 else 'NOT met'})")


if __name__ == "__main__":
    main()
