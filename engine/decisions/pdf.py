"""The dossier as PDF: printed by headless chromium from the dossier's HTML, and kept per trail head.

    print_pdf(html)            the PDF's bytes, or None when chromium fails or is missing
    PdfCache(store)            PDFs by (case, trail head, language) in the blob store (key
                               `pdf-cache/…`): a new trail event makes a new key, so a kept PDF is
                               never stale; written whole or not at all
    dossier_key(session, id)   the case's current key (its chain head: seq and hash)

The PDF says when its trail was verified: a PDF kept for a head says the verification of the time it
was printed. Nothing here imports Flask.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy.orm import Session

from engine.store.blobs import BlobStore, blob_store
from engine.store.trail_rows import chain_heads

PDF_TIMEOUT = 60
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-pdf-header-footer")


def chromium_path() -> str | None:
    """Debian's chromium, when installed."""
    return shutil.which("chromium")


def print_pdf(html: str, chromium: str | None = None, timeout: int = PDF_TIMEOUT) -> bytes | None:
    """Print the HTML to PDF in a fresh temporary folder; None when chromium is missing, fails or
    takes longer than `timeout` seconds."""
    chromium = chromium or chromium_path()
    if chromium is None:
        return None
    with tempfile.TemporaryDirectory(prefix="yifa-pdf-") as folder:
        source, out = Path(folder) / "dossier.html", Path(folder) / "dossier.pdf"
        source.write_text(html, encoding="utf-8")
        command = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={Path(folder) / 'profile'}",
                   f"--print-to-pdf={out}", source.as_uri()]
        try:
            subprocess.run(command, cwd=folder, env={"HOME": folder, "PATH": "/usr/bin:/bin"},
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=timeout, check=False)
        except (subprocess.TimeoutExpired, OSError):
            return None
        if not out.is_file() or out.stat().st_size == 0:
            return None
        return out.read_bytes()


def dossier_key(session: Session, case_id: str, lang: str = "zh") -> str:
    """The cache key of a case's dossier now: case, chain head (seq and hash), language."""
    seq, digest = chain_heads(session, case_id).get(case_id, (0, "genesis"))
    return f"{case_id}|{seq}|{digest}|{lang}"


class PdfCache:
    """Dossier PDFs in the blob store (engine/store/blobs.py), one object per key."""

    def __init__(self, store: BlobStore | None = None) -> None:
        self.store = store or blob_store()

    @staticmethod
    def name(key: str) -> str:
        """The object's key: the cache key's parts, made safe for a file name."""
        case_id, seq, digest, lang = key.split("|")
        safe = re.sub(r"[^0-9A-Za-z._-]", "_", case_id)
        return f"pdf-cache/{safe}-{seq}-{digest[:32]}-{lang}.pdf"

    def get(self, key: str) -> bytes | None:
        return self.store.get(self.name(key))

    def put(self, key: str, pdf: bytes) -> str:
        self.store.put(self.name(key), pdf)
        return self.name(key)
