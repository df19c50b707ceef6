"""The native evaluator: the compiled rulebook as generated Python, the fast path and the oracle.

The generated source embeds only validated literals (integers, booleans, enumeration words and
fact paths from the fact catalogue, all written with `repr`); nothing from a rule file is executed.
"""
from __future__ import annotations

from typing import Callable

from engine.rulebook.compile import CompiledRule, facts_read
from engine.rulebook.conditions import Absent, All, Cmp, CmpFact, Cond, Const, Present

PY_OP = {"eq": "==", "neq": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


class NativeEvaluator:
    """Evaluate flattened facts with the rulebook compiled to one Python function."""

    name = "native"

    def __init__(self, compiled: list[CompiledRule]):
        self.compiled = compiled
        self.source = generate_source(compiled)
        namespace: dict = {}
        exec(compile(self.source, "<yifa-native-rulebook>", "exec"), namespace)  # generated, literals only
        self._fn: Callable[[dict], list[int]] = namespace["evaluate"]

    def evaluate(self, facts: dict, rules: frozenset[int] | None = None) -> list[int]:
        """Return, per compiled rule, the index of the branch that decides its verdict (every rule,
        even when `rules` names those the caller will read: one generated function judges all)."""
        return self._fn(facts)


def generate_source(compiled: list[CompiledRule]) -> str:
    """Write the Python source of `evaluate(f) -> [branch index per rule]`."""
    names = _fact_names(compiled)
    lines = ["def evaluate(f):", "    g = f.get"]
    lines += [f"    {var} = g({fact!r})" for fact, var in names.items()]
    lines.append("    out = []")
    for cr in compiled:
        lines.append(f"    # {cr.rule.id}")
        for i, branch in enumerate(cr.branches):
            keyword = "if" if i == 0 else "elif"
            lines.append(f"    {keyword} {_expr(branch.guard, names)}:")
            lines.append(f"        out.append({i})")
        lines.append("    else:")
        lines.append("        out.append(-1)")
    lines.append("    return out")
    return "\n".join(lines) + "\n"


def _fact_names(compiled: list[CompiledRule]) -> dict[str, str]:
    return {fact: f"v{i}" for i, fact in enumerate(facts_read(compiled))}


def _expr(cond: Cond, names: dict[str, str]) -> str:
    if isinstance(cond, Const):
        return "True" if cond.value else "False"
    if isinstance(cond, Present):
        return f"{names[cond.fact]} is not None"
    if isinstance(cond, Absent):
        return f"{names[cond.fact]} is None"
    if isinstance(cond, Cmp):
        v = names[cond.fact]
        return f"({v} is not None and {v} {PY_OP[cond.op]} {_literal(cond.value)})"
    if isinstance(cond, CmpFact):
        a, b = names[cond.fact], names[cond.other]
        return f"({a} is not None and {b} is not None and {a} {PY_OP[cond.op]} {b})"
    joiner = " and " if isinstance(cond, All) else " or "
    return "(" + joiner.join(_expr(c, names) for c in cond.items) + ")"


def _literal(value: object) -> str:
    if isinstance(value, (bool, int, str)):
        return repr(value)
    raise TypeError(f"not a literal the compiler may embed: {value!r}")
