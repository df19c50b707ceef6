"""Reading and writing stored things the use cases share: cases under a version check, rulebook versions."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Optional

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.store.models import RULEBOOK_CHAIN, CaseRecord, RulebookVersion


class UnknownCaseError(LookupError):
    """No case has this id."""

    def __init__(self, case_id: str) -> None:
        self.case_id = case_id
        super().__init__(f"未知案件 {case_id} / unknown case {case_id}")


class ConflictError(Exception):
    """Someone changed the case since it was read: their change is kept, this one is refused."""

    def __init__(self, case_id: str, expected: int, actual: int) -> None:
        self.case_id, self.expected, self.actual = case_id, expected, actual
        super().__init__(f"案件 {case_id} 已被他人修改（读取时为第 {expected} 版，现为第 {actual} 版）/ "
                         f"case {case_id} was changed by someone else (read at version {expected}, now {actual})")


def get_case(session: Session, case_id: str, expected_version: Optional[int] = None) -> CaseRecord:
    """Load a case; refuse when it is unknown, or no longer at the version the editor read."""
    case = session.get(CaseRecord, case_id)
    if case is None:
        raise UnknownCaseError(case_id)
    if expected_version is not None and case.version != expected_version:
        raise ConflictError(case_id, expected_version, case.version)
    return case


def rulebook_files(jurisdiction: str, root: Optional[Path] = None) -> dict[str, str]:
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
                           root: Optional[Path] = None) -> tuple[str, bool]:
    """Keep the rulebook in force (its files' text) under its version; give (version, newly stored).

    A new version is also an event of the rulebook's own chain (CASE_FORMAT §7, case_id `rulebook`).
    """
    from engine.rulebook.loader import rulebook_digest
    from engine.trail import append_event

    version = rulebook_digest(jurisdiction, root)
    if session.get(RulebookVersion, version) is not None:
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
    stored = session.get(RulebookVersion, version)
    if stored is None:
        raise LookupError(f"未保存的规则库版本 {version} / rulebook version {version} is not stored")
    for rel, text in stored.files.items():
        target = into / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))
    return into
