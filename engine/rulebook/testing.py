"""Run the tests written beside the rules: small cases with the verdict a legal advisor expects."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterator

from engine.core.errors import InputError

DEFAULT_AS_OF = date(2025, 1, 1)
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class RuleTestCase:
    jurisdiction: str           # the rulebook the test runs under
    file: str
    rule_id: str
    index: int
    name: str
    document: dict
    as_of: date
    expect: str
    reason: str | None
    domain: str = "major_decision"

    @property
    def label(self) -> str:
        return f"{self.file} › {self.rule_id} › {self.name}"


@dataclass
class RuleTestResult:
    test: RuleTestCase
    got: dict[str, tuple[str, str | None]] = field(default_factory=dict)   # engine → (verdict, reason)
    error: str | None = None

    @property
    def ok(self) -> bool:
        want = (self.test.expect, self.test.reason)
        return self.error is None and all(
            v == want[0] and (want[1] is None or r == want[1]) for v, r in self.got.values())

    def describe(self) -> str:
        """Say what failed in the legal advisor's words: file › test › expected / got."""
        want = self.test.expect + (f"（{self.test.reason}）" if self.test.reason else "")
        if self.error:
            return f"✗ {self.test.label}：案例无效 / invalid test case:\n{self.error}"
        got = "；".join(f"{e}: {v}" + (f"（{r}）" if r else "") for e, (v, r) in self.got.items())
        return f"✗ {self.test.label}：期望 {want}，实际 {got} / expected {want}, got {got}"


def collect_rule_tests(jurisdictions: list[str], root: Path | None = None) -> list[RuleTestCase]:
    """Every test of every rule, once, under the jurisdiction whose file holds it (rules at `root`)."""
    from engine.core.check import checker_for
    seen: set[tuple[str, str, int]] = set()
    out = []
    for j in jurisdictions:
        for rd in checker_for(j, root).book.rules:
            if rd.jurisdiction != j:
                continue
            for i, t in enumerate(rd.rule.tests):
                if (rd.file, rd.id, i) not in seen:
                    seen.add((rd.file, rd.id, i))
                    out.append(_test_case(rd, i, t))
    return out


def _test_case(rd, index: int, t) -> RuleTestCase:
    from engine.core.domains import domain
    jurisdiction = t.jurisdiction or rd.jurisdiction
    kind = rd.instrument.domain
    doc = domain(kind).test_skeleton(jurisdiction, f"T-{rd.id}-{index}")
    doc.update(t.case)
    as_of = t.as_of or max((date.fromisoformat(s) for s in strings_in(doc) if ISO.match(s)), default=DEFAULT_AS_OF)
    return RuleTestCase(jurisdiction, rd.file, rd.id, index, t.name, doc, as_of, t.expect, t.reason, kind)


def strings_in(node: Any) -> Iterator[str]:
    """Every string of a JSON-like document, depth first in the document's order."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for v in node.values():
            yield from strings_in(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings_in(v)


def run_rule_test(test: RuleTestCase, engines: tuple[str, ...], root: Path | None = None) -> RuleTestResult:
    """Check the test's case under its rulebook with each engine and compare the rule's verdict."""
    from engine.core.check import checker_for
    from engine.core.domains import domain
    result = RuleTestResult(test)
    try:
        case = domain(test.domain).test_record(test.document, test.label)
        checker = checker_for(test.jurisdiction, root, test.domain)
    except InputError as e:
        result.error = str(e)
        return result
    for engine in engines:
        found = next((f for f in checker.check(case, test.as_of, engine).findings if f.rule == test.rule_id), None)
        if found is None:
            result.error = f"规则 {test.rule_id} 没有结论 / rule {test.rule_id} gave no finding"
            return result
        result.got[engine] = (found.verdict, found.reason)
    return result


def run_rule_tests(jurisdictions: list[str], engines: tuple[str, ...]) -> list[RuleTestResult]:
    """Run every rule test of the given jurisdictions."""
    return [run_rule_test(t, engines) for t in collect_rule_tests(jurisdictions)]
