"""A batch of JSON case files through `yifa check`, per case, beside what reading them costs at all.

Targets (issue "a batch of case files checks at the speed of its parts"):
  native        end to end ≤ 2 × the floor per case
  durable-rules end to end ≤ the floor + 0.5 ms per case
  10,000 JSON case files with `--jobs 2`: ≤ 5 s with the native evaluator

Measured in the same run, on the same generated files:
  floor         read the file, json.loads, validate with the case model (pydantic) — what any
                checker of these files pays
  yifa's read   engine/decisions/record.load_case, what `yifa check` reads a file with: the floor
                plus refusing repeated keys, NaN and lone surrogates, finding lines for a problem,
                and the order of the case's dates (printed beside the floor: end to end pays it)
  end to end    engine/cli/check.run over the files in this process, reports written to /dev/null
                (the rulebook compiled before the timing): reading, validating, facts, every rule,
                findings, the report text; --format json (the public report) and text
  parts         what end to end cannot do without, each measured alone on the same files: the
                floor; the evaluation (facts already flattened → a branch per rule); writing the
                report text of CASE_FORMAT §2 from the finished report (`json.dumps`, the standard
                library's C encoder, of the report dict) — so "≤ 2 × floor" can be read beside
                what writing the contract's bytes alone costs
Each figure is CPU seconds of this process, the least of ROUNDS rounds (the machine may be shared:
the load average is printed). The 10,000-file figure is the wall time of a real `yifa check --jobs 2`
process, started cold, output to /dev/null.
Usage: python bench/bench_check_batch.py [N_CASES] [N_JOBS_FILES]
"""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench._machine import machine_line  # noqa: E402

AS_OF = date(2027, 6, 30)       # after every generated date: no file is refused
ROUNDS = 3


def write_cases(folder: Path, n: int) -> list[Path]:
    from tests.casegen import random_case_document
    rnd = random.Random(2026)
    paths = []
    for i in range(n):
        path = folder / f"case-{i:05}.json"
        path.write_text(json.dumps(random_case_document(rnd, i), ensure_ascii=False, indent=1), encoding="utf-8")
        paths.append(path)
    return paths


def least(fn, *args) -> float:
    """The least CPU time of ROUNDS runs of fn(*args)."""
    times = []
    for _ in range(ROUNDS):
        t = time.process_time()
        fn(*args)
        times.append(time.process_time() - t)
    return min(times)


def floor(paths: list[Path]) -> None:
    from engine.decisions.record import Case
    for path in paths:
        Case.model_validate(json.loads(path.read_text(encoding="utf-8")), context={"as_of": AS_OF})


def yifa_read(paths: list[Path]) -> None:
    from engine.decisions.record import load_case
    for path in paths:
        load_case(path, AS_OF)


def end_to_end(paths: list[Path], engine: str, form: str) -> int:
    from engine.cli.check import CheckOptions, run
    options = CheckOptions(AS_OF, None, form, engine, "zh")
    stdout = sys.stdout
    with open(os.devnull, "w", encoding="utf-8") as sink:
        sys.stdout = sink
        try:
            return run(paths, options, jobs=1)
        finally:
            sys.stdout = stdout


def parts(paths: list[Path], engine: str) -> tuple[float, float]:
    """CPU seconds per case of the evaluation alone and of writing the finished reports as JSON."""
    from engine.cli.check import _Checkers
    from engine.core.report import to_json
    from engine.decisions.record import load_case
    cases = [load_case(p, AS_OF) for p in paths]
    checker = _Checkers().get(cases[0].jurisdiction)
    facts = [checker.facts(c, AS_OF) for c in cases]
    evaluator = checker.evaluator(engine)
    reports = [to_json(checker.check(c, AS_OF, engine)) for c in cases]
    evaluation = least(lambda: [evaluator.evaluate(f) for f in facts]) / len(paths)
    writing = least(lambda: [json.dumps(r, ensure_ascii=False) for r in reports]) / len(paths)
    return evaluation, writing


def jobs_run(paths: list[Path], engine: str, jobs: int) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (the process and its workers) and exit status of one `yifa check`."""
    import resource
    yifa = shutil.which("yifa") or str(Path(sys.executable).parent / "yifa")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run([yifa, "check", "--engine", engine, "--format", "json", "--as-of", AS_OF.isoformat(),
                           "--jobs", str(jobs), *map(str, paths)], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, cwd=ROOT)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu, proc.returncode


def main(n: int = 200, many: int = 10_000) -> None:
    from engine.evaluate.durable import durable_available
    print(machine_line())
    print(f"load average {os.getloadavg()[0]:.1f} (figures are CPU seconds, least of {ROUNDS} rounds)")
    engines = ["native"] + (["durable"] if durable_available() is None else [])
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_cases(Path(tmp), n)
        base = least(floor, paths) / n
        print(f"{n} generated JSON case files, as of {AS_OF}")
        print(f"{'floor: json.loads + case model':<40} {base * 1e3:7.3f} ms/case")
        read = least(yifa_read, paths) / n
        print(f"{'  as yifa check reads (load_case)':<40} {read * 1e3:7.3f} ms/case   = floor + {(read - base) * 1e3:.3f} ms")
        for engine in engines:
            end_to_end(paths[:5], engine, "json")           # compile the rulebook outside the timing
            evaluation, writing = parts(paths, engine)
            print(f"{f'  {engine} evaluation alone':<40} {evaluation * 1e3:7.3f} ms/case")
            print(f"{'  the report JSON alone (json.dumps)':<40} {writing * 1e3:7.3f} ms/case"
                  f"   = {writing / base:4.1f} × floor by itself")
            sum_parts = base + evaluation + writing
            print(f"{'  the parts: floor + evaluation + report':<40} {sum_parts * 1e3:7.3f} ms/case")
            for form in ("json", "text"):
                per_case = least(end_to_end, paths, engine, form) / n
                print(f"{f'{engine} end to end, --format {form}':<40} {per_case * 1e3:7.3f} ms/case"
                      f"   = {per_case / base:4.1f} × floor, floor + {(per_case - base) * 1e3:.3f} ms, "
                      f"{per_case / sum_parts:4.1f} × the parts")
        print("targets: native ≤ 2 × floor; durable-rules ≤ floor + 0.5 ms")
        if many:
            folder = Path(tmp) / "many"
            folder.mkdir()
            paths = write_cases(folder, many)
            wall, cpu, status = jobs_run(paths, "native", 2)
            print(f"{many:,} JSON case files, yifa check --jobs 2 --engine native --format json: {wall:.2f} s wall, "
                  f"{cpu:.2f} CPU s in all (exit {status})   target ≤ 5 s wall; the floor of these files on one "
                  f"core: {base * many:.2f} s")
            print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    import argparse
    parser = argparse.ArgumentParser(description="Per-case cost of `yifa check` beside the floor.")
    parser.add_argument("n_cases", nargs="?", type=int, default=200, help="case files timed in one process (200)")
    parser.add_argument("n_jobs_files", nargs="?", type=int, default=10_000,
                        help="files for the --jobs 2 run (10,000; 0 leaves it out)")
    args = parser.parse_args()
    main(args.n_cases, args.n_jobs_files)
