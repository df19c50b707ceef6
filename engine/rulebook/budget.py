"""The compile budget of a rule, checked by lint before any engine compiles the rule.

durable-rules gets each verdict branch of a rule as one or more engine rules: a branch whose
condition exceeds the engine's per-rule expression limit is split into a disjunction of parts,
distributing an `all` over its largest `any` (engine.evaluate.durable.split_for_budget), which
may multiply the parts: nesting `any` inside `all` inside `any`… grows them exponentially.

This module counts, for each rule, what split_for_budget would produce (same pivot, same order)
for every branch made exclusive of the earlier ones, without listing the parts. The engine is
given each branch's own guard (the first that fires decides), which never splits into more parts
than its exclusive form, so the count is a bound that does not move with how the adapter writes
branches:
  - the engine rules ("branches") the rule compiles to, summed over its verdict branches, and
  - the expression parts (comparisons) those engine rules hold,
and stops counting as soon as a figure passes its budget, so measuring an exponential rule costs
no more than measuring one at the budget. Lint refuses a rule over the budget.
Run `python -m engine.rulebook.budget` to print the largest rules of the shipped rulebook.
"""
from __future__ import annotations

from dataclasses import dataclass

from engine.core.errors import Problem
from engine.rulebook.conditions import All, CmpFact, Cond, Const
from engine.rulebook.conditions import Any as AnyC

MAX_BRANCHES = 320         # engine rules per rule file rule (all its verdict branches together)
MAX_EXPRESSION_PARTS = 10000  # comparisons in those engine rules


@dataclass(frozen=True)
class RuleCost:
    branches: int
    parts: int
    over: str | None = None   # what passed the budget: "branches", "parts", "steps" or "unsplittable"
    slots: int = 0            # for "unsplittable": the expression slots of the conjunction that cannot be split


def _atoms(cond: Cond) -> int:
    if isinstance(cond, (All, AnyC)):
        return sum(_atoms(c) for c in cond.items)
    if isinstance(cond, Const):
        return 0
    return 3 if isinstance(cond, CmpFact) else 1


class _Over(Exception):
    """The count passed the budget: counting stops there."""

    def __init__(self, what: str, slots: int = 0):
        super().__init__(what)
        self.what, self.slots = what, slots


class _Counter:
    """Mirror of engine.evaluate.durable.split_for_budget that counts the parts instead of
    listing them, and stops as soon as a figure passes its budget (so the work is bounded by
    the budget, never exponential)."""

    def __init__(self, max_branches: int, max_parts: int):
        self.max_branches, self.max_parts = max_branches, max_parts
        self.branches = self.parts = self.steps = 0

    def count(self, cond: Cond) -> None:
        from engine.evaluate.durable import EXPRESSION_BUDGET, expression_cost
        from engine.rulebook.conditions import all_of
        self.steps += 1
        if self.steps > 50 * (self.max_branches + 1):
            raise _Over("steps")
        if cond == Const(False):
            return
        if expression_cost(cond) <= EXPRESSION_BUDGET:
            self.branches += 1
            self.parts += _atoms(cond)
            if self.branches > self.max_branches:
                raise _Over("branches")
            if self.parts > self.max_parts:
                raise _Over("parts")
            return
        if isinstance(cond, AnyC):
            for c in cond.items:
                self.count(c)
            return
        if isinstance(cond, All):
            pivot = max((c for c in cond.items if isinstance(c, AnyC)), key=expression_cost, default=None)
            if pivot is not None:
                rest = [c for c in cond.items if c is not pivot]
                for alt in pivot.items:
                    self.count(all_of(alt, *rest))
                return
        raise _Over("unsplittable", expression_cost(cond))   # split_for_budget raises here


def rule_cost(compiled, max_branches: int = MAX_BRANCHES,
              max_parts: int = MAX_EXPRESSION_PARTS) -> tuple[RuleCost, bool]:
    """The cost of a CompiledRule (every branch as durable-rules gets it, excluding the earlier
    ones) and whether it is within the budget; counting stops where the budget is passed."""
    counter = _Counter(max_branches, max_parts)
    try:
        for i in range(len(compiled.branches)):
            counter.count(compiled.exclusive(i))
    except _Over as over:
        return RuleCost(counter.branches, counter.parts, over.what, over.slots), False
    return RuleCost(counter.branches, counter.parts), True


def budget_problems(book) -> list[Problem]:
    """A problem for each checked rule over the budget, naming file, rule, figure and budget."""
    from engine.rulebook.compile import compile_rule
    out = []
    for rd in book.checked_rules:
        try:
            compiled = compile_rule(rd, book)
        except Exception:   # a rule that does not compile is reported by the other checks
            continue
        cost, ok = rule_cost(compiled)
        if ok:
            continue
        if cost.over == "unsplittable":
            from engine.evaluate.durable import EXPRESSION_BUDGET
            zh = (f"有一个分支拆分后仍需 {cost.slots} 个表达式位置，超过 durable-rules 单条规则 "
                  f"{EXPRESSION_BUDGET} 个的上限（同一个 all 中比较两个日期事实的条件过多）")
            en = (f"has a branch that still needs {cost.slots} expression slots after splitting, over "
                  f"durable-rules' limit of {EXPRESSION_BUDGET} per rule (too many comparisons between "
                  f"two date facts in one all)")
        elif cost.over == "parts":
            zh = f"编译后表达式超过 {MAX_EXPRESSION_PARTS} 个（计到 {cost.parts} 个即停止）"
            en = f"compiles to more than {MAX_EXPRESSION_PARTS} expression parts (counting stopped at {cost.parts})"
        elif cost.over == "steps":
            zh = f"编译后分支的计数步骤过多（已计 {cost.branches} 个分支即停止）"
            en = f"takes too many steps to count its compiled branches (stopped at {cost.branches} branches)"
        else:
            zh = f"编译后分支超过 {MAX_BRANCHES} 个（计到 {cost.branches} 个即停止）"
            en = f"compiles to more than {MAX_BRANCHES} branches (counting stopped at {cost.branches})"
        out.append(Problem(rd.file, f"{rd.id}.requires",
                           f"{rd.file} 的规则 {rd.id} {zh}，超出编译预算（分支上限 {MAX_BRANCHES}，表达式上限 "
                           f"{MAX_EXPRESSION_PARTS}）；请减少 any/all 的交替嵌套，或拆成几条规则 / "
                           f"rule {rd.id} of {rd.file} {en}, over the compile budget ({MAX_BRANCHES} branches, "
                           f"{MAX_EXPRESSION_PARTS} expression parts); nest any/all less deeply or split the rule",
                           rd.line))
    return out


def measure(jurisdictions: list[str], root=None) -> list[tuple[str, str, RuleCost]]:
    """(file, rule id, cost) of every checked rule of the jurisdictions, largest first."""
    from engine.rulebook.book import build_rulebook
    from engine.rulebook.compile import compile_rule
    from engine.rulebook.loader import read_rulebook, rules_dir
    seen: dict[tuple[str, str], RuleCost] = {}
    for j in jurisdictions:
        book = build_rulebook(read_rulebook(j, root or rules_dir()))
        for rd in book.checked_rules:
            cost, _ = rule_cost(compile_rule(rd, book))
            key = (rd.file, rd.id)
            if key not in seen or cost.branches > seen[key].branches:
                seen[key] = cost
    return sorted(((f, r, c) for (f, r), c in seen.items()), key=lambda x: (-x[2].branches, -x[2].parts))


if __name__ == "__main__":
    from engine.rulebook.loader import known_jurisdictions
    rows = measure(known_jurisdictions())
    for f, r, c in rows[:10]:
        print(f"{c.branches:6d} branches {c.parts:6d} parts  {f} {r}")
    print(f"max branches {max(c.branches for *_, c in rows)} (budget {MAX_BRANCHES}), "
          f"max parts {max(c.parts for *_, c in rows)} (budget {MAX_EXPRESSION_PARTS})")
