"""Signed checkpoints of the trail, written by the app after a write (engine/core/checkpoint.py).

When YIFA_TRAIL_KEY names a signing key, a successful write (any POST/PUT/PATCH/DELETE answered
below 400) starts a checkpoint into `<instance>/checkpoints/` unless one was written or tried
less than YIFA_CHECKPOINT_MINUTES (default 60) ago. It runs in a background thread, after the
response, on its own read-only unit of work: nobody waits for it. A store that does not verify
is not signed (the app logs why). Without a key nothing is written; `yifa trail checkpoint` from
cron or a systemd timer is the other way (README).
"""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, request

EXTENSION = "yifa.checkpoints"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Scheduler:
    """When the app last wrote or tried a checkpoint, and the thread writing one now."""

    def __init__(self, app: Flask, key: Any, folder: Path, minutes: float) -> None:
        self.app, self.key, self.folder, self.minutes = app, key, folder, minutes
        self.lock = threading.Lock()
        self.last_try = 0.0
        self.thread: threading.Thread | None = None

    def newest_file(self) -> float:
        """The time the newest checkpoint file in the folder was written (0 without one)."""
        times = [p.stat().st_mtime for p in self.folder.glob("checkpoint-*.json")]
        return max(times, default=0.0)

    def due(self, now: float) -> bool:
        return now - max(self.last_try, self.newest_file()) >= self.minutes * 60

    def start_if_due(self) -> threading.Thread | None:
        """Start writing a checkpoint when the last one is old enough and none is being written."""
        now = time.time()
        if not self.due(now) or not self.lock.acquire(blocking=False):
            return None
        self.last_try = now
        self.thread = threading.Thread(target=self._write, name="yifa-checkpoint", daemon=True)
        self.thread.start()
        return self.thread

    def _write(self) -> None:
        from engine.core import checkpoint as cp
        from engine.store.models import utcnow
        from engine.store.uow import UnitOfWork
        from web.db import get_engine
        try:
            with self.app.app_context(), UnitOfWork(get_engine(), read_only=True) as uow:
                taken, broken = cp.checked(uow.session, self.key, utcnow())
            if taken is None:
                self.app.logger.error("trail checkpoint not written: the store does not verify: %s", "; ".join(broken))
                return
            self.folder.mkdir(parents=True, exist_ok=True)
            path = cp.write(taken, self.folder)
            self.app.logger.info("trail checkpoint written: %s", path)
        except Exception:  # a failed checkpoint never takes a request down; the log says why
            self.app.logger.exception("trail checkpoint failed")
        finally:
            self.lock.release()


def init_app(app: Flask) -> None:
    """Schedule checkpoints after writes when a signing key is configured (refused at start if unreadable)."""
    path = app.config.get("TRAIL_KEY")
    if not path:
        return
    from engine.core.checkpoint import load_private_key
    key = load_private_key(Path(path))     # CheckpointError names the file and the problem
    folder = Path(app.config["INSTANCE_PATH"]) / "checkpoints"
    app.extensions[EXTENSION] = Scheduler(app, key, folder, float(app.config["CHECKPOINT_MINUTES"]))
    app.after_request(after_write)


def after_write(response: Response) -> Response:
    """After a successful write, start a checkpoint if one is due."""
    if request.method in WRITES and response.status_code < 400:
        current_app.extensions[EXTENSION].start_if_due()
    return response
