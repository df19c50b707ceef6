"""`yifa rules lint`: every problem of the rule files, with file and line, not just the first."""
from __future__ import annotations

from pathlib import Path

from engine.core.errors import InputError, Problem
from engine.core.findings import PLACEHOLDER
from engine.rulebook.book import Rulebook, build_rulebook
from engine.rulebook.budget import budget_problems
from engine.rulebook.loader import read_rulebook, rules_dir


def lint(jurisdictions: list[str], root: Path | None = None) -> list[Problem]:
    """Collect the problems of every jurisdiction's rulebook, each reported once."""
    root = root or rules_dir()
    found: dict[str, Problem] = {}
    for j in jurisdictions:
        try:
            book = build_rulebook(read_rulebook(j, root))
        except InputError as e:
            problems = list(e.problems)
        else:
            problems = book.problems + budget_problems(book) + _message_problems(book) + _test_problems(book)
        for p in problems:
            found.setdefault(str(p), p)
    return sorted(found.values(), key=lambda p: (p.file, p.line or 0))


def _message_problems(book: Rulebook) -> list[Problem]:
    """A message may only name facts the rule reads, its periods, parameters, as_of and due_on."""
    from engine.core.domains import domain
    out = []
    for rd in book.checked_rules:
        fact_type = domain(rd.instrument.domain).fact_type
        for key in ("message", "overdue_message", "message_missing"):
            text = getattr(rd.rule, key)
            for part in (text.zh, text.en) if text else ():
                for name in PLACEHOLDER.findall(part):
                    if not _known_placeholder(name, book, fact_type):
                        out.append(Problem(rd.file, f"{rd.id}.{key}", f"消息中的占位符 {{{name}}} 无法取值 / unknown placeholder", rd.line))
    return out


def _known_placeholder(name: str, book: Rulebook, fact_type) -> bool:
    if name in ("as_of", "due_on") or name in book.periods or fact_type(name) is not None:
        return True
    return name.startswith("param:") and name[6:] in book.params


def _test_problems(book: Rulebook) -> list[Problem]:
    """Every test case must be a valid case file, and every checked rule needs both outcomes tested."""
    from engine.core.domains import domain
    from engine.rulebook.testing import _test_case
    out = []
    for rd in book.checked_rules:
        if rd.jurisdiction != book.jurisdiction:
            continue
        for i, t in enumerate(rd.rule.tests):
            tc = _test_case(rd, i, t)
            try:
                domain(rd.instrument.domain).test_record(tc.document, tc.label)
            except InputError as e:
                out += [Problem(rd.file, f"{rd.id}.tests[{i}].case.{p.path}", p.message, rd.line) for p in e.problems]
        expects = {t.expect for t in rd.rule.tests}
        # a breach is `violated` or, where the record can only be silent, `missing`; a 可以 option
        # is never breached: its other outcome is `not_applicable` (discretionary)
        failing = ("not_applicable",) if rd.rule.modality == "may" else ("violated", "missing")
        for needed in (("satisfied",), failing):
            if not expects.intersection(needed):
                words = " 或 ".join(needed)
                out.append(Problem(rd.file, f"{rd.id}.tests", f"缺少预期为 {words} 的测试 / needs a test expecting {' or '.join(needed)}", rd.line))
    return out
