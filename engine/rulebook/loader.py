"""Load a jurisdiction's rule files (national first, then each overlay) into a checked Rulebook.

Every problem is collected with its file and line (`yifa rules lint` shows them all); a rulebook
with problems is refused whole by `load_rulebook`.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from engine.core.errors import InputError, Problem, problems_from_errors
from engine.core.yamlio import LoadedYaml, load_document
from engine.rulebook.model import InstrumentFile, Jurisdiction

JURISDICTION_FILE = "jurisdiction.yaml"
T = TypeVar("T")


# ---------------------------------------------------------------- read once within a block
_READ_ONCE: ContextVar[dict[tuple, Any] | None] = ContextVar("yifa_rules_read_once", default=None)


@contextmanager
def read_once() -> Iterator[None]:
    """Within the block (a web request), the rules folder is listed and its files stat'ed once: which
    jurisdictions there are, each rulebook's version (`rulebook_digest`) and each compiled checker
    (engine/core/check.checker_for) are looked up at the first call only, not at each of the several a
    page makes. An edit saved in the block still shows: it makes another effective rules folder
    (`rules_dir`), another key. Outside any block, every call looks again."""
    token = _READ_ONCE.set({})
    try:
        yield
    finally:
        try:
            _READ_ONCE.reset(token)
        except ValueError:           # ended in another context than it began (a copied one): forget it there
            _READ_ONCE.set(None)


def once(key: tuple, compute: Callable[[], T]) -> T:
    """`compute()`, or within `read_once` what it gave for `key` earlier in the block."""
    memo = _READ_ONCE.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def rules_dir() -> Path:
    """The rule files: `$YIFA_RULES` if set; else the shipped `rules` folder, overlaid by the legal
    advisors' edited copies in `$YIFA_INSTANCE/rules/` when there are any (engine/rulebook/edits.py)."""
    configured = os.environ.get("YIFA_RULES")
    if configured:
        return Path(configured)
    shipped = shipped_rules_dir()
    overlay_dir = os.path.join(os.environ.get("YIFA_INSTANCE") or "instance", OVERLAY_DIR)
    if not os.path.isdir(overlay_dir):  # the common case: one stat, nothing else
        return shipped
    overlay = Path(overlay_dir)
    files = _overlay_files(overlay)
    if not files:
        return shipped
    return _effective_dir(shipped, overlay, files)


OVERLAY_DIR = "rules"                   # $YIFA_INSTANCE/rules/: edited copies, same relative paths
LAWS_FILE = "laws.yaml"                  # the law register (engine/documents/laws.py)
EFFECTIVE_DIR = "rules-effective"       # $YIFA_INSTANCE/rules-effective/<digest>/: shipped + overlay


@lru_cache(maxsize=1)
def shipped_rules_dir() -> Path:
    """The `rules` folder shipped with the package (never written to)."""
    import rules
    return Path(rules.__file__).parent


def _overlay_files(overlay: Path) -> list[str]:
    """The edited files of the overlay, as sorted "/"-separated relative paths (temp files skipped)."""
    found = []
    for path in overlay.rglob("*"):
        if path.is_file() and not path.name.startswith("."):
            found.append(path.relative_to(overlay).as_posix())
    return sorted(found)


def _effective_dir(shipped: Path, overlay: Path, files: list[str]) -> Path:
    """Shipped files overlaid by the edited ones, built once per overlay state (a hash of the overlay
    files' content and the shipped files' sizes and mtimes, so an upgrade rebuilds it too)."""
    import shutil
    import tempfile
    hasher = hashlib.sha256(str(shipped.resolve()).encode() + b"\0")
    for rel in files:
        hasher.update(rel.encode() + b"\0" + (overlay / rel).read_bytes() + b"\0")
    for path in sorted(shipped.rglob("*.yaml")):
        st = path.stat()
        hasher.update(f"{path.relative_to(shipped).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    target = overlay.parent.resolve() / EFFECTIVE_DIR / hasher.hexdigest()[:32]
    if target.is_dir():
        _touch(target)                  # in use: not pruned as superseded
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".build-", dir=target.parent))
    tree = building / "rules"
    shutil.copytree(shipped, tree, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for rel in files:
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(overlay / rel, tree / rel)
    try:
        os.rename(tree, target)         # atomic: a concurrent builder's identical folder wins
    except OSError:
        if not target.is_dir():
            raise
    shutil.rmtree(building, ignore_errors=True)
    _touch(target)                      # copytree kept the shipped folder's old time
    prune_effective(target)
    return target


def _touch(folder: Path) -> None:
    try:
        os.utime(folder)
    except OSError:         # read-only instance or removed meanwhile: pruning is best effort
        pass


SUPERSEDED_AFTER_S = 600     # a superseded folder a process may still be reading is kept this long


def prune_effective(current: Path, now: float | None = None) -> list[Path]:
    """Remove the folders of overlay states that are no longer current (each edit builds one), once
    they are older than SUPERSEDED_AFTER_S, and leftover `.build-` folders; give what was removed."""
    import shutil
    import time
    now = time.time() if now is None else now
    removed = []
    for folder in current.parent.iterdir():
        if folder == current or not folder.is_dir():
            continue
        try:
            old = now - folder.stat().st_mtime > SUPERSEDED_AFTER_S
        except OSError:         # removed meanwhile by another process
            continue
        if old:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


@dataclass
class SourceFile:
    path: Path
    rel: str
    loaded: LoadedYaml | None
    parsed: Any = None

    def line(self, loc: tuple) -> int | None:
        """The line of a location inside this file, or of its nearest ancestor."""
        if self.loaded is None:
            return None
        for i in range(len(loc), -1, -1):
            n = self.loaded.line_of(tuple(loc[:i]))
            if n is not None:
                return n
        return None


@dataclass
class LoadedJurisdiction:
    meta: Jurisdiction
    folder: str
    files: list[SourceFile] = field(default_factory=list)


@dataclass
class RawRulebook:
    """The files of a jurisdiction chain, parsed but not yet merged."""
    jurisdiction: str
    chain: list[LoadedJurisdiction]
    problems: list[Problem]
    digest: str


def jurisdiction_chain(root: Path, jurisdiction: str) -> list[str]:
    """The folders from CN down to `jurisdiction` (`CN-12/ninghe` → [CN, CN-12, CN-12/ninghe])."""
    if jurisdiction == "CN":
        return ["CN"]
    parts = jurisdiction.split("/")
    return ["CN"] + ["/".join(parts[: i + 1]) for i in range(len(parts))]


def known_jurisdictions(root: Path | None = None) -> list[str]:
    """Every folder below the rules folder that holds a jurisdiction.yaml."""
    root = root or rules_dir()
    return sorted(folder for folder, files in _listing(root).items() if folder and JURISDICTION_FILE in files)


Listing = dict[str, dict[str, tuple[int, int]]]


def _listing(root: Path) -> Listing:
    """The rules folder in one pass: each folder below it ("" for itself, "/"-separated) with its .yaml
    files' modification time and size — what says which jurisdictions there are and each rulebook's
    version (`rulebook_digest`) without reading a file. Inside `read_once`, listed once."""
    return once(("listing", str(root)), lambda: _list_folder(str(root), "", {}))


def _list_folder(base: str, rel: str, out: Listing) -> Listing:
    files: dict[str, tuple[int, int]] = {}
    out[rel] = files
    below = []
    try:
        with os.scandir(os.path.join(base, rel) if rel else base) as entries:
            for entry in entries:
                if entry.name.startswith(".") or entry.name.startswith("__"):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    below.append(entry.name)
                elif entry.name.endswith(".yaml"):
                    try:
                        st = entry.stat()
                    except OSError:          # a link to nothing, or gone meanwhile
                        continue
                    files[entry.name] = (st.st_mtime_ns, st.st_size)
    except OSError:                          # no such folder: nothing there
        return out
    for name in sorted(below):
        _list_folder(base, f"{rel}/{name}" if rel else name, out)
    return out


def jurisdiction_meta(jurisdiction: str, root: Path | None = None) -> Jurisdiction | None:
    """A known jurisdiction's own jurisdiction.yaml (its name, level, parent), without reading its
    rulebook; None for an unknown jurisdiction or a file that does not read (`yifa rules lint` says why).
    Cached by the file's time and size."""
    root = root or rules_dir()
    if jurisdiction not in known_jurisdictions(root):
        return None
    path = root / jurisdiction / JURISDICTION_FILE
    return _meta(str(path), _listing(root)[jurisdiction][JURISDICTION_FILE])


@lru_cache(maxsize=64)
def _meta(path: str, stat: tuple[int, int]) -> Jurisdiction | None:
    try:
        return Jurisdiction.model_validate(load_document(Path(path)).data)
    except (InputError, ValidationError, OSError):
        return None


def read_rulebook(jurisdiction: str, root: Path | None = None) -> RawRulebook:
    """Read and validate every file of the jurisdiction's chain, collecting all problems."""
    root = root or rules_dir()
    problems: list[Problem] = []
    chain: list[LoadedJurisdiction] = []
    if jurisdiction not in known_jurisdictions(root):
        raise InputError.single("--jurisdiction", _unknown_jurisdiction(jurisdiction, root), "jurisdiction")
    hasher = hashlib.sha256()
    for folder in jurisdiction_chain(root, jurisdiction):
        loaded = _read_jurisdiction(root, folder, problems, hasher)
        if loaded is not None:
            chain.append(loaded)
    _hash_calendars(root, hasher)
    return RawRulebook(jurisdiction, chain, problems, "sha256:" + hasher.hexdigest())


def _unknown_jurisdiction(jurisdiction: str, root: Path) -> str:
    known = ", ".join(known_jurisdictions(root))
    return f"未知的法域 {jurisdiction!r}，已有：{known} / unknown jurisdiction, known: {known}"


def _read_jurisdiction(root: Path, folder: str, problems: list, hasher) -> LoadedJurisdiction | None:
    base = root / folder
    meta_file = _read(root, base / JURISDICTION_FILE, problems, hasher)
    meta = _validate(meta_file, Jurisdiction, problems) if meta_file else None
    if meta is None:
        return None
    if meta.jurisdiction != folder:
        problems.append(Problem(meta_file.rel, "jurisdiction", f"应为 {folder!r}（与目录一致） / must equal its folder {folder!r}", meta_file.line(("jurisdiction",))))
    result = LoadedJurisdiction(meta, folder)
    for path in sorted(base.glob("*.yaml")):
        if path.name == JURISDICTION_FILE:
            continue
        source = _read(root, path, problems, hasher)
        if source is not None:
            source.parsed = _validate(source, InstrumentFile, problems)
            if source.parsed is not None:
                result.files.append(source)
    return result


def _read(root: Path, path: Path, problems: list, hasher) -> SourceFile | None:
    rel = str(path.relative_to(root)).replace(os.sep, "/")
    try:
        data = path.read_bytes()
    except OSError as e:
        problems.append(Problem(f"rules/{rel}", "(root)", f"无法读取 / cannot be read: {e.strerror}"))
        return None
    hasher.update(rel.encode() + b"\0" + data + b"\0")
    try:
        loaded = load_document(path)
    except InputError as e:
        problems.extend(Problem(f"rules/{rel}", p.path, p.message, p.line) for p in e.problems)
        return None
    return SourceFile(path, f"rules/{rel}", loaded)


def _validate(source: SourceFile, model: type, problems: list) -> Any:
    try:
        return model.model_validate(source.loaded.data)
    except ValidationError as e:
        problems.extend(problems_from_errors(e.errors(), source.rel, source.line))
        return None


def _hash_calendars(root: Path, hasher) -> None:
    """Calendar data and the law register (the document rules' "basis amended since") change
    verdicts too, so they are part of the rulebook version."""
    for path in sorted((root / "calendars").glob("*.yaml")):
        hasher.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    laws = root / LAWS_FILE
    if laws.is_file():
        hasher.update(LAWS_FILE.encode() + b"\0" + laws.read_bytes() + b"\0")


def rulebook_digest(jurisdiction: str, root: Path | None = None) -> str:
    """The rulebook version — a hash of the chain's files and the calendars — without parsing them.

    The hash is of the files' content; it is recomputed only when a file's size or time changes.
    """
    root = root or rules_dir()
    return once(("digest", str(root), jurisdiction), lambda: _digest_of(str(root), _stamp(root, jurisdiction)))


def _stamp(root: Path, jurisdiction: str) -> tuple:
    """Each file of the rulebook — its chain's folders, the calendars, the law register — with its
    modification time and size ((-1, -1): missing), in the order `_digest_of` hashes them."""
    listing, base = _listing(root), str(root)
    stamp: list[tuple] = []
    for folder in jurisdiction_chain(root, jurisdiction):
        files = listing.get(folder, {})
        stamp.append((os.path.join(base, folder, JURISDICTION_FILE), *files.get(JURISDICTION_FILE, (-1, -1))))
        stamp += [(os.path.join(base, folder, name), *files[name]) for name in sorted(files) if name != JURISDICTION_FILE]
    calendars = listing.get("calendars", {})
    stamp += [(os.path.join(base, "calendars", name), *calendars[name]) for name in sorted(calendars)]
    return (*stamp, (os.path.join(base, LAWS_FILE), *listing.get("", {}).get(LAWS_FILE, (-1, -1))))


@lru_cache(maxsize=256)
def _digest_of(root: str, stamp: tuple) -> str:
    hasher = hashlib.sha256()
    calendars = Path(root) / "calendars"
    for path_text, *_ in stamp:
        path = Path(path_text)
        if path.parent == calendars or path == Path(root) / LAWS_FILE:
            continue
        rel = str(path.relative_to(root)).replace(os.sep, "/")
        try:
            hasher.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
        except OSError:
            hasher.update(rel.encode() + b"\0missing\0")
    _hash_calendars(Path(root), hasher)
    return "sha256:" + hasher.hexdigest()
