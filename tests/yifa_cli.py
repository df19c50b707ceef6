"""Run `yifa` as a user does: `python -m engine.cli …` in a new process, on a SQLite instance folder
(or on the database `database_url` names)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def yifa_env(instance: Path, database_url: str | None = None) -> dict[str, str]:
    """The environment of a `yifa` run: the instance folder, DATABASE_URL only when given, no YIFA_RULES."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "YIFA_RULES")}
    env.update(PYTHONPATH=str(ROOT), YIFA_INSTANCE=str(instance))
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return env


def run_yifa(instance: Path, *argv: object, cwd: Path = ROOT, database_url: str | None = None) -> subprocess.CompletedProcess:
    """`python -m engine.cli …` on the SQLite instance in `instance` (no DATABASE_URL, no YIFA_RULES)."""
    return subprocess.run([sys.executable, "-m", "engine.cli", *map(str, argv)], cwd=cwd,
                          env=yifa_env(instance, database_url), capture_output=True, text=True, timeout=180)


def start_yifa(instance: Path, *argv: object, cwd: Path = ROOT, database_url: str | None = None) -> subprocess.Popen:
    """Start `python -m engine.cli …` without waiting for it (`.communicate()` collects its output)."""
    return subprocess.Popen([sys.executable, "-m", "engine.cli", *map(str, argv)], cwd=cwd,
                            env=yifa_env(instance, database_url), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def run_yifa_on(database_url: str, *argv: object) -> subprocess.CompletedProcess:
    """`python -m engine.cli …` on the database at `database_url` (a web test's app's)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": database_url}
    return subprocess.run([sys.executable, "-m", "engine.cli", *map(str, argv)], capture_output=True, text=True,
                          cwd=ROOT, env=env, check=False)


def with_worker(instance: Path, database_url: str, done: Callable[[], Any], seconds: float, what: str) -> Any:
    """Run a `yifa jobs worker` on the instance until `done()` gives something true (asked every 0.2 s,
    at most `seconds`, the worker still running); give that, and stop the worker."""
    worker = start_yifa(instance, "jobs", "worker", "--workers", "1", database_url=database_url)
    try:
        deadline = time.monotonic() + seconds
        while not (answer := done()):
            assert worker.poll() is None, worker.communicate()
            assert time.monotonic() < deadline, f"the worker did not {what} in {seconds:.0f} s"
            time.sleep(0.2)
        return answer
    finally:
        worker.send_signal(signal.SIGINT)
        worker.communicate(timeout=30)
