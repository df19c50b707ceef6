"""Per-case latency of both evaluators on the national rulebook, from flattened facts to findings.

Targets (README): durable-rules p50 ≤ 1 ms per case; native ≥ 50,000 cases/s on one core.
Baseline measured in the same run: a JSON round trip of the same facts (what any engine that
takes a JSON fact must at least pay).
Usage: python bench/bench_evaluators.py [N_CASES]
"""
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._machine import machine_line  # noqa: E402
from engine.core.check import checker_for  # noqa: E402
from engine.core.yamlio import LoadedYaml  # noqa: E402
from engine.decisions.record import parse_case  # noqa: E402
from tests.casegen import random_as_of, random_case_document  # noqa: E402


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100 * len(xs)))]


def per_case(fn, facts_list):
    times = []
    for facts in facts_list:
        t = time.perf_counter_ns()
        fn(facts)
        times.append((time.perf_counter_ns() - t) / 1000)
    return times


def main(n: int = 3000) -> None:
    checker = checker_for("CN")
    rnd = random.Random(2026)
    facts_list = []
    for i in range(n):
        doc = random_case_document(rnd, i)
        case = parse_case(LoadedYaml(doc), f"gen-{i}")
        facts_list.append(checker.facts(case, random_as_of(rnd, doc)))
    durable, native = checker.evaluator("durable"), checker.evaluator("native")
    plans, cal = checker.plans, checker.calendar

    def to_findings(ev):
        return lambda f: [p.build(b, f, cal) for p, b in zip(plans, ev.evaluate(f))]

    print(machine_line())
    print(f"rulebook CN: {len(checker.compiled)} machine-checked rules, "
          f"{sum(len(c.branches) for c in checker.compiled)} verdict branches; {n} generated cases")
    for ev in (durable, native):              # warm up
        per_case(to_findings(ev), facts_list[:200])
    base = per_case(lambda f: json.loads(json.dumps(f)), facts_list)
    d = per_case(to_findings(durable), facts_list)
    nat = per_case(to_findings(native), facts_list)
    nat_eval = per_case(native.evaluate, facts_list)
    rows = [("baseline json round trip", base), ("durable-rules facts→findings", d),
            ("native facts→findings", nat), ("native facts→verdicts only", nat_eval)]
    for name, xs in rows:
        print(f"{name:<32} p50 {statistics.median(xs):8.1f} µs   p99 {percentile(xs, 99):8.1f} µs")
    print(f"ratio durable/native (p50, facts→findings): {statistics.median(d) / statistics.median(nat):.1f}×")
    t = time.perf_counter()
    rounds = 0
    while time.perf_counter() - t < 2.0:
        for f in facts_list:
            native.evaluate(f)
        rounds += 1
    rate = rounds * len(facts_list) / (time.perf_counter() - t)
    print(f"native throughput, one core, facts→verdicts: {rate:,.0f} cases/s   (target ≥ 50,000)")
    t = time.perf_counter()
    for f in facts_list:
        to_findings(native)(f)
    print(f"native throughput, one core, facts→findings: {n / (time.perf_counter() - t):,.0f} cases/s")
    print(f"durable-rules p50 {statistics.median(d) / 1000:.3f} ms   (target ≤ 1 ms)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000)
