"""The tasks the queue runs. Each takes plain values (the database's URL, ids, folders), opens what it
needs itself, and works the same in the worker process and, in immediate mode, in the caller.

    dossier_pdf(database_url, case_id, key)    print the dossier and keep it in the PDF cache (the blob store)
    register_import(database_url, job)         import a large register file (engine/jobs/imports.py)
    register_scan(database_url, job)           scan a large register as of a day (engine/jobs/scans.py)
    daily_digest()                                     every day at 07:30 Beijing time: the to-do mail
                                                       (engine/reminders/digest.py), when a mail server is set
    tidy_import_jobs()                                 every hour at :35: import jobs and kept scans ended
                                                       over a day ago forgotten (engine/jobs/imports.py, scans.py)
    trail_checkpoint()                                 every hour at :05: a signed checkpoint of the trail
                                                       (engine/core/checkpoint.py) into `$YIFA_INSTANCE/checkpoints`,
                                                       when YIFA_TRAIL_KEY names the signing key
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from huey import Huey, crontab

from engine.core.clock import BEIJING

log = logging.getLogger("yifa.jobs")
PENDING, FAILED = "pdf-pending:", "pdf-failed:"
_engines: dict[str, Any] = {}


def engine_for(database_url: str) -> Any:
    """One engine per database per process (a worker serves many jobs)."""
    if database_url not in _engines:
        from engine.store.db import make_engine
        _engines[database_url] = make_engine(database_url)
    return _engines[database_url]


def print_dossier(database_url: str, case_id: str, key: str) -> str:
    """Build the case's dossier now, print it and keep it under `key`; give the object's key."""
    from engine.decisions.dossier import build_dossier, render_html
    from engine.decisions.pdf import PdfCache, print_pdf
    from engine.store.uow import UnitOfWork
    with UnitOfWork(engine_for(database_url), read_only=True) as uow:
        html = render_html(build_dossier(uow.session, case_id))
    pdf = print_pdf(html)
    if pdf is None:
        raise RuntimeError(f"chromium could not print the dossier of {case_id}")
    return PdfCache().put(key, pdf)


class Tasks:
    """The tasks, registered on one queue."""

    def __init__(self, huey: Huey) -> None:
        self.huey = huey

        @huey.task(name="yifa.dossier_pdf")
        def dossier_pdf(database_url: str, case_id: str, key: str) -> str:
            try:
                return print_dossier(database_url, case_id, key)
            except Exception:
                huey.put(FAILED + key, datetime.now(BEIJING).isoformat())
                raise
            finally:
                huey.get(PENDING + key)          # taken off: a later request may queue it again

        @huey.task(name="yifa.register_import")
        def register_import(database_url: str, job: dict[str, Any]) -> str:
            from engine.jobs.imports import run_import_job
            return run_import_job(huey, engine_for(database_url), job)

        @huey.task(name="yifa.register_scan")
        def register_scan(database_url: str, job: dict[str, Any]) -> str:
            from engine.jobs.scans import run_scan_job
            return run_scan_job(huey, engine_for(database_url), job)

        @huey.periodic_task(crontab(minute="30", hour="23"), name="yifa.daily_digest")   # 07:30 Beijing
        def daily_digest() -> str:
            return send_daily_digest()

        @huey.periodic_task(crontab(minute="5"), name="yifa.trail_checkpoint")
        def trail_checkpoint() -> str:
            return write_trail_checkpoint()

        @huey.periodic_task(crontab(minute="35"), name="yifa.tidy_import_jobs")
        def tidy_import_jobs() -> str:
            from engine.core import clock
            from engine.jobs.imports import tidy_jobs
            from engine.jobs.scans import tidy_scans
            now = clock.now()
            return f"forgot {tidy_jobs(huey, now)} ended import jobs and {tidy_scans(huey, now)} scans"

        self.dossier_pdf, self.daily_digest, self.trail_checkpoint = dossier_pdf, daily_digest, trail_checkpoint
        self.register_import, self.register_scan = register_import, register_scan

    def queue_dossier_pdf(self, database_url: str, case_id: str, key: str) -> bool:
        """Queue the PDF of `key` unless it is queued already; True when this call queued it."""
        if not self.huey.put_if_empty(PENDING + key, "1"):
            return False
        self.huey.get(FAILED + key)              # a new try forgets an old failure
        self.dossier_pdf(database_url, case_id, key)
        return True

    def queue_import(self, database_url: str, job: dict[str, Any]) -> None:
        """Save a register import's first state and queue it (engine/jobs/imports.py)."""
        from engine.jobs.imports import save_state
        save_state(self.huey, job)
        self.register_import(database_url, job)

    def failed(self, key: str) -> bool:
        """Whether the last try at `key` failed (and nothing is queued for it now)."""
        return self.huey.get(FAILED + key, peek=True) is not None and \
            self.huey.get(PENDING + key, peek=True) is None


def send_daily_digest() -> str:
    """Mail each person their to-dos of today, through the configured server; say what was done."""
    from engine.core import clock
    from engine.reminders.digest import MailSettings, digests
    from engine.reminders.queries import people_to_remind, registers_by_scope
    from engine.reminders.use_cases import send_digests
    from engine.store.db import database_url
    from engine.store.uow import UnitOfWork
    settings = MailSettings.from_env()
    if settings is None:
        log.info("daily digest: no mail server (YIFA_SMTP_HOST), nothing sent")
        return "no mail server"
    engine, today = engine_for(database_url()), clock.today()
    with UnitOfWork(engine, read_only=True) as uow:
        mails = digests(registers_by_scope(uow.session, today), people_to_remind(uow.session), settings)
    outcome = send_digests(engine, today, mails, settings)
    return (f"sent {len(outcome.sent)}, nothing due {len(outcome.nothing_due)}, refused {len(outcome.refused)}, "
            f"already sent today {len(outcome.already_sent)}")


def write_trail_checkpoint() -> str:
    """Sign a checkpoint of every chain and record into the instance's `checkpoints/` folder (the
    worker's: copy it off the machine, docs/checkpoints.md); none when no key is configured, and
    none of a store that does not verify (the log and the answer say which chains)."""
    import os
    from pathlib import Path

    from engine.core import checkpoint as cp
    from engine.store.db import database_url, instance_dir
    from engine.store.models import utcnow
    from engine.store.uow import UnitOfWork
    if not os.environ.get(cp.KEY_ENV, "").strip():
        return "no signing key (YIFA_TRAIL_KEY): no checkpoint"
    key = cp.load_private_key(cp.key_path())
    with UnitOfWork(engine_for(database_url()), read_only=True) as uow:
        taken, broken = cp.checked(uow.session, key, utcnow())
    if taken is None:
        log.error("trail checkpoint not written: the store does not verify: %s", "; ".join(broken))
        return f"not written: {len(broken)} chains or records do not verify"
    folder = Path(instance_dir()) / "checkpoints"
    folder.mkdir(parents=True, exist_ok=True)
    path = cp.write(taken, folder)
    log.info("trail checkpoint written: %s", path)
    return f"written {path}"
