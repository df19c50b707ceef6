"""The compiled rulebook kept on disk, so that a new process does not read and compile the rule
files again: one file per rules folder, jurisdiction, kind of record and rulebook version.

    YIFA_CACHE=DIR   where the files are kept (default: $XDG_CACHE_HOME/yifa, else ~/.cache/yifa);
                     `off` keeps nothing on disk

A file is keyed by the rulebook's digest (the content of its rule files, calendars and law
register, engine/rulebook/loader.py) and by the code that compiled it (the engine's source files,
Python and the libraries whose objects it holds), so an edited rule or an upgrade is never served
from an old file. The folder is the user's own (mode 0700); a folder another user could write to
is not read. Every failure to read or write is silent: the rulebook is then compiled as before.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

VARIABLE = "YIFA_CACHE"
MAX_FILES = 64          # the oldest files beyond this many are removed when one is written
_ENGINE = Path(__file__).resolve().parents[1]


def cache_dir() -> Path | None:
    """The folder of the cache files, or None when `YIFA_CACHE=off`."""
    configured = os.environ.get(VARIABLE, "").strip()
    if configured.lower() in ("off", "0", "no", "false"):
        return None
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "yifa"


@lru_cache(maxsize=1)
def code_stamp() -> str:
    """A hash of what the compiled objects depend on besides the rule files: the engine's source
    files (their sizes and times), Python, pydantic and the working-day package."""
    hasher = hashlib.sha256(sys.version.encode())
    for name in ("pydantic", "pydantic_core", "chinese_calendar"):
        module = sys.modules.get(name)
        hasher.update(f"{name}={getattr(module, '__version__', '?')}\0".encode())
    for folder, dirs, files in os.walk(_ENGINE):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
        for name in sorted(files):
            if name.endswith(".py"):
                st = os.stat(os.path.join(folder, name))
                hasher.update(f"{folder}/{name}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return hasher.hexdigest()[:16]


def _file(key: tuple[str, ...]) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    name = hashlib.sha256("\0".join((*key, code_stamp())).encode()).hexdigest()[:32]
    return folder / f"{key[0]}-{name}.pickle"


def _own_folder(folder: Path) -> bool:
    """Only a folder of this user that nobody else may write to is trusted with pickles."""
    try:
        st = os.stat(folder)
    except OSError:
        return False
    return (not hasattr(os, "getuid") or st.st_uid == os.getuid()) and not st.st_mode & 0o022


def load(key: tuple[str, ...]) -> Any | None:
    """The object stored under `key` (its first part names the kind), or None."""
    path = _file(key)
    if path is None or not _own_folder(path.parent):
        return None
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except Exception:  # absent, truncated, or written by another version: compile again
        return None


def store(key: tuple[str, ...], value: Any) -> None:
    """Keep `value` under `key`; written whole or not at all (a concurrent writer's file wins)."""
    path = _file(key)
    if path is None:
        return
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _own_folder(path.parent):
            return
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        fd, temp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(temp, path)
        except BaseException:
            os.unlink(temp)
            raise
        _prune(path.parent)
    except Exception:  # a read-only home, a full disk, an object that cannot be pickled
        return


def _prune(folder: Path) -> None:
    """Keep the MAX_FILES newest files (each edit of the rules makes a new version)."""
    files = []
    for entry in os.scandir(folder):
        if entry.name.endswith(".pickle"):
            try:
                files.append((entry.stat().st_mtime_ns, entry.path))
            except OSError:     # removed meanwhile by another process
                continue
    for _, old in sorted(files, reverse=True)[MAX_FILES:]:
        try:
            os.unlink(old)
        except OSError:
            pass
