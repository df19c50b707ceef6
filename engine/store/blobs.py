"""Where files live that are not rows: uploaded evidence and the dossier PDFs.

    blob_store()          the store the environment names: YIFA_STORAGE_URL (any fsspec URL — an
                          S3-compatible object store as `s3://bucket/prefix`, through s3fs, with
                          YIFA_S3_ENDPOINT for one that is not AWS), else the instance folder
    BlobStore.put/get     bytes by key (`attachments/<case>/<sha256>`, `pdf-cache/<file>`,
                          `imports/<job>/…`, `imports/rejected/<register>/<id>.csv`); a put is whole
                          or nothing (a local file is written aside and renamed); `fetch` copies a
                          key into a local file, streamed; `keys` lists those below a prefix

The keys are the same on every backend, so a store can move (copy the keys) without touching a row.
Several app servers share what they store only through a shared backend (docs/deploy.md).
"""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path, PurePosixPath
from typing import Any

import fsspec

from engine.store.db import instance_dir


class BlobStore:
    """Bytes by key under one root of one file system (fsspec)."""

    def __init__(self, url: str, **options: Any) -> None:
        self.url = url
        self.fs, root = fsspec.core.url_to_fs(url, **options)
        self.root = root.rstrip("/")
        self.local = "file" in (self.fs.protocol if isinstance(self.fs.protocol, tuple) else (self.fs.protocol,))

    def _path(self, key: str) -> str:
        parts = PurePosixPath(key).parts
        if not parts or any(p in ("..", "/", "") for p in parts):
            raise ValueError(f"not a storage key: {key!r}")
        return f"{self.root}/{'/'.join(parts)}"

    def exists(self, key: str) -> bool:
        return bool(self.fs.exists(self._path(key)))

    def get(self, key: str) -> bytes | None:
        """The bytes of a key, or None when nothing is stored there."""
        try:
            return bytes(self.fs.cat_file(self._path(key)))
        except FileNotFoundError:
            return None

    def keys(self, prefix: str) -> list[str]:
        """The keys stored below a prefix (`imports/rejected/credit`), none when nothing is (a file
        being written, `.…part`, is not a key yet)."""
        path = self._path(prefix)
        try:
            found = self.fs.find(path)
        except FileNotFoundError:
            return []
        root = self.root + "/"
        keys = [str(p)[len(root):] for p in found if str(p).startswith(root)]
        return [k for k in keys if not PurePosixPath(k).name.startswith(".")]

    def fetch(self, key: str, local: Path | str) -> None:
        """Copy a key's bytes into a local file, streamed (a large upload is never held whole);
        FileNotFoundError when nothing is stored there."""
        self.fs.get_file(self._path(key), str(local))

    def remove(self, key: str) -> None:
        """Forget a key (nothing happens when nothing is stored there)."""
        try:
            self.fs.rm_file(self._path(key))
        except FileNotFoundError:
            pass

    def put_file(self, key: str, local: Path | str) -> None:
        """Store a local file's bytes under a key, streamed (whole or nothing, as `put`)."""
        path = self._path(key)
        if not self.local:
            self.fs.put_file(str(local), path)
            return
        parent = path.rsplit("/", 1)[0]
        self.fs.makedirs(parent, exist_ok=True)
        partial = f"{parent}/.{uuid.uuid4().hex}.part"
        shutil.copyfile(local, partial)
        os.replace(partial, path)

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        if not self.local:                       # an object store writes an object whole
            self.fs.pipe_file(path, data)
            return
        parent = path.rsplit("/", 1)[0]
        self.fs.makedirs(parent, exist_ok=True)
        partial = f"{parent}/.{uuid.uuid4().hex}.part"
        self.fs.pipe_file(partial, data)
        os.replace(partial, path)


def blob_store() -> BlobStore:
    """The configured store (see the module); the instance folder by default."""
    url = os.environ.get("YIFA_STORAGE_URL", "").strip()
    if not url:
        return BlobStore(str(instance_dir().resolve()))
    options: dict[str, Any] = {}
    endpoint = os.environ.get("YIFA_S3_ENDPOINT", "").strip()
    if url.startswith("s3://") and endpoint:
        options["client_kwargs"] = {"endpoint_url": endpoint}
    return BlobStore(url, **options)
