"""The application's configuration, from the environment and the instance folder.

    YIFA_SECRET_KEY     the key that signs sessions; else a random key kept in
                        <instance>/secret_key (created once, mode 0600)
    DATABASE_URL        the database (engine.store.db); default SQLite in the instance folder
    YIFA_INSTANCE       the instance folder (default ./instance)
    YIFA_BEHIND_TLS=1   served over HTTPS: Secure cookies and Strict-Transport-Security
    YIFA_PROXIES=N      N trusted reverse proxies set X-Forwarded-For/-Proto (default 0)
    YIFA_DEMO=1         the sign-in page lists the demo accounts (`yifa web run --demo` sets it)
    YIFA_TRAIL_KEY      the trail's signing key file: after a write the app signs a checkpoint
                        into <instance>/checkpoints/ (web/checkpoints.py)
    YIFA_CHECKPOINT_MINUTES   at most one such checkpoint per this many minutes (default 60)
    YIFA_IMPORT_JOB_BYTES     a register upload larger than this is imported as a job, with a
                        progress page (default 4 MiB, about 25,000 penalty rows); 0: every one
    YIFA_SCAN_JOB_ROWS        a register of more records than this is scanned by a job, its scan page
                        showing the progress (default 20,000; 0: every one); engine/jobs/scans.py
    YIFA_EDIT_CPU_SECONDS     CPU seconds the rule editor's check/preview/save child may use (default 10)
    YIFA_EDIT_MEMORY_MB       its memory (address space) in MiB (default 1024); engine/rulebook/sandbox.py
    YIFA_PAGE_CACHE=0   render every case page afresh (web/page_cache.py; on by default)
"""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import current_app

from engine.core import clock
from engine.core.errors import InputError
from engine.jobs.scans import scan_job_rows
from engine.store.db import database_url, instance_dir

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
IMPORT_UPLOAD_BYTES = 256 * 1024 * 1024     # a register file uploaded for import (a province's penalties: ~160 MB)
SESSION_HOURS = 8


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def secret_key(instance: Path) -> str:
    """`$YIFA_SECRET_KEY`, else the key kept in the instance folder (made on first start, 0600)."""
    configured = os.environ.get("YIFA_SECRET_KEY", "").strip()
    if configured:
        return configured
    path = instance / "secret_key"
    if not path.exists():
        _write_private(path, secrets.token_hex(32))
    return path.read_text(encoding="ascii").strip()


def _write_private(path: Path, text: str) -> None:
    """Create a file only its owner can read; a concurrent starter's file wins (O_EXCL)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(text)


def import_job_bytes() -> int:
    """`$YIFA_IMPORT_JOB_BYTES` (default 4 MiB); anything but a whole number of bytes is refused by name."""
    text = os.environ.get("YIFA_IMPORT_JOB_BYTES", "").strip()
    if not text:
        return 4 * 1024 * 1024
    if not text.isdigit():
        raise InputError.single("<environment>", f"应为字节数（整数）：{text!r} / must be a whole number of bytes: "
                                f"{text!r}", "YIFA_IMPORT_JOB_BYTES")
    return int(text)


def credit_jurisdiction() -> str:
    """The rulebook the penalty register is judged under (config CREDIT_JURISDICTION; default CN)."""
    return current_app.config.get("CREDIT_JURISDICTION", "CN")


def checkpoint_minutes() -> float:
    """`$YIFA_CHECKPOINT_MINUTES`, a positive number (default 60); anything else is refused by name."""
    text = os.environ.get("YIFA_CHECKPOINT_MINUTES", "").strip() or "60"
    try:
        minutes = float(text)
    except ValueError:
        minutes = -1.0
    if not 0 < minutes < float("inf"):
        raise InputError.single("<environment>", f"应为正数：{text!r} / must be a positive number: {text!r}",
                                "YIFA_CHECKPOINT_MINUTES")
    return minutes


def settings(test_config: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every setting of the app; `test_config` overrides (and may give INSTANCE_PATH)."""
    overrides = dict(test_config or {})
    clock.today()               # a bad YIFA_TODAY stops the start, naming the variable
    from engine.rulebook.sandbox import limits
    limits()                    # so does a bad YIFA_EDIT_CPU_SECONDS / YIFA_EDIT_MEMORY_MB (not a 500 later)
    instance = Path(overrides.get("INSTANCE_PATH") or instance_dir()).resolve()
    instance.mkdir(parents=True, exist_ok=True)
    behind_tls = bool(overrides.get("BEHIND_TLS", _flag("YIFA_BEHIND_TLS")))
    config: dict[str, Any] = {
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": overrides.get("DATABASE_URL") or database_url(),
        "BEHIND_TLS": behind_tls,
        "PROXIES": int(os.environ.get("YIFA_PROXIES", "0") or 0),
        "DEMO": _flag("YIFA_DEMO"),
        "MAX_CONTENT_LENGTH": MAX_UPLOAD_BYTES,
        "JSON_AS_ASCII": False,
        **cookie_settings(behind_tls),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=SESSION_HOURS),
        # a session lasts SESSION_HOURS from sign-in, not from the last click (web/auth.expire_old_sessions):
        # the cookie is sent again only when the session changes, not re-signed on every response
        "SESSION_REFRESH_EACH_REQUEST": False,
        "WTF_CSRF_CHECK_DEFAULT": False,     # web/security.py decides (bearer-token API calls are exempt)
        "WTF_CSRF_TIME_LIMIT": SESSION_HOURS * 3600,
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_WINDOW_SECONDS": 600,
        "REDIS_URL": os.environ.get("REDIS_URL", "").strip(),   # shared state of several servers (else the database)
        "JOBS_IMMEDIATE": os.environ.get("YIFA_JOBS", "").strip() == "immediate",   # web/jobs.py
        "REDIS_PREFIX": os.environ.get("YIFA_REDIS_PREFIX", "").strip(),   # instances sharing one Redis keep apart
        "TRAIL_KEY": os.environ.get("YIFA_TRAIL_KEY", "").strip(),
        "IMPORT_JOB_BYTES": import_job_bytes(),
        "SCAN_JOB_ROWS": scan_job_rows(),        # a larger register's scan page waits for a job (web/scan_jobs.py)
        "IMPORT_UPLOAD_BYTES": IMPORT_UPLOAD_BYTES,
        "PAGE_CACHE": os.environ.get("YIFA_PAGE_CACHE", "1").strip().lower() not in ("0", "false", "no", "off"),
        "CHECKPOINT_MINUTES": overrides.get("CHECKPOINT_MINUTES") or checkpoint_minutes(),
    }
    config.update(overrides)
    if "SECRET_KEY" not in config:
        config["SECRET_KEY"] = secret_key(instance)
    return config


def cookie_settings(secure: bool) -> dict[str, Any]:
    """HttpOnly, SameSite=Lax cookies; Secure when served over TLS (session and remember-me alike)."""
    return {
        "SESSION_COOKIE_NAME": "yifa_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_DURATION": timedelta(hours=SESSION_HOURS),
    }
