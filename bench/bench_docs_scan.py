"""Scan a normative-document register of 100,000 documents (CASE_FORMAT §3, §5). Target: ≤ 5 s with the
native evaluator; the durable-rules figure is reported in the same run, and peak memory.

Each figure is measured in a fresh process (so peak memory is that phase's own):
  baseline   the stdlib csv module reading the same file into dicts (what reading costs at all)
  parse      CSV → validated register rows (engine/registers/documents.read_documents)
  scan       rows → verdicts of every rule → summary (needing action, by rule, by issuer)
  scan+json  the same, writing CASE_FORMAT §5's JSON (every finding of every document) to /dev/null
  durable    scan with durable-rules, on a sample (its per-document time is extrapolated)

Usage: python bench/bench_docs_scan.py [DOCS] [DURABLE_SAMPLE]
"""
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench._machine import machine_line, peak_mib  # noqa: E402
from bench._scan import command_line, phase_runner, ready  # noqa: E402

AS_OF = date(2024, 6, 1)


def phase(name: str, path: str, limit: int) -> dict:
    """The figures of a phase run in this process: parse, scan, scan+json or durable."""
    t0 = time.perf_counter()
    from engine.documents.use_cases import read_documents
    documents = [r.record for r in read_documents(path)][:limit]
    parsed = time.perf_counter()
    if name == "parse":
        return {"seconds": parsed - t0, "rows": len(documents), "peak_mib": peak_mib()}
    from engine.documents.scan import DocumentScanner, Summary, write_json
    scanner = ready(lambda engine: DocumentScanner(AS_OF, engine=engine), name, documents[0])
    start = time.perf_counter()
    if name == "scan+json":
        with open(os.devnull, "w", encoding="utf-8") as out:
            summary = write_json(scanner, scanner.scan(documents), out)
    else:
        summary = Summary()
        for scan in scanner.scan(documents):
            summary.add(scan)
    end = time.perf_counter()
    return {"seconds": end - start, "parse_seconds": parsed - t0, "rows": len(documents),
            "needing_action": summary.needing_action, "peak_mib": peak_mib()}


run = phase_runner(__file__)


def main(count: int, durable_sample: int) -> None:
    from tests.docgen import generate, to_csv
    print(machine_line())
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "register.csv")
        t = time.perf_counter()
        docs, plan = generate(count, AS_OF, seed=1)
        Path(path).write_text(to_csv(docs), encoding="utf-8")
        size = os.path.getsize(path) / 2**20
        print(f"register: {count:,} generated documents ({size:.1f} MiB CSV, "
              f"{sum(1 for v in plan.values() if v):,} with planted defects) in {time.perf_counter() - t:.1f} s")
        base = run("baseline", path, count)
        print(f"baseline  csv.DictReader of the file     {base['seconds']:6.2f} s   peak {base['peak_mib']:6.0f} MiB")
        parse = run("parse", path, count)
        print(f"parse     CSV → validated rows          {parse['seconds']:6.2f} s   peak {parse['peak_mib']:6.0f} MiB"
              f"   ({parse['seconds'] / count * 1e6:.1f} µs/row)")
        scan = run("scan", path, count)
        print(f"scan      native, rows → summary        {scan['seconds']:6.2f} s   peak {scan['peak_mib']:6.0f} MiB"
              f"   ({scan['seconds'] / count * 1e6:.1f} µs/document; {scan['needing_action']:,} need action)")
        full = run("scan+json", path, count)
        print(f"scan+json native, §5 JSON to /dev/null  {full['seconds']:6.2f} s   peak {full['peak_mib']:6.0f} MiB")
        total = parse["seconds"] + scan["seconds"]
        print(f"end to end (parse + scan)               {total:6.2f} s")
        sample = min(durable_sample, count)
        durable = run("durable", path, sample)
        per = durable["seconds"] / sample
        print(f"durable   durable-rules, {sample:,} sample    {durable['seconds']:6.2f} s   peak {durable['peak_mib']:6.0f} MiB"
              f"   ({per * 1e6:.1f} µs/document → {per * count:.1f} s for {count:,}; "
              f"{per / (scan['seconds'] / count):.1f}× native)")
        verdict = "met" if scan["seconds"] <= 5 else "MISSED"
        print(f"target: scan {count:,} documents ≤ 5 s native — {verdict} ({scan['seconds']:.2f} s)")


if __name__ == "__main__":
    command_line(phase, main, records=100_000, durable_sample=20_000, baseline_whole=True)
