"""A large register's whole scan as a job (engine/jobs/scans.py): the clean-up scan of more than
SCAN_JOB_ROWS documents, the follow-up list of more than SCAN_JOB_ROWS penalties, or the catalogue
scan of more than SCAN_JOB_ROWS items and stored cases, is made by the job worker, not in the
request. The page that asked for it answers 202 with the job's progress and reloads itself; once
the scan is kept in the queue's store, every page and every app server reads it from there (and
keeps it in its own process, web/document_scan.py, web/credit_followups.py). The downloads of such
a register's scan (/documents/scan.csv and .json, /credit/follow-ups.csv, /credit/scan.json,
/catalogue/scan.json) are written by the worker into the blob store, one file per format, language
and filter; the request that asked waits the same way, then sends the file.

    scanned_by_job(session, kind, state, as_of, jurisdiction, version)
                              the finished scan, or ScanPending raised after queueing it
    download_by_job(session, kind, state, as_of, jurisdiction, version, download)
                              the download's file written by the job (opened), or ScanPending
    scan_download(session, kind, state, …, download, name)
                              the download as a response: written in the request for a small
                              register, by the job for a large one (the same bytes and headers)
    init_app(app)             ScanPending becomes the waiting page (202, or 503 when the job failed),
                              at the URL that asked, so no page needs to know about jobs: an HTML
                              page for a browser (a download's too: it reloads the download's URL,
                              which then sends the file), plain text for a script or the API
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping
from datetime import date
from typing import IO, Any

from flask import Flask, Response, current_app, render_template, request, url_for
from sqlalchemy.orm import Session

from engine.core import clock
from engine.jobs.scans import (
    DONE,
    FAILED,
    finished_scan,
    new_job,
    queue_scan,
    scan_id,
    scan_state,
    write_download,
)
from engine.jobs.state import interrupted
from engine.units.scope import limit_of
from web.jobs import job_queue
from web.register_imports import spooled_text

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
    job = _job(session, kind, state, as_of, jurisdiction, version)
    queue = job_queue()
    found = finished_scan(queue.huey, job["id"])
    if found is not None:
        return found
    job = _queued(queue, job)
    found = finished_scan(queue.huey, job["id"])
    if found is not None:
        return found
    raise ScanPending(job)


def download_by_job(session: Session, kind: str, state: tuple, as_of: date, jurisdiction: str, version: str,
                    download: Mapping[str, str]) -> IO[bytes]:
    """The download of the session's register (its units, `state`; `download`: format, language,
    filters) written by a job, as an open local copy of the blob store's file; else queue the job
    (once) and raise ScanPending. With jobs run at once (YIFA_JOBS=immediate) it is written here."""
    job = _job(session, kind, state, as_of, jurisdiction, version, download)
    queue = job_queue()
    held = scan_state(queue.huey, job["id"])
    found = _kept_file(held) if held is not None else None
    if found is not None:
        return found
    job = _queued(queue, job)
    found = _kept_file(job)
    if found is not None:
        return found
    raise ScanPending(job)


def _job(session: Session, kind: str, state: tuple, as_of: date, jurisdiction: str, version: str,
         download: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The job that scans the session's register (its units, `state`), named by the digest of all
    the scan depends on (engine/jobs/scans.scan_id)."""
    scope = limit_of(session)
    units = None if scope is None else scope.units
    scan = scan_id(kind, current_app.config["DATABASE_URL"], units, state, as_of, jurisdiction, version, download)
    return new_job(scan, kind, as_of, jurisdiction, units, state[0], download)


def _queued(queue: Any, job: dict[str, Any]) -> dict[str, Any]:
    """The job queued (once; again on `?retry=1` after it failed or stopped): its state as held."""
    return queue_scan(queue.tasks, current_app.config["DATABASE_URL"], job, retry=request.args.get("retry") == "1")


def scan_download(session: Session, kind: str, state: tuple, as_of: date, jurisdiction: str, version: str,
                  download: Mapping[str, str], name: str) -> Response:
    """The session's register scanned as a download named `name` (`download`: format csv | json,
    language, filters): written in the request, or — a register of more than SCAN_JOB_ROWS records —
    by the job worker, ScanPending until its file is kept. The same bytes and headers either way
    (engine/jobs/scans.write_download)."""
    if by_job(state[0]):
        raw = download_by_job(session, kind, state, as_of, jurisdiction, version, download)
    else:
        raw = spooled_text(lambda out: write_download(kind, session, as_of, jurisdiction, download, out))
    return sent_download(raw, "text/csv" if download["format"] == "csv" else "application/json", name)


def sent_download(raw: IO[bytes], mimetype: str, name: str) -> Response:
    """A written download (a local file at its start) sent in blocks with its length and name; the file
    is closed once sent or when the response is dropped."""
    size = os.fstat(raw.fileno()).st_size

    def blocks() -> Iterator[bytes]:
        try:
            while block := raw.read(256 * 1024):
                yield block
        finally:
            raw.close()

    response = Response(blocks(), mimetype=mimetype)
    response.headers["Content-Type"] = f"{mimetype}; charset=utf-8"
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _kept_file(job: dict[str, Any]) -> IO[bytes] | None:
    """The done job's file, copied out of the blob store into a local temporary file (opened, its name
    already gone), or None when the job is not done or its file is no longer kept."""
    from engine.store.blobs import blob_store
    if job["state"] != DONE or not job.get("file_key"):
        return None
    handle, name = tempfile.mkstemp(prefix="yifa-scan-download-")
    os.close(handle)
    try:
        blob_store().fetch(job["file_key"], name)
        return open(name, "rb")
    except FileNotFoundError:              # tidied away since: the job is queued again
        return None
    finally:
        os.unlink(name)


def wants_page() -> bool:
    """Whether the client asks for an HTML page before anything else (a browser following a link):
    a script, curl (`*/*`) or the API is answered in plain text."""
    accept = request.accept_mimetypes
    html = max((q for kind, q in accept if kind in ("text/html", "application/xhtml+xml")), default=0)
    return html > 0 and html >= max((q for _, q in accept), default=0)


def waiting_page(pending: ScanPending) -> Any:
    """The job's progress while it runs (the page reloads itself: a download's page reloads the
    download, which is then sent); what went wrong when it failed or its worker stopped, with a link
    that queues it again (`retry=1`). A download asked for by a script, or the API, is told in plain
    text with Retry-After."""
    job = pending.job
    stopped = interrupted(job, clock.now())
    failed = job["state"] == FAILED or stopped
    status = 503 if failed else 202
    headers = {"Retry-After": str(POLL_SECONDS), "Cache-Control": "no-store"}
    download = request.path.endswith((".csv", ".json"))
    if request.path.startswith("/api/") or request.path.endswith(".ics") or (download and not wants_page()):
        text = ("登记表扫描失败，请加上 retry=1 重新排队 / the register scan failed; ask again with retry=1 to queue "
                "it again" if failed else
                "登记表正在扫描，请稍后重试 / the register is being scanned; try again shortly")
        return text + "\n", status, {**headers, "Content-Type": "text/plain; charset=utf-8"}
    endpoint = request.endpoint or "home.index"
    arguments: dict[str, Any] = {**(request.view_args or {}), **request.args.to_dict()}
    arguments.pop("retry", None)
    reload = url_for(endpoint, **arguments) if "retry" in request.args else None    # not queued again each time
    return render_template("scan_pending.html", job=job, failed=failed, interrupted=stopped, poll=POLL_SECONDS,
                           retry_url=url_for(endpoint, **arguments, retry="1"), reload_url=reload,
                           download=request.path.rsplit("/", 1)[-1] if download else None), status, headers


def init_app(app: Flask) -> None:
    app.register_error_handler(ScanPending, waiting_page)
