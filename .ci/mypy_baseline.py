#!/usr/bin/env python3
"""Run `mypy engine web` and compare its errors with the baseline (.ci/mypy-baseline.txt).

An error is its file, its code and its message (line numbers move with every edit, so they are
left out). New errors fail; errors the baseline lists that no longer occur fail too, so the
baseline only shrinks: `--update` rewrites it from the current errors (review the diff).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

BASELINE = Path(__file__).with_name("mypy-baseline.txt")
LINE = re.compile(r"^(?P<file>[^:]+):\d+(?::\d+)?: error: (?P<message>.*?)\s+\[(?P<code>[\w-]+)\]$")


def current_errors() -> Counter[str]:
    """The errors mypy reports now, as `file: [code] message`, counted."""
    # no incremental cache: a stale one hides errors (missing stubs) that a fresh clone reports
    proc = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", os.devnull, "engine", "web"],
                          capture_output=True, text=True)
    errors = Counter(f"{m['file']}: [{m['code']}] {m['message']}"
                     for m in map(LINE.match, proc.stdout.splitlines()) if m)
    if proc.returncode not in (0, 1) or (proc.returncode == 1 and not errors):
        sys.exit(f"mypy failed to run:\n{proc.stdout}{proc.stderr}")
    return errors


def main() -> int:
    errors = current_errors()
    if "--update" in sys.argv:
        BASELINE.write_text("".join(f"{e}\n" for e in sorted(errors.elements())))
        print(f"mypy baseline: {sum(errors.values())} errors written to {BASELINE}")
        return 0
    baseline = Counter(line for line in BASELINE.read_text().splitlines() if line.strip())
    new, fixed = errors - baseline, baseline - errors
    for e in sorted(new.elements()):
        print(f"new mypy error: {e}")
    for e in sorted(fixed.elements()):
        print(f"fixed (remove it from {BASELINE.name}): {e}")
    print(f"mypy: {sum(errors.values())} errors, baseline {sum(baseline.values())}; "
          f"{sum(new.values())} new, {sum(fixed.values())} fixed")
    return 1 if new or fixed else 0


if __name__ == "__main__":
    sys.exit(main())
