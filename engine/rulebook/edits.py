"""Legal advisors edit rule files: check a candidate, preview its impact, save it into the instance folder.

    propose_edit(rel_path, text)                    lint every jurisdiction + run every rule test (both engines)
    impact_preview(session, rel_path, text)         the stored cases whose verdicts would change
    save_edit(uow, rel_path, text, actor, reason)   refused with the problems, or written to $YIFA_INSTANCE/rules/
    revert_edit(uow, rel_path, actor, reason)       back to the shipped file (the instance copy removed)
    browse(root=None)                               the rulebook by jurisdiction, instrument and article

Edits are kept in the database (`edited_rule_files`, engine/rulebook/shared.py) and copied into
`$YIFA_INSTANCE/rules/` (same relative paths as the shipped files) of every server, where they are
laid over the shipped rules by `engine.rulebook.loader.rules_dir()`; the installed package is never written.
A rule file is YAML data only: it is parsed by engine.core.yamlio (no tags, no anchors) and never executed.
Each save or revert is an event of the rulebook's own trail chain (`rulebook`), and the rulebook
version of every jurisdiction whose chain holds the file moves (store_rulebook_version).
No Flask here: the actor and the date are passed in.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from engine.core import clock
from engine.core.errors import EditConflictError, InputError, Problem

EDITOR_ROLES = ("legal_advisor", "admin")
ENGINES = ("durable", "native")
REL_PATH = re.compile(r"^[A-Za-z0-9-]+(/[A-Za-z0-9_-]+)*/[A-Za-z0-9][A-Za-z0-9._-]*\.yaml$")
MAX_TEXT = 1_000_000


@dataclass
class TestFailure:
    file: str
    rule: str
    name: str
    message: str


@dataclass
class EditCheck:
    """What a candidate file would do to the rulebook: problems (file, line, message) and failed tests."""
    rel_path: str
    problems: list[Problem] = field(default_factory=list)
    failures: list[TestFailure] = field(default_factory=list)
    tests_run: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and not self.failures


@dataclass
class SavedEdit:
    rel_path: str
    old_sha256: str | None
    new_sha256: str
    new_version: str                    # the version of the file's own jurisdiction
    versions: dict[str, str]            # every jurisdiction whose chain holds the file → its new version
    event_seq: int


# ---------------------------------------------------------------- where files are
def instance_dir() -> Path:
    """The instance folder, as the loader reads it (`$YIFA_INSTANCE`, default ./instance)."""
    return Path(os.environ.get("YIFA_INSTANCE") or "instance")


def overlay_dir() -> Path:
    from engine.rulebook.loader import OVERLAY_DIR
    return instance_dir() / OVERLAY_DIR


def check_rel_path(rel_path: str, root: Path | None = None) -> str:
    """Refuse anything but an existing rule file of a jurisdiction folder (no `..`, no other files)."""
    from engine.rulebook.loader import known_jurisdictions, rules_dir
    root = root or rules_dir()
    rel = (rel_path or "").strip()
    folder = rel.rpartition("/")[0]
    if (not REL_PATH.match(rel) or ".." in rel.split("/") or folder not in known_jurisdictions(root)
            or not (root / rel).is_file()):
        raise InputError.single("file", f"没有这个规则文件：{rel_path!r} / no such rule file: {rel_path!r}", "file")
    return rel


def current_text(rel_path: str, root: Path | None = None) -> str:
    """The text of a rule file as the rulebook now uses it (the instance copy if edited)."""
    from engine.rulebook.loader import rules_dir
    root = root or rules_dir()
    return (root / check_rel_path(rel_path, root)).read_bytes().decode("utf-8")


def is_edited(rel_path: str) -> bool:
    return (overlay_dir() / rel_path).is_file()


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def affected_jurisdictions(rel_path: str, root: Path) -> list[str]:
    """The jurisdictions whose rulebook holds the file: its folder's and every one below it."""
    from engine.rulebook.loader import known_jurisdictions
    folder = rel_path.rpartition("/")[0]
    if folder == "CN":
        return known_jurisdictions(root)
    return [j for j in known_jurisdictions(root) if j == folder or j.startswith(folder + "/")]


@contextmanager
def candidate_rules(rel_path: str, new_text: str) -> Iterator[Path]:
    """A temporary copy of the effective rules with the candidate text in place of the file."""
    from engine.rulebook.loader import rules_dir
    root = rules_dir()
    rel = check_rel_path(rel_path, root)
    _check_text(new_text)
    with tempfile.TemporaryDirectory(prefix="yifa-rule-edit-") as tmp:
        tree = Path(tmp) / "rules"
        shutil.copytree(root, tree, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        (tree / rel).write_bytes(_normalise(new_text).encode("utf-8"))
        yield tree


def _check_text(text: str) -> None:
    if not isinstance(text, str) or not text.strip():
        raise InputError.single("text", "规则文件不能为空 / the rule file may not be empty", "text")
    if len(text.encode("utf-8")) > MAX_TEXT:
        raise InputError.single("text", "规则文件过大（上限 1 MB） / the rule file is too large (1 MB at most)", "text")


def _normalise(text: str) -> str:
    """Browsers send CRLF line ends; files are kept with LF and a final newline."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") else text + "\n"


# ---------------------------------------------------------------- checking a candidate
def propose_edit(rel_path: str, new_text: str) -> EditCheck:
    """Lint every jurisdiction with the candidate in place and run every rule test with both engines."""
    from engine.rulebook.sandbox import run_limited
    with candidate_rules(rel_path, new_text) as tree:
        rel = check_rel_path(rel_path, tree)
        return run_limited(_check_tree, rel, tree, file=f"rules/{rel}")


def _check_tree(rel: str, tree: Path) -> EditCheck:
    from engine.rulebook.lint import lint
    from engine.rulebook.loader import known_jurisdictions
    from engine.rulebook.testing import collect_rule_tests, run_rule_test
    result = EditCheck(rel)
    jurisdictions = known_jurisdictions(tree)
    result.problems = lint(jurisdictions, tree)
    if not result.problems:
        for test in collect_rule_tests(jurisdictions, tree):
            result.tests_run += 1
            outcome = run_rule_test(test, ENGINES, tree)
            if not outcome.ok:
                result.failures.append(TestFailure(test.file, test.rule_id, test.name, outcome.describe()))
    return result


# ---------------------------------------------------------------- impact on the stored cases
def impact_preview(session, rel_path: str, new_text: str, as_of: date | None = None) -> list[dict]:
    """Every stored case whose verdicts would change, one row per changed rule.

    Each case is judged as of `as_of` if given, else as of its latest check (the day its stored
    findings speak of; today if it was never checked), under the current effective rules and
    under the candidate. Only cases whose jurisdiction's rulebook holds the file are checked.
    """
    from engine.rulebook.loader import rules_dir
    root = rules_dir()
    from engine.rulebook.sandbox import run_limited
    with candidate_rules(rel_path, new_text) as tree:
        rel = check_rel_path(rel_path, tree)
        stored = _stored_cases(session, affected_jurisdictions(rel, root), as_of)
        if not stored:
            return []
        return run_limited(_impact, stored, root, tree, file=f"rules/{rel}")


def _stored_cases(session, jurisdictions: list[str], as_of: date | None) -> list[tuple]:
    """(id, title, document, day) of every stored case of the jurisdictions: what _impact judges."""
    from engine.decisions.queries import cases_of, latest_check_days
    if not jurisdictions:
        return []
    latest = latest_check_days(session)
    return [(r.id, r.title, r.document, as_of or latest.get(r.id) or clock.today())
            for r in cases_of(session, jurisdictions)]


def _impact(stored: list[tuple], root: Path, tree: Path) -> list[dict]:
    """The changed verdicts of the stored cases (run in the editor's limited child process)."""
    from engine.core.check import checker_for
    from engine.core.yamlio import LoadedYaml
    from engine.decisions.record import parse_case
    rows = []
    for case_id, title, document, day in stored:
        try:
            case = parse_case(LoadedYaml(document), case_id)
        except InputError:
            continue
        try:
            before = _verdicts(checker_for(case.jurisdiction, root).check(case, day, "durable"))
        except InputError:
            before = {}
        after = _verdicts(checker_for(case.jurisdiction, tree).check(case, day, "durable"))
        for rule in sorted(before.keys() | after.keys()):
            if before.get(rule) != after.get(rule):
                rows.append({"case_id": case_id, "title": title, "as_of": day, "rule": rule,
                             "before": before.get(rule), "after": after.get(rule)})
    return rows


def _verdicts(result) -> dict[str, tuple[str, str | None]]:
    return {f.rule: (f.verdict, f.reason) for f in result.findings}


# ---------------------------------------------------------------- saving, reverting
def save_edit(uow, rel_path: str, new_text: str, actor: str, reason: str,
              expected_sha256: str | None = None, as_of: date | None = None) -> SavedEdit:
    """Write an edited rule file into the instance folder, after linting it and running every test.

    Refused (InputError, each problem with its file and line; failed tests as problems too) when
    the candidate is not valid; refused (EditConflictError) when `expected_sha256` is given and the
    file changed since. The trail event and the new rulebook versions are added to the caller's
    unit of work (the caller commits); the file is written last, atomically. Then every stored case of
    the jurisdictions it touches is checked again as of `as_of` (default today) and the findings are
    stored, so no list shows a verdict or a due date of the rules replaced.
    """
    return _change(uow, rel_path, new_text, actor, reason, expected_sha256, "rulebook.edited", as_of)


def revert_edit(uow, rel_path: str, actor: str, reason: str, expected_sha256: str | None = None,
                as_of: date | None = None) -> SavedEdit:
    """Remove the instance copy of a file: the shipped text is in force again (checked, trailed)."""
    from engine.rulebook.loader import shipped_rules_dir
    rel = check_rel_path(rel_path)
    if not is_edited(rel):
        raise InputError.single("file", f"{rel} 未被修改，无可恢复 / {rel} is not edited; nothing to revert", "file")
    shipped = shipped_rules_dir() / rel
    if not shipped.is_file():
        raise InputError.single("file", f"{rel} 不是随程序发布的文件 / {rel} is not a shipped file", "file")
    text = shipped.read_bytes().decode("utf-8")
    return _change(uow, rel, text, actor, reason, expected_sha256, "rulebook.reverted", as_of)


def _change(uow, rel_path: str, new_text: str, actor: str, reason: str, expected_sha256: str | None,
            action: str, as_of: date | None = None) -> SavedEdit:
    from engine.accounts.access import require_role
    from engine.rulebook.loader import rulebook_digest, rules_dir
    from engine.rulebook.versions import store_rulebook_version
    from engine.store.models import RULEBOOK_CHAIN
    from engine.trail import append_event
    session = uow.session
    require_role(session, actor, EDITOR_ROLES)
    if not (reason or "").strip():
        raise InputError.single("reason", "须说明修改理由 / a reason is required", "reason")
    root = rules_dir()
    rel = check_rel_path(rel_path, root)
    old_text = (root / rel).read_bytes().decode("utf-8")
    old_sha = sha256_text(old_text)
    if expected_sha256 and expected_sha256 != old_sha:
        raise EditConflictError(rel)
    text = _normalise(new_text)
    new_sha = sha256_text(text)
    from engine.rulebook.sandbox import run_limited
    with candidate_rules(rel, text) as tree:
        check = run_limited(_check_tree, rel, tree, file=f"rules/{rel}")
        if not check.ok:
            raise InputError(check.problems + [Problem(f.file, f.rule, f.message) for f in check.failures])
        jurisdictions = affected_jurisdictions(rel, tree)
        versions = {}
        for j in jurisdictions:
            store_rulebook_version(session, j, actor, tree)
            versions[j] = rulebook_digest(j, tree)
    folder = rel.rpartition("/")[0]
    payload = {"file": rel, "reason": reason.strip(), "old_sha256": old_sha, "new_sha256": new_sha,
               "new_version": versions.get(folder), "versions": versions}
    event = append_event(session, RULEBOOK_CHAIN, actor, action, payload)
    from engine.rulebook.shared import record_edit, record_revert
    if action == "rulebook.reverted":          # the database first (every server follows it), then this copy
        record_revert(session, rel)
        (overlay_dir() / rel).unlink()
    else:
        record_edit(session, rel, text, actor)
        _write_atomically(overlay_dir() / rel, text)
    from engine.decisions.use_cases import recheck_stored_cases
    recheck_stored_cases(uow, as_of or clock.today(), actor, jurisdictions)
    return SavedEdit(rel, old_sha, new_sha, versions.get(folder, ""), versions, event.seq)


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".edit-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def history(session, limit: int = 200) -> list[dict]:
    """The rulebook chain's events, newest first: who, when, what, why, which file and version."""
    import json

    from engine.rulebook.queries import rulebook_events
    out = []
    for e in rulebook_events(session, limit):
        data = json.loads(e.payload)
        out.append({"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action, "file": data.get("file"),
                    "reason": data.get("reason"), "version": data.get("new_version") or data.get("version"),
                    "jurisdiction": data.get("jurisdiction"), "versions": data.get("versions") or {}})
    return out


# ---------------------------------------------------------------- browsing
def browse(root: Path | None = None) -> list[dict]:
    """The rulebook by jurisdiction → instrument → article (cached by the rules' versions)."""
    from engine.rulebook.loader import known_jurisdictions, rulebook_digest, rules_dir
    root = root or rules_dir()
    jurisdictions = known_jurisdictions(root)
    key = tuple(rulebook_digest(j, root) for j in jurisdictions)
    return _browse(str(root), key)


@lru_cache(maxsize=8)
def _browse(root: str, key: tuple) -> list[dict]:
    from engine.rulebook.loader import known_jurisdictions, read_rulebook
    out = []
    for j in known_jurisdictions(Path(root)):
        raw = read_rulebook(j, Path(root))
        own = next((c for c in raw.chain if c.folder == j), None)
        if own is None:
            continue
        out.append({"jurisdiction": j, "name": own.meta.name, "level": own.meta.level,
                    "verified": own.meta.verified, "files": [_instrument(s) for s in own.files],
                    "problems": [p for p in raw.problems if p.file.startswith(f"rules/{j}/")
                                 and p.file.count("/") == j.count("/") + 2]})
    return out


def _instrument(source) -> dict:
    parsed = source.parsed
    inst = parsed.instrument
    rel = source.rel.removeprefix("rules/")
    params = [_parameter(name, p, source, ("parameters", name), False, inst) for name, p in parsed.parameters.items()]
    params += [_parameter(name, p, source, ("parameter_overrides", name), True, inst)
               for name, p in parsed.parameter_overrides.items()]
    articles: dict[int, list[dict]] = {}
    for i, rule in enumerate(parsed.rules):
        articles.setdefault(rule.citation.article, []).append({
            "id": rule.id, "title": rule.title, "severity": rule.severity, "modality": rule.modality,
            "verified": rule.verified, "checked": rule.checked, "stage": rule.stage,
            "citation": _citation(inst, rule.citation), "line": source.line(("rules", i)),
            "tests": [{"name": t.name, "expect": t.expect, "reason": t.reason} for t in rule.tests]})
    return {"file": rel, "id": inst.id, "title": inst.title, "number": inst.number,
            "in_force": inst.in_force, "articles": inst.articles, "verified": inst.verified,
            "source": inst.source, "parameters": params,
            "severity_overrides": dict(parsed.severity_overrides),
            "by_article": sorted(articles.items())}


def _parameter(name: str, p, source, loc: tuple, override: bool, inst) -> dict:
    return {"name": name, "title": p.title, "type": p.type, "direction": p.direction,
            "verified": p.verified, "dated": [(v.from_, v.value) for v in p.values],
            "citation": _citation(inst, p.citation), "override": override, "line": source.line(loc)}


def _citation(instrument, citation) -> dict:
    out: dict[str, Any] = {"instrument": citation.instrument or (instrument.title if instrument else ""),
                           "article": citation.article}
    for key in ("paragraph", "item"):
        if getattr(citation, key) is not None:
            out[key] = getattr(citation, key)
    return out
