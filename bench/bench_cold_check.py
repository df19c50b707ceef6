"""Cold wall time of `yifa check one.yaml` (a fresh process each time). Target ≤ 0.4 s.
The first run compiles the rulebook and keeps it on disk (YIFA_CACHE); the others take it from there.
Baseline in the same run: a bare `python -c pass` of the same interpreter.
Usage: python bench/bench_cold_check.py [RUNS]
"""
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench._machine import machine_line  # noqa: E402


def wall(cmd, runs):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        times.append(time.perf_counter() - t)
    return times


def main(runs: int = 7) -> None:
    case = ROOT / "examples" / "yuelong-sewage-2024.yaml"
    yifa = shutil.which("yifa") or str(Path(sys.executable).parent / "yifa")
    print(machine_line())
    # timed as installed: with the bytecode compiled (a shell may set PYTHONDONTWRITEBYTECODE,
    # and then every start would compile the engine's sources again)
    subprocess.run([sys.executable, "-m", "compileall", "-q", "engine", "web"], cwd=ROOT,
                   stdout=subprocess.DEVNULL, check=True)
    for name, cmd in (("baseline python -c pass", [sys.executable, "-c", "pass"]),
                      ("yifa check (durable)", [yifa, "check", str(case)]),
                      ("yifa check --engine native", [yifa, "check", str(case), "--engine", "native"])):
        xs = wall(cmd, runs)
        print(f"{name:<30} median {statistics.median(xs):.3f} s   min {min(xs):.3f} s   max {max(xs):.3f} s")
    print(f"target: yifa check one.yaml ≤ 0.4 s cold (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
