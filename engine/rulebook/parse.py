"""Read the YAML form of a condition into the condition tree, checking every fact, type and parameter.

Parameters stay symbolic here (`ParamRef`): their value depends on the date of the act, so
`engine.rulebook.compile` resolves them once the overlays are merged.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any as AnyT
from typing import Callable

from engine.core.errors import ConditionError
from engine.decisions.facts import FactType
from engine.rulebook.conditions import Absent, Cmp, CmpFact, Cond, Present, all_of, any_of, negate


@dataclass(frozen=True)
class ParamRef:
    name: str


@dataclass(frozen=True)
class ParamCmp:
    """`fact OP param` or `fact in param` (op = "in"), resolved by date at compile time."""
    fact: str
    op: str
    param: str


COMPARISONS = {"equals": "eq", "at_least": "ge", "at_most": "le", "more_than": "gt", "less_than": "lt",
               "before": "lt", "on_or_before": "le", "after": "gt", "on_or_after": "ge"}
DATE_OPS = {"before", "on_or_before", "after", "on_or_after"}
ATOM_KEYS = {"present", "is", "in", "not_in"} | set(COMPARISONS)


@dataclass
class ParseContext:
    fact_type: Callable[[str], FactType | None]
    param_type: Callable[[str], str | None]      # parameter name → its type, None if undefined
    periods: set[str]
    param_values: Callable[[str], list] = lambda name: []   # every value a parameter takes, all versions


def parse_condition(node: AnyT, ctx: ParseContext, path: tuple = ()) -> Cond:
    """Turn a YAML condition into a condition tree (or raise ConditionError naming its path)."""
    if not isinstance(node, dict) or not node:
        raise ConditionError(path, "条件应为映射", "a condition is a mapping")
    keys = set(node)
    for comb, join in (("all", all_of), ("any", any_of)):
        if comb in keys:
            _only(keys, {comb}, path)
            items = node[comb]
            if not isinstance(items, list) or not items:
                raise ConditionError(path + (comb,), f"{comb} 应为非空列表", f"{comb} needs a non-empty list")
            return join(*(parse_condition(x, ctx, path + (comb, i)) for i, x in enumerate(items)))
    if "not" in keys:
        _only(keys, {"not"}, path)
        return negate_spec(parse_condition(node["not"], ctx, path + ("not",)))
    return _parse_atom(node, ctx, path)


def negate_spec(cond: AnyT) -> AnyT:
    """Negate a tree that may still hold parameter comparisons."""
    if isinstance(cond, ParamCmp):
        return _NotParam(cond)
    if isinstance(cond, _NotParam):
        return cond.inner
    from engine.rulebook import conditions as c
    if isinstance(cond, c.All):
        return any_of(*(negate_spec(x) for x in cond.items))
    if isinstance(cond, c.Any):
        return all_of(*(negate_spec(x) for x in cond.items))
    return negate(cond)


@dataclass(frozen=True)
class _NotParam:
    inner: ParamCmp


def _only(keys: set, allowed: set, path: tuple) -> None:
    extra = keys - allowed
    if extra:
        raise ConditionError(path, f"多余的键 {sorted(extra)}", f"unexpected keys {sorted(extra)}")


def _parse_atom(node: dict, ctx: ParseContext, path: tuple) -> AnyT:
    subject_key = "fact" if "fact" in node else "period" if "period" in node else None
    if subject_key is None:
        raise ConditionError(path, "条件须有 fact、period、all、any 或 not", "a condition needs fact, period, all, any or not")
    ops = set(node) - {subject_key}
    if len(ops) != 1 or not ops <= ATOM_KEYS:
        raise ConditionError(path, f"应恰有一个比较，可用：{sorted(ATOM_KEYS)}", "exactly one comparison expected")
    op = ops.pop()
    fact, ftype = _subject(node, subject_key, ctx, path)
    return _atom(fact, ftype, op, node[op], ctx, path + (op,))


def _subject(node: dict, key: str, ctx: ParseContext, path: tuple) -> tuple[str, FactType]:
    name = node[key]
    if key == "period":
        if name not in ctx.periods:
            raise ConditionError(path + (key,), f"未定义的期间 {name!r}", "undefined period")
        return f"period:{name}", FactType("int")
    ftype = ctx.fact_type(name) if isinstance(name, str) else None
    if ftype is None:
        raise ConditionError(path + (key,), f"未知的事实 {name!r}", "unknown fact path")
    return name, ftype


def _atom(fact: str, ftype: FactType, op: str, value: AnyT, ctx: ParseContext, path: tuple) -> AnyT:
    if op == "present":
        _want(isinstance(value, bool), path, "应为 true 或 false", "expected true or false")
        return Present(fact) if value else Absent(fact)
    if op == "is":
        _want(ftype.kind == "bool" and isinstance(value, bool), path, "is 只用于是否类事实，值为 true/false", "`is` takes true/false on a yes/no fact")
        return Cmp(fact, "eq", value)
    if op in ("in", "not_in"):
        return _membership(fact, ftype, op, value, ctx, path)
    if op in DATE_OPS:
        return _date_cmp(fact, ftype, op, value, ctx, path)
    if isinstance(value, dict):
        return _param_cmp(fact, ftype, COMPARISONS[op], value, ctx, path)
    if op == "equals":
        _check_value(ftype, value, path)
        return Cmp(fact, "eq", value)
    _want(ftype.kind == "int" and _is_int(value), path, "数值比较须用于数值事实和整数", "numeric comparison needs a number fact and an integer")
    return Cmp(fact, COMPARISONS[op], value)


def _membership(fact, ftype, op, value, ctx, path):
    if isinstance(value, dict):
        ref = _param_cmp(fact, ftype, "in", value, ctx, path)
        return ref if op == "in" else _NotParam(ref)
    _want(isinstance(value, list) and value, path, "应为非空列表", "expected a non-empty list")
    for i, v in enumerate(value):
        _check_value(ftype, v, path + (i,))
    if op == "in":
        return any_of(*(Cmp(fact, "eq", v) for v in value))
    return all_of(*(Cmp(fact, "neq", v) for v in value))


def _date_cmp(fact, ftype, op, value, ctx, path):
    _want(ftype.kind == "date", path, "日期比较只用于日期事实", "date comparisons need a date fact")
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        try:
            return Cmp(fact, COMPARISONS[op], date.fromisoformat(value).toordinal())
        except ValueError:
            raise ConditionError(path, f"日期无效 {value!r}", "invalid date") from None
    other = ctx.fact_type(value) if isinstance(value, str) else None
    _want(other is not None and other.kind == "date", path, f"应为日期或日期事实，实际为 {value!r}", "expected a date or a date fact")
    return CmpFact(fact, COMPARISONS[op], value)


def _param_cmp(fact, ftype, op, value, ctx, path):
    _want(set(value) == {"param"}, path, "参数引用写作 {param: 名称}", "a parameter reference is {param: NAME}")
    name = value["param"]
    ptype = ctx.param_type(name)
    if ptype is None:
        raise ConditionError(path + ("param",), f"未定义的参数 {name!r}", "parameter used but not defined")
    wants_set = op == "in"
    _want((ptype == "set") == wants_set, path, f"参数 {name} 的类型 {ptype} 不适用于此比较", "parameter type does not fit")
    _want(wants_set and ftype.kind == "enum" or not wants_set and ftype.kind == "int", path,
          "参数比较的事实类型不符", "the fact's type does not fit the parameter")
    if wants_set:       # a word the fact can never take would make the rule silently never match
        for words in ctx.param_values(name):
            stray = [w for w in words if w not in ftype.values]
            _want(not stray, path, f"参数 {name} 的取值 {stray} 不在事实 {fact} 的取值 {list(ftype.values)} 中",
                  f"parameter {name} has values {stray} that fact {fact} never takes")
    return ParamCmp(fact, op, name)


def _check_value(ftype: FactType, value: AnyT, path: tuple) -> None:
    if ftype.kind == "enum":
        _want(value in ftype.values, path, f"取值 {value!r} 不在 {list(ftype.values)} 中", "value not in the enumeration")
    elif ftype.kind == "int":
        _want(_is_int(value), path, "应为整数", "expected an integer")
    elif ftype.kind == "bool":
        _want(isinstance(value, bool), path, "应为 true/false", "expected true or false")
    else:
        raise ConditionError(path, f"{ftype.kind} 类事实只能问 present", f"a {ftype.kind} fact can only be asked `present`")


def _is_int(v: AnyT) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _want(ok: AnyT, path: tuple, zh: str, en: str) -> None:
    if not ok:
        raise ConditionError(path, zh, en)
