"""Credit scan of 1,000,000 penalty records, CSV parse to follow-up list (CASE_FORMAT §4, §6).
Target: ≤ 60 s end to end with the native evaluator; durable-rules on a 100,000-record sample in
the same run; peak memory of each phase.

Each figure is measured in a fresh process (so peak memory is that phase's own):
  baseline    the stdlib csv module reading the same file into dicts
  end to end  `yifa credit scan --file FILE --format csv` as a user runs it: read and validate
              every row (credit codes, dates), judge every record, write the follow-up list
  phases      the same in-process, timed separately: parse, scan to follow-ups, CSV writing
  durable     the scan with durable-rules on the first N records (per-record time extrapolated)

Usage: python bench/bench_credit_scan.py [RECORDS] [DURABLE_SAMPLE]
"""
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench._machine import machine_line, peak_mib  # noqa: E402
from bench._scan import command_line, phase_runner, ready  # noqa: E402

AS_OF = date(2026, 11, 25)


def phase(name: str, path: str, limit: int) -> dict:
    """The figures of a phase run in this process: native (parse, scan, write) or durable."""
    t0 = time.perf_counter()
    from engine.credit.scan import CreditScanner, CreditSummary, write_follow_ups_csv
    from engine.credit.use_cases import read_penalties
    rows = read_penalties(path)
    records = [r.record for r in rows if r.ok][:limit]
    del rows
    parsed = time.perf_counter()
    scanner = ready(lambda engine: CreditScanner(AS_OF, engine=engine), name, records[0])
    start = time.perf_counter()
    if name == "durable":
        summary = CreditSummary()
        for scan in scanner.scan(records):
            summary.add(scan.follow_ups())
        return {"seconds": time.perf_counter() - start, "rows": len(records), "peak_mib": peak_mib()}
    scans = [(scan.record, scan.follow_ups()) for scan in scanner.scan(records)]
    judged = time.perf_counter()
    with open(os.devnull, "w", encoding="utf-8") as out:
        summary = write_follow_ups_csv(_replay(scans), out)
    written = time.perf_counter()
    return {"parse": parsed - t0, "scan": judged - start, "write": written - judged, "rows": len(records),
            "follow_ups": summary.follow_ups, "overdue": summary.overdue, "peak_mib": peak_mib()}


class _Replayed:
    """A scan already made, handed to the CSV writer again (so writing is timed on its own)."""
    def __init__(self, record, follow_ups):
        self.record, self._follow_ups = record, follow_ups

    def follow_ups(self):
        return self._follow_ups


def _replay(scans):
    return (_Replayed(r, f) for r, f in scans)


run = phase_runner(__file__)


def end_to_end(path: str) -> tuple[float, float, int]:
    """`yifa credit scan --file` in a fresh process: wall seconds, peak MiB, exit status."""
    cmd = [sys.executable, "-m", "engine.cli", "credit", "scan", "--file", path, "--as-of", AS_OF.isoformat(),
           "--format", "csv", "--out", os.devnull]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - t
    if proc.returncode not in (0, 1):
        raise SystemExit(f"yifa credit scan failed ({proc.returncode}): {proc.stderr[-2000:]}")
    peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024
    return wall, peak, proc.returncode


def main(count: int, durable_sample: int) -> None:
    from tests.credgen import write_csv
    print(machine_line())
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "penalties.csv")
        t = time.perf_counter()
        write_csv(path, count)
        size = os.path.getsize(path) / 2**20
        print(f"register: {count:,} generated records ({size:.0f} MiB CSV, decided 2017–2026 across every regime) "
              f"in {time.perf_counter() - t:.1f} s")
        base = run("baseline", path, count)
        print(f"baseline   csv.DictReader of the file          {base['seconds']:7.2f} s   peak {base['peak_mib']:6.0f} MiB")
        wall, peak, code = end_to_end(path)
        verdict = "met" if wall <= 60 else "MISSED"
        print(f"end to end yifa credit scan --file --format csv {wall:7.2f} s   peak {peak:6.0f} MiB   (exit {code})")
        phases = run("native", path, count)
        print(f"  parse    CSV → validated records              {phases['parse']:7.2f} s   "
              f"({phases['parse'] / count * 1e6:.1f} µs/record)")
        print(f"  scan     records → follow-ups (native)        {phases['scan']:7.2f} s   "
              f"({phases['scan'] / count * 1e6:.1f} µs/record; {phases['follow_ups']:,} follow-ups, "
              f"{phases['overdue']:,} overdue)   peak {phases['peak_mib']:6.0f} MiB")
        print(f"  write    follow-up list as CSV                {phases['write']:7.2f} s")
        sample = min(durable_sample, count)
        durable = run("durable", path, sample)
        per = durable["seconds"] / sample
        native_per = phases["scan"] / count
        print(f"durable    scan of a {sample:,}-record sample      {durable['seconds']:7.2f} s   "
              f"peak {durable['peak_mib']:6.0f} MiB   ({per * 1e6:.1f} µs/record → {per * count:.0f} s for {count:,}; "
              f"{per / native_per:.1f}× native)")
        print(f"target: {count:,} records CSV → follow-up list ≤ 60 s end to end — {verdict} ({wall:.1f} s)")


if __name__ == "__main__":
    command_line(phase, main, records=1_000_000, durable_sample=100_000, baseline_whole=False)
