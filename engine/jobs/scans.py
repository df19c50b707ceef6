"""A whole-register scan run as a job: a register of more than YIFA_SCAN_JOB_ROWS records is scanned by
the worker, not inside a web request, and the finished scan is kept in the queue's own store (Huey's
key-value storage: the SQLite file on one machine, Redis across machines) for any app server to show.

    scan_id(kind, …)                  a scan's id: a digest of all it depends on (database, the units
                                      it covers, register state, day, jurisdiction, rulebook version)
    finished_scan(huey, scan_id)      the kept scan (engine/documents/scan.RegisterScan or
                                      engine/credit/scan.FollowUpList), or None
    scan_state(huey, scan_id)         {"id", "kind", "as_of", "jurisdiction", "units", "state": queued |
                                      running | done | failed, "read", "total", "saved_at", "error"}
    queue_scan(tasks, url, job)       queue it, unless it is queued or running already
    run_scan_job(huey, engine, job)   the worker's part: scan the units' register, keep the scan
    tidy_scans(huey, now)             forget the scans that ended over KEEP ago

The job's id is the scan's: two requests for one scan (two app servers, a page reloading itself)
queue one job. A change to the register makes another id, so a kept scan is never out of date;
it is forgotten a day after it was made. A running job that saved no progress for STALE is
`interrupted` (its worker died): the page says so, like a job that failed, and offers to queue it
again (`retry`).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from engine.core import clock

log = logging.getLogger("yifa.jobs")
STATE, RESULT = "scan-job:", "scan-result:"      # keys in the queue's store
DOCUMENTS, FOLLOW_UPS = "documents", "follow-ups"
KINDS = (DOCUMENTS, FOLLOW_UPS)
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
KEEP = timedelta(days=1)
STALE = timedelta(minutes=10)
SAVE_EVERY = 5000                # records read between two saves of the progress
JOB_ROWS_VARIABLE = "YIFA_SCAN_JOB_ROWS"
DEFAULT_JOB_ROWS = 20_000        # ≈ 1–2 s of scanning in a request (bench/bench_docs_scan.py: 28 µs a document)


def scan_job_rows() -> int:
    """`$YIFA_SCAN_JOB_ROWS`: a register of more records than this is scanned by a job (default
    20,000; 0: every one); anything but a whole number is refused by name."""
    text = os.environ.get(JOB_ROWS_VARIABLE, "").strip()
    if not text:
        return DEFAULT_JOB_ROWS
    if not text.isdigit():
        from engine.core.errors import InputError
        raise InputError.single("<environment>", f"应为记录条数（整数）：{text!r} / must be a whole number of "
                                f"records: {text!r}", JOB_ROWS_VARIABLE)
    return int(text)


def scan_id(kind: str, database: str, units: frozenset[str] | None, state: tuple, as_of: date,
            jurisdiction: str, version: str) -> str:
    """The id of the scan of these inputs (the same in every process: no Python hash in it)."""
    text = json.dumps([kind, database, None if units is None else sorted(units), [str(s) for s in state],
                       as_of.isoformat(), jurisdiction, version], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def new_job(scan: str, kind: str, as_of: date, jurisdiction: str, units: frozenset[str] | None,
            total: int) -> dict[str, Any]:
    """A scan job's first state (not yet saved nor queued)."""
    if kind not in KINDS:
        raise ValueError(f"no register scan {kind!r}")
    return {"id": scan, "kind": kind, "as_of": as_of.isoformat(), "jurisdiction": jurisdiction,
            "units": None if units is None else sorted(units), "state": QUEUED, "read": 0, "total": total,
            "error": None}


def save_state(huey: Any, job: dict[str, Any]) -> None:
    """Keep the job's state, stamped with when (`saved_at`)."""
    job["saved_at"] = clock.now().isoformat()
    huey.put(STATE + job["id"], dict(job))


def scan_state(huey: Any, scan: str) -> dict[str, Any] | None:
    """The job's state as last saved, or None when no job was queued for this scan."""
    return huey.get(STATE + scan, peek=True)


def finished_scan(huey: Any, scan: str) -> Any:
    """The finished scan kept under this id, or None."""
    return huey.get(RESULT + scan, peek=True)


def interrupted(job: dict[str, Any], now: datetime) -> bool:
    """Whether a running job has stopped: no progress saved for STALE (its worker was killed)."""
    saved = job.get("saved_at")
    return job["state"] == RUNNING and saved is not None and datetime.fromisoformat(saved) < now - STALE


def queue_scan(tasks: Any, database_url: str, job: dict[str, Any], retry: bool = False) -> dict[str, Any]:
    """Queue the scan unless a job for it is queued, running or done; give the job's state. A job
    that failed or was interrupted is given as it is (for the page to say so), or queued again
    with `retry`."""
    held = scan_state(tasks.huey, job["id"])
    if held is not None:
        stopped = held["state"] == FAILED or interrupted(held, clock.now())
        if held["state"] in (QUEUED, RUNNING) and not stopped:
            return held
        if held["state"] == DONE and finished_scan(tasks.huey, job["id"]) is not None:
            return held
        if stopped and not retry:
            return held
    save_state(tasks.huey, job)
    tasks.register_scan(database_url, job)
    return scan_state(tasks.huey, job["id"]) or job


def run_scan_job(huey: Any, engine: Any, job: dict[str, Any]) -> str:
    """Scan the register of the job's units as of its day, keep the scan, save the job's progress as it
    goes; gives the outcome in one line (the worker's log)."""
    from engine.store.uow import UnitOfWork
    from engine.units.scope import EVERYTHING, Scope, limit_to
    job = dict(job, state=RUNNING)
    save_state(huey, job)

    def progress(read: int) -> None:
        job["read"] = read
        if read % SAVE_EVERY == 0:
            save_state(huey, job)

    try:
        with UnitOfWork(engine, read_only=True) as uow:
            limit_to(uow.session, EVERYTHING if job["units"] is None else Scope(frozenset(job["units"])))
            result = _scan(job["kind"], uow.session, date.fromisoformat(job["as_of"]), job["jurisdiction"], progress)
    except Exception as exc:             # the database went away, a broken rulebook…: said, and logged whole
        log.exception("scan job %s failed", job["id"])
        job.update(state=FAILED, error=f"{type(exc).__name__}: {exc}")
    else:
        huey.put(RESULT + job["id"], result)
        job["state"] = DONE
    job["ended_at"] = clock.now().isoformat()
    save_state(huey, job)
    return f"scan {job['id']} ({job['kind']}, {job['as_of']}): {job['state']}"


def _scan(kind: str, session: Any, as_of: date, jurisdiction: str, progress: Callable[[int], None]) -> Any:
    if kind == DOCUMENTS:
        from engine.documents.queries import iter_documents
        from engine.documents.scan import DocumentScanner, scan_register
        return scan_register(DocumentScanner(as_of, jurisdiction, "native"), iter_documents(session), progress)
    from engine.core.check import checker_for
    from engine.core.domains import CREDIT
    from engine.credit.queries import iter_penalties
    from engine.credit.scan import CreditScanner, follow_up_list
    scanner = CreditScanner(as_of, jurisdiction, checker=checker_for(jurisdiction, domain=CREDIT))
    return follow_up_list(scanner, jurisdiction, iter_penalties(session), progress)


def tidy_scans(huey: Any, now: datetime, keep: timedelta = KEEP) -> int:
    """Forget the scans whose job ended (or stopped) more than `keep` before `now`: the state and the
    kept scan. Gives how many were forgotten."""
    forgotten = 0
    for key, raw in huey.all_results().items():
        if not key.startswith(STATE):
            continue
        job = huey.serializer.deserialize(raw)
        ended = job.get("ended_at") if job.get("state") in (DONE, FAILED) else \
            job.get("saved_at") if interrupted(job, now) else None
        if not ended or datetime.fromisoformat(ended) > now - keep:
            continue
        huey.delete(RESULT + job["id"])
        huey.delete(key)
        forgotten += 1
    return forgotten
