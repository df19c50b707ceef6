"""The compile budget: a rule whose durable-rules form would grow exponentially is refused by lint."""
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.rulebook.budget import MAX_BRANCHES, MAX_EXPRESSION_PARTS, measure
from engine.rulebook.lint import lint
from engine.rulebook.loader import known_jurisdictions

ROOT = Path(__file__).resolve().parents[2]
NESTED = "rules/CN-12/ninghe/nested.yaml"


def nested(n: int) -> str:
    """`all` of two `any`s, one of which nests the next level: exponentially many engine rules."""
    cond = "{fact: archive.complete, is: true}"
    for k in range(1, n + 1):
        a = f"{{fact: archive.archived_on, after: 2020-01-{k:02d}}}"
        b = f"{{fact: collective_decision.held_on, after: 2020-01-{k:02d}}}"
        c = f"{{fact: archive.archived_on, before: 2019-01-{k:02d}}}"
        cond = f"{{all: [{{any: [{a}, {b}]}}, {{any: [{c}, {cond}]}}]}}"
    return cond


def rule_file(n: int) -> str:
    return f"""instrument: {{id: nested, title: 嵌套测试, domain: major_decision, in_force: {{from: 2022-01-01}}, verified: false}}
rules:
  - id: NEST-01
    title: {{zh: 嵌套条件, en: nested condition}}
    citation: {{instrument: 测试, article: 1}}
    severity: warning
    modality: prompt
    verified: false
    stage: archiving
    judged_on: collective_decision.held_on
    requires: {nested(n)}
    message: {{zh: 未归档, en: not archived}}
    tests:
      - name: 已归档
        case:
          collective_decision: {{held_on: 2023-06-01, decision: approve}}
          archive: {{archived_on: 2023-06-09, complete: true}}
        expect: satisfied
      - name: 未归档
        case:
          collective_decision: {{held_on: 2023-06-01, decision: approve}}
          archive: {{complete: false}}
        expect: violated
"""


def _copy_rules(folder: Path) -> Path:
    """A copy of the shipped rules/ in `folder`, to write a nested rule into."""
    shutil.copytree(ROOT / "rules", folder / "rules", ignore=shutil.ignore_patterns("__pycache__"))
    return folder / "rules"


@pytest.fixture
def rules(tmp_path):
    return _copy_rules(tmp_path)


def _write(rules: Path, n: int) -> None:
    (rules.parent / NESTED).write_text(rule_file(n), encoding="utf-8")


def test_the_shipped_rules_are_well_within_the_budget():
    rows = measure(known_jurisdictions(), ROOT / "rules")
    most_branches = max(c.branches for *_, c in rows)
    most_parts = max(c.parts for *_, c in rows)
    print(f"largest rule: {most_branches} branches, {most_parts} expression parts")
    assert most_branches * 3 <= MAX_BRANCHES and most_parts * 3 <= MAX_EXPRESSION_PARTS


def test_an_exponential_rule_is_refused_by_lint_naming_the_budget(rules):
    _write(rules, 18)
    assert len(rule_file(18)) < 5000
    problems = [p for p in lint(["CN-12/ninghe"], rules) if "NEST-01" in p.path]
    assert len(problems) == 1, problems
    p = problems[0]
    assert p.file.endswith("nested.yaml") and p.path == "NEST-01.requires"
    assert f"{MAX_BRANCHES}" in p.message and "NEST-01" in p.message and "nested.yaml" in p.message
    zh, en = p.message.split(" / ", 1)
    assert "超出编译预算" in zh and "over the compile budget" in en


def _nested_rulebooks(depths: range) -> Iterator[tuple[int, Any, Any]]:
    """(depth, rulebook, NEST-01) with NEST-01 nested to each depth in turn, on a throwaway copy of rules/."""
    from engine.rulebook.book import build_rulebook
    from engine.rulebook.loader import read_rulebook
    with tempfile.TemporaryDirectory() as tmp:
        tree = _copy_rules(Path(tmp))
        for n in depths:
            _write(tree, n)
            book = build_rulebook(read_rulebook("CN-12/ninghe", tree))
            yield n, book, next(r for r in book.checked_rules if r.id == "NEST-01")


def _largest_within_budget() -> int:
    from engine.rulebook.budget import rule_cost
    from engine.rulebook.compile import compile_rule
    for n, book, rd in _nested_rulebooks(range(1, 18)):
        if not rule_cost(compile_rule(rd, book))[1]:
            return n - 1
    raise AssertionError("no nesting depth passes the budget")


@pytest.mark.slow
def test_a_rule_just_within_the_budget_passes_lint(rules):
    n = _largest_within_budget()
    assert n >= 2
    _write(rules, n)
    assert [p for p in lint(["CN-12/ninghe"], rules) if "NEST-01" in p.path] == []
    _write(rules, n + 1)
    assert [p for p in lint(["CN-12/ninghe"], rules) if "NEST-01" in p.path]


@pytest.mark.slow
def test_the_count_is_exactly_what_durable_rules_gets():
    """The counter mirrors split_for_budget: same engine rules, same comparisons, for every shipped
    rule and for the nested rule at every depth within the budget."""
    from engine.evaluate.durable import split_for_budget
    from engine.rulebook.book import build_rulebook
    from engine.rulebook.budget import _atoms, rule_cost
    from engine.rulebook.compile import compile_rule
    from engine.rulebook.loader import read_rulebook

    def check(book, rd):
        compiled = compile_rule(rd, book)
        parts = [p for i in range(len(compiled.branches)) for p in split_for_budget(compiled.exclusive(i))]
        cost, ok = rule_cost(compiled, 10**6, 10**9)
        assert ok and (cost.branches, cost.parts) == (len(parts), sum(_atoms(p) for p in parts)), rd.id

    for j in known_jurisdictions(ROOT / "rules"):
        book = build_rulebook(read_rulebook(j, ROOT / "rules"))
        for rd in book.checked_rules:
            check(book, rd)
    for _, book, rd in _nested_rulebooks(range(1, 7)):
        check(book, rd)


def test_a_conjunction_too_large_to_split_is_refused_by_name(rules):
    """An `all` of many comparisons between date facts cannot be split at all: lint says so,
    with the slots it needs and durable-rules' limit, not a branch count."""
    from engine.evaluate.durable import EXPRESSION_BUDGET
    facts = ["public_participation.hearing.held_on", "legality_review.opinion_on",
             "risk_assessment.completed_on"]
    items = [f"{{fact: {f}, {op}: collective_decision.held_on}}"
             for f in facts for op in ("after", "before", "on_or_after", "on_or_before")]
    (rules.parent / NESTED).write_text(rule_file(1).replace(nested(1), "{all: [" + ", ".join(items) + "]}"),
                                       encoding="utf-8")
    problems = [p for p in lint(["CN-12/ninghe"], rules) if "NEST-01" in p.path]
    assert len(problems) == 1, problems
    zh, en = problems[0].message.split(" / ", 1)
    assert f"{EXPRESSION_BUDGET} 个的上限" in zh and "超出编译预算" in zh
    assert f"limit of {EXPRESSION_BUDGET} per rule" in en and "branches (counting" not in en


def test_a_file_that_bypassed_lint_is_refused_by_the_engine_not_expanded(rules):
    """An over-budget file put in place without lint (an instance copy saved before the budget):
    building the durable-rules evaluator stops at the budget with a rulebook error, in well under
    a second, instead of compiling thousands of engine rules for every check."""
    import time

    from engine.core.check import checker_for
    from engine.core.errors import RulebookError
    _write(rules, 18)
    checker = checker_for("CN-12/ninghe", rules)
    start = time.monotonic()
    with pytest.raises(RulebookError) as caught:
        checker.evaluator("durable")
    assert time.monotonic() - start < 2
    p = caught.value.problems[0]
    assert p.path == "NEST-01.requires" and f"{MAX_BRANCHES}" in p.message and "超出编译预算" in p.message
    checker.evaluator("native")      # the generated Python does not expand the condition
