"""A large register's whole scan as a job (engine/jobs/scans.py): the clean-up scan of more than
SCAN_JOB_ROWS documents, or the follow-up list of more than SCAN_JOB_ROWS penalties, is made by the
job worker, not in the request. The page that asked for it answers 202 with the job's progress and
reloads itself; once the scan is kept in the queue's store, every page and every app server reads
it from there (and keeps it in its own process, web/document_scan.py, web/credit_followups.py).

    scanned_by_job(session, kind, state, as_of, jurisdiction, version)
                              the finished scan, or ScanPending raised after queueing it
    init_app(app)             ScanPending becomes the waiting page (202, or 503 when the job failed),
                              at the URL that asked, so no page needs to know about jobs
"""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import Flask, current_app, render_template, request, url_for
from sqlalchemy.orm import Session

from engine.core import clock
from engine.jobs.scans import (
    FAILED,
    finished_scan,
    interrupted,
    new_job,
    queue_scan,
    scan_id,
)
from engine.units.scope import limit_of
from web.jobs import job_queue

POLL_SECONDS = 2


class ScanPending(Exception):
    """The scan a page needs is being made by a job: the page is answered with its progress."""

    def __init__(self, job: dict[str, Any]) -> None:
        super().__init__(f"scan {job['id']} {job['state']}")
        self.job = job


def by_job(records: int) -> bool:
    """Whether a register of this many records is scanned by a job (SCAN_JOB_ROWS; 0: every one)."""
    return records > current_app.config["SCAN_JOB_ROWS"]


def scanned_by_job(session: Session, kind: str, state: tuple, as_of: date, jurisdiction: str, version: str) -> Any:
    """The scan of the session's register (its units, `state`) kept by a job; else queue the job (once)
    and raise ScanPending. With jobs run at once (YIFA_JOBS=immediate) the scan is made here."""
    scope = limit_of(session)
    units = None if scope is None else scope.units
    scan = scan_id(kind, current_app.config["DATABASE_URL"], units, state, as_of, jurisdiction, version)
    queue = job_queue()
    found = finished_scan(queue.huey, scan)
    if found is not None:
        return found
    job = queue_scan(queue.tasks, current_app.config["DATABASE_URL"],
                     new_job(scan, kind, as_of, jurisdiction, units, state[0]), retry=request.args.get("retry") == "1")
    found = finished_scan(queue.huey, scan)
    if found is not None:
        return found
    raise ScanPending(job)


def waiting_page(pending: ScanPending) -> Any:
    """The job's progress while it runs (the page reloads itself); what went wrong when it failed
    or its worker stopped, with a link that queues it again (`retry=1`)."""
    job = pending.job
    stopped = interrupted(job, clock.now())
    failed = job["state"] == FAILED or stopped
    status = 503 if failed else 202
    headers = {"Retry-After": str(POLL_SECONDS), "Cache-Control": "no-store"}
    if request.path.startswith("/api/") or request.path.endswith((".ics", ".csv", ".json")):   # not a page
        text = ("登记表扫描失败，请稍后重试 / the register scan failed; try again later" if failed else
                "登记表正在扫描，请稍后重试 / the register is being scanned; try again shortly")
        return text + "\n", status, {**headers, "Content-Type": "text/plain; charset=utf-8"}
    arguments: dict[str, Any] = {**(request.view_args or {}), **request.args.to_dict(), "retry": "1"}
    retry = url_for(request.endpoint or "home.index", **arguments)
    return render_template("scan_pending.html", job=job, failed=failed, interrupted=stopped,
                           poll=POLL_SECONDS, retry_url=retry), status, headers


def init_app(app: Flask) -> None:
    app.register_error_handler(ScanPending, waiting_page)
