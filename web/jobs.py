"""The app's job queue (engine/jobs): on the instance folder's SQLite file, or on Redis when REDIS_URL
is set; YIFA_JOBS=immediate runs each job at once in the request (the tests, a one-process tool)."""
from __future__ import annotations

from pathlib import Path

from flask import current_app

from engine.jobs.queue import QUEUE_NAME, Jobs, JobSettings, jobs_for


def job_settings() -> JobSettings:
    config = current_app.config
    return JobSettings(Path(current_app.instance_path).resolve(), config.get("REDIS_URL", ""),
                       bool(config.get("JOBS_IMMEDIATE")), config.get("REDIS_PREFIX") or QUEUE_NAME)


def job_queue() -> Jobs:
    """The queue this app's jobs go to."""
    return jobs_for(job_settings())
