"""Rulebook versions kept in the store: the text of every file a version is the hash of, so that a
replay judges with exactly the same rules (CASE_FORMAT §7, the `rulebook` chain)."""
from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.core.errors import UnknownRulebookVersionError
from engine.rulebook.queries import stored_version
from engine.store.models import RULEBOOK_CHAIN, RulebookVersion


def rulebook_files(jurisdiction: str, root: Path | None = None) -> dict[str, str]:
    """The text of every file the rulebook version is a hash of (plus the workflow), by relative path."""
    from engine.rulebook.loader import JURISDICTION_FILE, LAWS_FILE, jurisdiction_chain, rules_dir

    root = root or rules_dir()
    paths = []
    for folder in jurisdiction_chain(root, jurisdiction):
        base = root / folder
        paths += [base / JURISDICTION_FILE, *sorted(p for p in base.glob("*.yaml") if p.name != JURISDICTION_FILE)]
    paths += sorted((root / "calendars").glob("*.yaml")) + [root / "workflow.yaml", root / LAWS_FILE]
    return {p.relative_to(root).as_posix(): p.read_bytes().decode("utf-8") for p in paths if p.is_file()}


def store_rulebook_version(session: Session, jurisdiction: str, actor: str,
                           root: Path | None = None) -> tuple[str, bool]:
    """Keep the rulebook in force (its files' text) under its version; give (version, newly stored).

    A new version is also an event of the rulebook's own chain (CASE_FORMAT §7, case_id `rulebook`).
    """
    from engine.rulebook.loader import rulebook_digest
    from engine.trail import append_event

    version = rulebook_digest(jurisdiction, root)
    if stored_version(session, version) is not None:
        return version, False
    files = rulebook_files(jurisdiction, root)
    try:
        with session.begin_nested():      # a concurrent writer may store the same version first
            session.add(RulebookVersion(version=version, jurisdiction=jurisdiction, files=files))
    except IntegrityError:
        return version, False
    digests = {path: hashlib.sha256(text.encode()).hexdigest() for path, text in files.items()}
    append_event(session, RULEBOOK_CHAIN, actor, "rulebook.version",
                 {"version": version, "jurisdiction": jurisdiction, "files": digests})
    return version, True


def materialize_rulebook(session: Session, version: str, into: Path) -> Path:
    """Write a stored rulebook version's files into a folder, to check a case with exactly those rules."""
    stored = stored_version(session, version)
    if stored is None:
        raise UnknownRulebookVersionError(version)
    for rel, text in stored.files.items():
        target = into / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))
    return into
