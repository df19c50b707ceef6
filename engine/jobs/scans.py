"""A whole-register scan run as a job: a register of more than YIFA_SCAN_JOB_ROWS records (for the
decision catalogue: items and the stored cases they are matched against) is scanned by the worker,
not inside a web request, and the finished scan is kept in the queue's own store (Huey's
key-value storage: the SQLite file on one machine, Redis across machines) for any app server to show.
A download of such a register's scan (the documents' worklist CSV and §5 JSON, the follow-ups' CSV and
§6 JSON, the catalogue scan's JSON) is written by the worker too, into the blob store (engine/store/blobs.py: the instance folder,
or an object store shared by the app servers), with the writer a request uses for a small register
(engine/documents/scan.write_download, engine/credit/scan.write_download): the same bytes.

    scan_id(kind, …, download)        a scan's id: a digest of all it depends on (database, the units
                                      it covers, register state, day, jurisdiction, rulebook version;
                                      for a download its format, language and filters too)
    finished_scan(huey, scan_id)      the kept scan (engine/documents/scan.RegisterScan,
                                      engine/credit/scan.FollowUpList or
                                      engine/catalogue/scan.CatalogueScan), or None
    scan_state(huey, scan_id)         {"id", "kind", "as_of", "jurisdiction", "units", "state": queued |
                                      running | done | failed, "read", "total", "saved_at", "error",
                                      "download": None or {"format", "lang", "authority", "action"},
                                      "file_key": the download's key in the blob store, "size"}
    queue_scan(tasks, url, job)       queue it, unless it is queued or running already
    run_scan_job(huey, engine, job)   the worker's part: scan the units' register, keep the scan (or
                                      write the download into the blob store)
    tidy_scans(huey, now)             forget the scans that ended over KEEP ago, and their files

The job's id is the scan's: two requests for one scan (two app servers, a page reloading itself)
queue one job. A change to the register makes another id, so a kept scan is never out of date;
it is forgotten a day after it was made. A running job that saved no progress for STALE is
`interrupted` (its worker died): the page says so, like a job that failed, and offers to queue it
again (`retry`). A download's file is written whole to a local temporary file first, and only then
put in the blob store: a job that fails leaves no file behind.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from engine.core import clock
from engine.jobs.state import RUNNING, forget_ended, interrupted

log = logging.getLogger("yifa.jobs")
STATE, RESULT = "scan-job:", "scan-result:"      # keys in the queue's store
DOCUMENTS, FOLLOW_UPS, CATALOGUE = "documents", "follow-ups", "catalogue"
KINDS = (DOCUMENTS, FOLLOW_UPS, CATALOGUE)
FILES = "scan-downloads/"        # the downloads' keys in the blob store: scan-downloads/<id>.<format>
QUEUED, DONE, FAILED = "queued", "done", "failed"
KEEP = timedelta(days=1)
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
            jurisdiction: str, version: str, download: Mapping[str, str] | None = None) -> str:
    """The id of the scan of these inputs (the same in every process: no Python hash in it); a
    download's format, language and filters make another id for each."""
    parts: list[Any] = [kind, database, None if units is None else sorted(units), [str(s) for s in state],
                        as_of.isoformat(), jurisdiction, version]
    if download is not None:
        parts.append(dict(sorted(download.items())))
    text = json.dumps(parts, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def new_job(scan: str, kind: str, as_of: date, jurisdiction: str, units: frozenset[str] | None,
            total: int, download: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A scan job's first state (not yet saved nor queued); with `download` ({"format": csv | json,
    "lang", and for the follow-ups "authority" and "action"}), the job writes that file instead of
    keeping the scan."""
    if kind not in KINDS:
        raise ValueError(f"no register scan {kind!r}")
    if download is not None and download.get("format") not in ("csv", "json"):
        raise ValueError(f"no scan download {download.get('format')!r}")
    return {"id": scan, "kind": kind, "as_of": as_of.isoformat(), "jurisdiction": jurisdiction,
            "units": None if units is None else sorted(units), "state": QUEUED, "read": 0, "total": total,
            "error": None, "download": None if download is None else dict(download), "file_key": None, "size": None}


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


def kept(huey: Any, job: dict[str, Any]) -> bool:
    """Whether a job that is done still has its outcome kept: the scan in the queue's store, or the
    download's file in the blob store."""
    if job.get("download") is None:
        return finished_scan(huey, job["id"]) is not None
    from engine.store.blobs import blob_store
    return bool(job.get("file_key")) and blob_store().exists(job["file_key"])


def queue_scan(tasks: Any, database_url: str, job: dict[str, Any], retry: bool = False) -> dict[str, Any]:
    """Queue the scan unless a job for it is queued, running or done; give the job's state. A job
    that failed or was interrupted is given as it is (for the page to say so), or queued again
    with `retry`."""
    held = scan_state(tasks.huey, job["id"])
    if held is not None:
        stopped = held["state"] == FAILED or interrupted(held, clock.now())
        if held["state"] in (QUEUED, RUNNING) and not stopped:
            return held
        if held["state"] == DONE and kept(tasks.huey, held):
            return held
        if stopped and not retry:
            return held
    save_state(tasks.huey, job)
    tasks.register_scan(database_url, job)
    return scan_state(tasks.huey, job["id"]) or job


def run_scan_job(huey: Any, engine: Any, job: dict[str, Any]) -> str:
    """Scan the register of the job's units as of its day, keep the scan (or, for a download, put its
    file in the blob store), save the job's progress as it goes; gives the outcome in one line (the
    worker's log)."""
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
            if job.get("download") is None:
                result = _scan(job["kind"], uow.session, date.fromisoformat(job["as_of"]), job["jurisdiction"],
                               progress)
            else:
                job.update(_keep_download(job, uow.session, progress))
    except Exception as exc:             # the database went away, a broken rulebook…: said, and logged whole
        log.exception("scan job %s failed", job["id"])
        job.update(state=FAILED, error=f"{type(exc).__name__}: {exc}")
    else:
        if job.get("download") is None:
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
    if kind == CATALOGUE:
        from engine.catalogue import scan as catalogue
        from engine.catalogue.queries import iter_items, stored_cases
        return catalogue.scan_catalogue(catalogue.CatalogueScanner(as_of, jurisdiction), iter_items(session),
                                        stored_cases(session), progress)
    from engine.core.check import checker_for
    from engine.core.domains import CREDIT
    from engine.credit.queries import iter_penalties
    from engine.credit.scan import CreditScanner, follow_up_list
    scanner = CreditScanner(as_of, jurisdiction, checker=checker_for(jurisdiction, domain=CREDIT))
    return follow_up_list(scanner, jurisdiction, iter_penalties(session), progress)


def download_key(job: dict[str, Any]) -> str:
    """Where the job's download is kept in the blob store."""
    return f"{FILES}{job['id']}.{job['download']['format']}"


def _keep_download(job: dict[str, Any], session: Any, progress: Callable[[int], None]) -> dict[str, Any]:
    """Write the job's download into a local temporary file, then put it whole in the blob store;
    gives its key and size."""
    from engine.store.blobs import blob_store
    with tempfile.TemporaryDirectory(prefix="yifa-scan-") as folder:
        path = Path(folder) / "download"
        with open(path, "w", encoding="utf-8", newline="") as out:     # as a request spools it
            write_download(job["kind"], session, date.fromisoformat(job["as_of"]), job["jurisdiction"],
                           job["download"], out, progress)
        key = download_key(job)
        blob_store().put_file(key, path)
        return {"file_key": key, "size": path.stat().st_size}


def write_download(kind: str, session: Any, as_of: date, jurisdiction: str, download: Mapping[str, str],
                   out: TextIO, progress: Callable[[int], None] | None = None) -> None:
    """Write the download of the session's register (its format, language and filters) to `out`: what
    a web request sends for a small register, and the worker keeps for a large one."""
    lang = download.get("lang", "zh")
    if kind == DOCUMENTS:
        from engine.documents import scan as documents
        from engine.documents.queries import iter_documents
        documents.write_download(documents.DocumentScanner(as_of, jurisdiction, "native"), iter_documents(session),
                                 download["format"], out, lang, progress)
        return
    if kind == CATALOGUE:
        if download["format"] != "json":
            raise ValueError(f"no catalogue scan download {download['format']!r}")
        from engine.catalogue import scan as catalogue
        from engine.catalogue.queries import iter_items, stored_cases
        judge = catalogue.CatalogueScanner(as_of, jurisdiction)
        every = catalogue.read_entries(iter_items(session), stored_cases(session), progress)
        catalogue.write_json(judge, judge.scan(every), out, lang)
        return
    from engine.core.check import checker_for
    from engine.core.domains import CREDIT
    from engine.credit import scan as credit
    from engine.credit.queries import iter_penalties
    scanner = credit.CreditScanner(as_of, jurisdiction, authority=download.get("authority") or None,
                                   checker=checker_for(jurisdiction, domain=CREDIT))
    credit.write_download(scanner, iter_penalties(session), download["format"], out, lang,
                          download.get("action", ""), progress)


def tidy_scans(huey: Any, now: datetime, keep: timedelta = KEEP) -> int:
    """Forget the scans whose job ended (or stopped) more than `keep` before `now`: the state, the
    kept scan and the download's file. Gives how many were forgotten."""

    def forget(job: dict[str, Any]) -> None:
        if job.get("file_key"):
            from engine.store.blobs import blob_store
            blob_store().remove(job["file_key"])
        huey.delete(RESULT + job["id"])
    return forget_ended(huey, STATE, (DONE, FAILED), now, keep, forget)
