"""What the register-scan benches (bench_docs_scan, bench_credit_scan) share: the baseline they
measure reading against, a scanner made ready outside the timing, and their command line."""
import csv
import json
import sys
import time
from collections.abc import Callable
from typing import Any

from bench._machine import peak_mib, run_phase


def baseline(path: str, whole: bool) -> dict:
    """The stdlib csv module reading the file into dicts: kept whole in a list, or counted as they stream."""
    t0 = time.perf_counter()
    with open(path, encoding="utf-8", newline="") as f:
        rows = csv.DictReader(f)
        count = len(list(rows)) if whole else sum(1 for _ in rows)
    return {"seconds": time.perf_counter() - t0, "rows": count, "peak_mib": peak_mib()}


def ready(make_scanner: Callable[..., Any], phase: str, first: Any) -> Any:
    """The phase's scanner (durable-rules for the durable phase, else native) with its rulebook
    compiled by judging the first record, so that the timing is the scan's alone."""
    scanner = make_scanner(engine="durable" if phase == "durable" else "native")
    scanner.scan_one(first)
    return scanner


def phase_runner(script: str) -> Callable[[str, str, int], dict]:
    """`run(name, path, limit)`: the script's phase in a fresh process (its own peak memory), its figures."""
    return lambda name, path, limit: run_phase(script, name, path, str(limit))


def command_line(phase: Callable[[str, str, int], dict], main: Callable[[int, int], None],
                 records: int, durable_sample: int, baseline_whole: bool) -> None:
    """`--phase NAME PATH LIMIT`: one phase (`baseline` or one of the bench's own), its figures
    printed as a JSON line; otherwise the whole bench, for `[RECORDS] [DURABLE_SAMPLE]` (the
    defaults given)."""
    if len(sys.argv) > 1 and sys.argv[1] == "--phase":
        name, path, limit = sys.argv[2], sys.argv[3], int(sys.argv[4])
        print(json.dumps(baseline(path, baseline_whole) if name == "baseline" else phase(name, path, limit)))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else records,
             int(sys.argv[2]) if len(sys.argv) > 2 else durable_sample)
