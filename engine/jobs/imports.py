"""A register import run as a job: a file too large to import inside a web request (above the web's
YIFA_IMPORT_JOB_BYTES) is put in the blob store, and a worker imports it exactly as the CLI does
(engine/<register>/use_cases.py: the same roles, all or nothing, the same trail events), telling
its progress as it goes.

The job's state is one record in the queue's own store (Huey's key-value storage: the SQLite file
on one machine, Redis across machines), so the page that shows it may be served by any app server:

    {"id", "register", "actor", "filename", "state": queued | running | done | refused | failed,
     "read": rows read so far, "total": about how many rows the file has,
     "imported" / "updated" / "unchanged": counts, "rejected_rows": count,
     "problems" / "warnings": [[path, message], …] (the first SHOWN of each), "problem_count",
     "warning_count", "rejected_key": the skipped rows' CSV in the blob store, or None,
     "error": what went wrong when failed}

The upload is removed from the blob store when the job ends. The skipped rows' file
(`imports/<job>/rejected.csv`) and the job's state stay for the importer to come back to, a day
after the job ended (KEEP): the worker's hourly `tidy_jobs` then forgets both. A running job that
has saved no progress for STALE is `interrupted` (its worker died; the database rolled its
transaction back): its page says so, and it is forgotten a day later too.
"""
from __future__ import annotations

import logging
import secrets
import tempfile
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from engine.core import clock
from engine.jobs.state import RUNNING, forget_ended

log = logging.getLogger("yifa.jobs")
STATE = "import-job:"           # the key of a job's state in the queue's store
SHOWN = 1000                    # problems and warnings kept in the state for the page to list
QUEUED, DONE, REFUSED, FAILED = "queued", "done", "refused", "failed"
ENDED = (DONE, REFUSED, FAILED)
KEEP = timedelta(days=1)        # how long an ended job's state and skipped rows are kept


def import_function(register: str) -> Callable[..., Any]:
    """The engine's import of a register, by its job name (engine/registers/kinds.DECLARED_IN)."""
    from engine.registers.kinds import DECLARED_IN, register_kind
    if register not in DECLARED_IN:
        raise ValueError(f"no register {register!r} to import")
    return register_kind(register).import_file


def new_job(register: str, actor: str, filename: str, upload: Path, skip_invalid: bool,
            encoding: str | None, total: int | None) -> dict[str, Any]:
    """Keep the upload (a local file) in the blob store and give the job's first state (not yet
    saved nor queued)."""
    from engine.store.blobs import blob_store
    import_function(register)                       # an unknown register is refused before anything is kept
    job_id = secrets.token_urlsafe(12)
    upload_key = f"imports/{job_id}/upload{upload.suffix}"
    blob_store().put_file(upload_key, upload)
    return {"id": job_id, "register": register, "actor": actor, "filename": filename, "state": QUEUED,
            "upload_key": upload_key, "skip_invalid": skip_invalid, "encoding": encoding,
            "read": 0, "total": total, "imported": 0, "updated": 0, "unchanged": 0, "rejected_rows": 0,
            "problems": [], "warnings": [], "problem_count": 0, "warning_count": 0,
            "rejected_key": None, "error": None}


def save_state(huey: Any, job: dict[str, Any]) -> None:
    """Keep the job's state, stamped with when (`saved_at`: a running job saves it every batch)."""
    job["saved_at"] = clock.now().isoformat()
    huey.put(STATE + job["id"], dict(job))


def job_state(huey: Any, job_id: str) -> dict[str, Any] | None:
    """The job's state as last saved, or None for no such job."""
    return huey.get(STATE + job_id, peek=True)


def run_import_job(huey: Any, engine: Any, job: dict[str, Any]) -> str:
    """Import the job's file in one transaction, saving its progress every batch and its outcome at
    the end; gives the outcome in one line (the worker's log)."""
    from engine.core.errors import InputError, YifaError
    from engine.store.blobs import blob_store
    from engine.store.uow import UnitOfWork
    store = blob_store()
    job = dict(job, state=RUNNING)
    save_state(huey, job)

    def progress(read: int) -> None:
        job["read"] = read
        save_state(huey, job)

    with tempfile.TemporaryDirectory(prefix="yifa-import-") as folder:
        path = Path(folder) / Path(job["upload_key"]).name
        rejected = Path(folder) / "rejected.csv"
        try:
            store.fetch(job["upload_key"], path)
            with UnitOfWork(engine) as uow:
                result = import_function(job["register"])(
                    uow, path, job["actor"], skip_invalid=job["skip_invalid"],
                    rejected_out=rejected if job["skip_invalid"] else None, encoding=job["encoding"],
                    progress=progress)
                uow.commit()
        except InputError as refused:
            job.update(state=REFUSED, **_problems("problems", refused.problems))
        except YifaError as refused:             # not allowed to import (roles), …
            job.update(state=REFUSED, problems=[["", str(refused)]], problem_count=1)
        except Exception as exc:                 # the database went away, …: said, and logged whole
            log.exception("import job %s failed", job["id"])
            job.update(state=FAILED, error=f"{type(exc).__name__}: {exc}")
        else:
            job.update(state=DONE, imported=len(result.imported), updated=len(result.updated),
                       unchanged=len(result.unchanged),
                       rejected_rows=len({p.path.split(",")[0] for p in result.rejected}),
                       **_problems("problems", result.rejected), **_problems("warnings", result.warnings))
            if result.rejected and rejected.exists():
                job["rejected_key"] = f"imports/{job['id']}/rejected.csv"
                store.put(job["rejected_key"], rejected.read_bytes())
        finally:
            store.remove(job["upload_key"])
    job["ended_at"] = clock.now().isoformat()
    save_state(huey, job)
    return f"import {job['id']} ({job['register']}, {job['filename']}): {job['state']}"


def tidy_jobs(huey: Any, now: datetime, keep: timedelta = KEEP) -> int:
    """Forget the import jobs that ended more than `keep` before `now`: their state and their
    skipped rows' file. Gives how many were forgotten."""
    return forget_ended(huey, STATE, ENDED, now, keep, _forget_files)


def _forget_files(job: dict[str, Any]) -> None:
    if job.get("rejected_key"):
        from engine.store.blobs import blob_store
        blob_store().remove(job["rejected_key"])


def _problems(name: str, problems: Sequence[Any]) -> dict[str, Any]:
    count = "problem_count" if name == "problems" else "warning_count"
    return {name: [[p.path, p.message] for p in problems[:SHOWN]], count: len(problems)}
