"""The job queue: Huey, chosen because it is small, well kept, and runs the same tasks on a SQLite file
(one machine, no server) or on Redis (several machines), with periodic tasks built in — Celery would
need a broker server even on one machine.

    JobSettings.from_env()     REDIS_URL → Redis; else `$YIFA_INSTANCE/jobs.sqlite3`;
                               YIFA_JOBS=immediate runs each job at once, in the caller (tests, tools)
    jobs_for(settings)         the queue and its tasks (engine/jobs/tasks.py), one per settings
    Jobs.worker(n)             a consumer of the queue (`yifa jobs worker`)
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey

QUEUE_NAME = "yifa"


@dataclass(frozen=True)
class JobSettings:
    instance: Path
    redis_url: str = ""
    immediate: bool = False
    name: str = QUEUE_NAME               # YIFA_REDIS_PREFIX: instances sharing one Redis keep apart (also the login limit's)

    @classmethod
    def from_env(cls, instance: Path | None = None) -> "JobSettings":
        from engine.store.db import instance_dir
        return cls(Path(instance or instance_dir()).resolve(), os.environ.get("REDIS_URL", "").strip(),
                   os.environ.get("YIFA_JOBS", "").strip() == "immediate",
                   os.environ.get("YIFA_REDIS_PREFIX", "").strip() or QUEUE_NAME)

    @property
    def where(self) -> str:
        """Where the queue is, for people (no password shown)."""
        if self.immediate:
            return "immediate (in the caller)"
        if self.redis_url:
            return "redis://" + self.redis_url.split("@")[-1].removeprefix("redis://")
        return str(self.instance / "jobs.sqlite3")


class Jobs:
    """A queue and its tasks."""

    def __init__(self, settings: JobSettings) -> None:
        from engine.jobs.tasks import Tasks
        self.settings = settings
        self.huey: Huey = _huey(settings)
        self.tasks = Tasks(self.huey)

    def worker(self, workers: int = 2) -> Any:
        """A consumer (threads) of this queue; `.run()` it in a process's main thread."""
        return self.huey.create_consumer(workers=workers, worker_type="thread")


def _huey(settings: JobSettings) -> Huey:
    if settings.immediate:
        return Huey(settings.name, immediate=True)
    if settings.redis_url:
        return RedisHuey(settings.name, url=settings.redis_url)
    settings.instance.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(settings.name, filename=str(settings.instance / "jobs.sqlite3"))


_made: dict[JobSettings, Jobs] = {}


def jobs_for(settings: JobSettings) -> Jobs:
    """The queue of these settings (made once per process)."""
    if settings not in _made:
        _made[settings] = Jobs(settings)
    return _made[settings]
