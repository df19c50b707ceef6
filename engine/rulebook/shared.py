"""Rule edits shared by every app server: the database holds the edited files (`edited_rule_files`),
each server's `$YIFA_INSTANCE/rules/` is a copy brought in line with it before the rulebook is read.

    record_edit(session, rel, text, actor)    the saved text, in the saving transaction
    record_revert(session, rel)               the file back to its shipped text
    sync_overlay(session)                     write or remove local copies to match the database;
                                              gives the files changed (none: one small query)

A copy is written whole (aside, then renamed), so a reader sees the old file or the new one. The
loader (engine/rulebook/loader.py) sees the new state by its files' content, so every checker built
after a sync judges by the saved rules. Nothing here imports Flask.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.core import clock
from engine.store.models import EditedRuleFile


def record_edit(session: Session, rel: str, text: str, actor: str) -> None:
    row = session.get(EditedRuleFile, rel)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if row is None:
        session.add(EditedRuleFile(rel_path=rel, text=text, sha256=digest, saved_at=clock.now(), saved_by=actor))
    else:
        row.text, row.sha256, row.saved_at, row.saved_by = text, digest, clock.now(), actor
    session.flush()


def record_revert(session: Session, rel: str) -> None:
    session.execute(delete(EditedRuleFile).where(EditedRuleFile.rel_path == rel))
    session.flush()


def sync_overlay(session: Session, overlay: Path | None = None) -> list[str]:
    """Bring the local copies in line with the database; the relative paths written or removed."""
    from engine.rulebook.edits import _write_atomically, overlay_dir
    overlay = overlay or overlay_dir()
    wanted = dict(session.execute(select(EditedRuleFile.rel_path, EditedRuleFile.sha256)).tuples().all())
    local = _local_digests(overlay)
    changed = []
    for rel, digest in wanted.items():
        if local.get(rel) != digest:
            text = session.scalar(select(EditedRuleFile.text).where(EditedRuleFile.rel_path == rel))
            if text is not None:
                _write_atomically(overlay / rel, text)
                changed.append(rel)
    for rel in set(local) - set(wanted):
        (overlay / rel).unlink(missing_ok=True)
        changed.append(rel)
    return sorted(changed)


def _local_digests(overlay: Path) -> dict[str, str]:
    if not overlay.is_dir():
        return {}
    from engine.rulebook.loader import _overlay_files
    return {rel: hashlib.sha256((overlay / rel).read_bytes()).hexdigest() for rel in _overlay_files(overlay)}
