"""Input problems naming the file, line, field path and problem, in Chinese then English; and
pydantic's validation errors turned into such problems."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

ROOT = "(root)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file; `message` is Chinese first, then " / " English."""

    file: str
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.path or ROOT}: {self.message}"


def format_path(loc: Sequence[str | int]) -> str:
    """Render a location tuple as `expert_review.experts[0].name`; `(root)` for the top level."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or ROOT


SHOWN_CHARS = 40  # a longer text is cut in a message: a refused 1,000,000-character title is not echoed


def describe(value: Any) -> tuple[str, str]:
    """Describe an input value for a message: (Chinese, English); a long text is cut."""
    if isinstance(value, Mapping):
        return "映射", "a mapping"
    if isinstance(value, (list, tuple)):
        return "列表", "a list"
    if isinstance(value, str) and len(value) > SHOWN_CHARS:
        shown = json.dumps(value[:SHOWN_CHARS], ensure_ascii=False)[:-1] + '…"'
        return f"{shown}（共 {len(value)} 字符）", f"{shown} ({len(value)} characters)"
    if value is None or isinstance(value, (bool, int, float, str)):
        shown = json.dumps(value, ensure_ascii=False)
        return shown, shown
    return type(value).__name__, type(value).__name__


def _got(zh: str, en: str, value: Any) -> str:
    got_zh, got_en = describe(value)
    return f"{zh}，实际为 {got_zh} / {en}, got {got_en}"


_DATE = ("日期无效，应为 YYYY-MM-DD", "invalid date, expected YYYY-MM-DD")
_SIMPLE = {  # pydantic error type -> (Chinese, English), followed by what was given
    "bool_type": ("应为布尔值 true 或 false", "expected a boolean (true or false)"),
    "int_type": ("应为整数", "expected an integer"),
    "float_type": ("应为数字", "expected a number"),
    "string_type": ("应为文本", "expected text"),
    "model_type": ("应为映射（字段: 值）", "expected a mapping (field: value)"),
    "model_attributes_type": ("应为映射（字段: 值）", "expected a mapping (field: value)"),
    "dict_type": ("应为映射（字段: 值）", "expected a mapping (field: value)"),
    "list_type": ("应为列表", "expected a list"),
    "tuple_type": ("应为列表", "expected a list"),
    "date_type": _DATE,
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": _DATE,
}


def translate(error: Mapping[str, Any]) -> str:
    """Turn one pydantic error (a dict of `ValidationError.errors()`) into a bilingual message."""
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    if kind.startswith("yifa_"):  # our own validators already speak both languages
        return str(error["msg"])
    if kind == "missing":
        return "缺少必填字段 / required field is missing"
    if kind == "extra_forbidden":
        return "未知字段 / unknown field"
    if kind in ("literal_error", "enum"):
        options = " | ".join(re.findall(r"'((?:[^'\\]|\\.)*)'", str(ctx.get("expected", ""))))
        return _got(
            f"取值无效，应为 {options} 之一", f"invalid value, expected one of {options}", value
        )
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        sign = {"greater_than_equal": "≥", "greater_than": ">", "less_than_equal": "≤", "less_than": "<"}[kind]
        bound = ctx.get("ge", ctx.get("gt", ctx.get("le", ctx.get("lt"))))
        return _got(f"应为 {sign} {bound} 的数", f"expected a number {sign} {bound}", value)
    if kind in ("string_too_long", "too_long"):
        limit = ctx.get("max_length")
        if isinstance(value, str):
            return _got(f"文本过长，最多 {limit} 个字符", f"text too long, at most {limit} characters", value)
        return _got(f"项数过多，最多 {limit} 项", f"too many items, at most {limit}", value)
    if kind in _SIMPLE:
        zh, en = _SIMPLE[kind]
        return _got(zh, en, value)
    return _got("取值无效", f"invalid value ({error.get('msg', kind)})", value)


def problems_from_errors(
    errors: Iterable[Mapping[str, Any]],
    file: str,
    line_of: Callable[[tuple[Any, ...]], int | None],
    unknown_field: Callable[[tuple[Any, ...]], str | None] = lambda loc: None,
) -> list[Problem]:
    """Convert pydantic errors into problems, in file order.

    `unknown_field(loc)` may give a better message for an unknown field (a "did you mean").
    The line is that of the field, or of its nearest recorded ancestor (a missing field has no line
    of its own, so the line of the section that lacks it is given).
    """
    problems = []
    for error in errors:
        loc = tuple(error["loc"])
        better = unknown_field(loc) if error["type"] == "extra_forbidden" else None
        message = better or translate(error)
        line = next(
            (n for i in range(len(loc), -1, -1) if (n := line_of(loc[:i])) is not None), None
        )
        problems.append(Problem(file, format_path(loc), message, line))
    return sorted(problems, key=lambda p: (p.line is None, p.line or 0))
