"""What every kind of job shares about the state it keeps in the queue's store (engine/jobs/imports.py,
engine/jobs/scans.py): when a running job counts as stopped, and how the hourly tidy forgets the ended.

    interrupted(job, now)      a running job that saved no progress for STALE: its worker died
    forget_ended(huey, …)      forget the jobs that ended (or stopped) more than a while ago
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

RUNNING = "running"              # a job's state while a worker has it (engine/jobs/imports.py, scans.py)
STALE = timedelta(minutes=10)    # a running job saves its progress every batch (seconds): silent this long, it stopped


def interrupted(job: dict[str, Any], now: datetime) -> bool:
    """Whether a running job has stopped: no progress saved for STALE (its worker was killed or lost its
    machine)."""
    saved = job.get("saved_at")
    return job["state"] == RUNNING and saved is not None and datetime.fromisoformat(saved) < now - STALE


def forget_ended(huey: Any, prefix: str, ended_states: tuple[str, ...], now: datetime, keep: timedelta,
                 forget: Callable[[dict], None]) -> int:
    """Forget the jobs whose state is kept under `prefix` and that ended (a state in `ended_states`)
    or were `interrupted` (counted from the last progress saved) more than `keep` before `now`:
    `forget(job)` deletes what the job left, then its state goes. Gives how many were forgotten (the
    worker's hourly tidy, engine/jobs/tasks.py)."""
    forgotten = 0
    for key, raw in huey.all_results().items():
        if not key.startswith(prefix):
            continue
        job = huey.serializer.deserialize(raw)
        ended = job.get("ended_at") if job.get("state") in ended_states else \
            job.get("saved_at") if interrupted(job, now) else None
        if not ended or datetime.fromisoformat(ended) > now - keep:
            continue
        forget(job)
        huey.delete(key)
        forgotten += 1
    return forgotten
