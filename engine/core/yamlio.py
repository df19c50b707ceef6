"""Read YAML (1.2 core schema) and JSON documents into plain data, keeping the line of every key.

YAML is read with PyYAML's pure-Python parser and composer (the C parser gives marks too, but
its composer cannot be made to refuse anchors), and our own resolver and builder:

- scalars follow the YAML 1.2 *core* schema, not PyYAML's YAML 1.1: `on`, `yes`, `no`, `y`, `n`
  are strings, `012` is the decimal 12, `1:30` is a string, and there are no implicit
  timestamps — dates stay strings, so the model validates them and names the field;
- duplicate keys and non-text keys are errors; anchors (`&`) and aliases (`*`) are refused, so a
  "billion laughs" document cannot expand, and nesting deeper than MAX_DEPTH is refused;
- only the core tags (`!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!map`, `!!seq`) are
  accepted; anything else (`!!timestamp`, `!!binary`, `!!python/...`, `!local`) is an error.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer, ComposerError
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from engine.core.errors import ROOT, InputError, Problem, describe, format_path
from engine.core.paths import refuse_special_file

MAX_DEPTH = 100

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class LoadedYaml:
    """A loaded document: plain data plus the 1-based line of each key or list item."""

    data: Any
    lines: Mapping[Path_, int] = field(default_factory=dict, repr=False, compare=False)

    def line_of(self, path: tuple[Any, ...]) -> int | None:
        """Give the line of the key (or list item) at `path`, e.g. ("experts", 0, "name")."""
        return self.lines.get(tuple(path))


# ---------------------------------------------------------------- YAML 1.2 core schema
_TAG = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL, SEQ, MAP = (
    _TAG + t for t in ("str", "int", "float", "bool", "null", "seq", "map")
)
_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
MAX_DIGITS = 100     # no count or amount needs more; Python refuses to convert over 4,300 digits
_INF = re.compile(r"([-+]?)\.(inf|Inf|INF)")
_NAN = re.compile(r"\.(nan|NaN|NAN)")


def _core_tag(value: str) -> str:
    if value in _NULLS:
        return NULL
    if value in _BOOLS:
        return BOOL
    if _INT.fullmatch(value):
        return INT
    if _FLOAT.fullmatch(value) or _INF.fullmatch(value) or _NAN.fullmatch(value):
        return FLOAT
    return STR


def _to_int(value: str) -> int:
    digits = len(value.lstrip("+-"))
    if digits > MAX_DIGITS:
        raise ValueError(f"数值过大（{digits} 位） / number too large ({digits} digits)")
    if value.startswith(("0o", "0x")):
        return int(value[2:], 8 if value[1] == "o" else 16)
    return int(value, 10)


def _to_float(value: str) -> float:
    if inf := _INF.fullmatch(value):
        return -math.inf if inf.group(1) == "-" else math.inf
    return math.nan if _NAN.fullmatch(value) else float(value)


_CONVERT: dict[str, Callable[[str], Any]] = {
    STR: str, INT: _to_int, FLOAT: _to_float, BOOL: _BOOLS.__getitem__, NULL: lambda _: None
}  # fmt: skip


def _fits(tag: str, value: str) -> bool:
    """Tell whether an explicitly tagged scalar (`!!int 12`) is written as its tag requires."""
    return tag == STR or _core_tag(value) in (tag, INT if tag == FLOAT else tag)


class _Refused(ComposerError):
    """Well-formed YAML that we do not accept; the message is already bilingual."""

    def __init__(self, message: str, event: yaml.Event) -> None:
        super().__init__(None, None, message, event.start_mark)


class _Loader(Reader, Scanner, Parser, Composer, BaseResolver):
    """PyYAML's parser and composer, the 1.2 core resolver, no anchors and no deep nesting."""

    def __init__(self, text: str) -> None:
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        BaseResolver.__init__(self)
        self.depth = 0

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            return _core_tag(value) if implicit[0] else STR
        return SEQ if kind is yaml.SequenceNode else MAP

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused(
                "不支持锚点（&）和别名（*）/ anchors (&) and aliases (*) are not supported", event
            )
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Refused(
                f"嵌套超过 {MAX_DEPTH} 层 / nesting deeper than {MAX_DEPTH} levels", event
            )
        try:
            return Composer.compose_node(self, parent, index)
        finally:
            self.depth -= 1


try:
    from yaml.cyaml import CParser as _CParser  # libyaml's scanner and parser, when built
except ImportError:                                  # pragma: no cover - pure-Python PyYAML
    _CParser = None

if _CParser is not None:
    class _FastLoader(_CParser):
        """libyaml scans and parses; our Python composer (below) still refuses anchors and records lines."""

        def __init__(self, text: str) -> None:
            _CParser.__init__(self, text)
            Composer.__init__(self)
            BaseResolver.__init__(self)
            self.depth = 0

        resolve = _Loader.resolve
        compose_node = _Loader.compose_node
        compose_document = Composer.compose_document
        compose_scalar_node = Composer.compose_scalar_node
        compose_sequence_node = Composer.compose_sequence_node
        compose_mapping_node = Composer.compose_mapping_node
        get_single_node = Composer.get_single_node
        check_node = Composer.check_node
        get_node = Composer.get_node
        descend_resolver = BaseResolver.descend_resolver
        ascend_resolver = BaseResolver.ascend_resolver
        yaml_path_resolvers: dict = {}


class _Builder:
    """Turn composed nodes into plain data, recording lines and collecting every problem."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.lines: dict[Path_, int] = {}
        self.problems: list[Problem] = []

    def problem(self, path: Path_, node: yaml.Node, message: str) -> None:
        self.problems.append(
            Problem(self.filename, format_path(path), message, node.start_mark.line + 1)
        )

    def build(self, node: yaml.Node, path: Path_) -> Any:
        if isinstance(node, yaml.MappingNode) and node.tag == MAP:
            return self.mapping(node, path)
        if isinstance(node, yaml.SequenceNode) and node.tag == SEQ:
            return [self.item(child, path + (i,)) for i, child in enumerate(node.value)]
        if isinstance(node, yaml.ScalarNode) and node.tag in _CONVERT:
            if _fits(node.tag, node.value):
                try:
                    return _CONVERT[node.tag](node.value)
                except ValueError as exc:        # an integer of more than MAX_DIGITS digits
                    self.problem(path, node, str(exc))
                    return None
            tag, value = node.tag.removeprefix(_TAG), node.value
            self.problem(
                path, node, f'值 "{value}" 不符合 !!{tag} / "{value}" is not a valid !!{tag}'
            )
            return None
        self.problem(path, node, f"不支持的标签 {node.tag} / unsupported tag {node.tag}")
        return None

    def item(self, node: yaml.Node, path: Path_) -> Any:
        self.lines[path] = node.start_mark.line + 1
        return self.build(node, path)

    def mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = self.build(key_node, path)
            else:
                key = {} if isinstance(key_node, yaml.MappingNode) else []
            if not isinstance(key, str):
                zh, en = describe(key)
                self.problem(
                    path, key_node, f"键应为文本，实际为 {zh} / keys must be text, got {en}"
                )
                continue
            here, line = path + (key,), key_node.start_mark.line + 1
            if key in result:
                first = self.lines[here]
                self.problem(
                    here,
                    key_node,
                    f'重复的键 "{key}"（第 {first} 行和第 {line} 行）'
                    f' / duplicate key "{key}" (lines {first} and {line})',
                )
                continue
            self.lines[here] = line
            result[key] = self.build(value_node, here)
        return result


def _syntax_problem(exc: yaml.YAMLError, text: str, filename: str) -> Problem:
    if isinstance(exc, yaml.reader.ReaderError):
        char = f"#x{exc.character:04x}"
        message = f"包含不允许的字符 {char} / contains a character that is not allowed ({char})"
        return Problem(filename, ROOT, message, text.count("\n", 0, exc.position) + 1)
    problem, context = getattr(exc, "problem", None), getattr(exc, "context", None)
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark else None
    if isinstance(exc, _Refused):
        return Problem(filename, ROOT, str(problem), line)
    detail = problem or str(exc)
    if context:
        context_mark = getattr(exc, "context_mark", None)
        where = f", line {context_mark.line + 1}" if context_mark else ""
        detail = f"{context}{where}: {detail}"
    if "'\\t'" in detail:
        detail += " (缩进只能用空格 / indent with spaces, not tabs)"
    return Problem(filename, ROOT, f"YAML 语法错误 / YAML syntax error: {detail}", line)


def load_yaml(text: str, filename: str) -> LoadedYaml:
    """Parse YAML text with the 1.2 core schema; raise InputError naming the file and line."""
    try:
        loader = _FastLoader(text) if _CParser is not None else _Loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise InputError([_syntax_problem(exc, text, filename)]) from None
    if node is None:
        return LoadedYaml(None)
    builder = _Builder(filename)
    data = builder.item(node, ())
    if builder.problems:
        raise InputError(builder.problems)
    return LoadedYaml(data, builder.lines)


# ---------------------------------------------------------------- JSON
class _Pairs(list):  # type: ignore[type-arg]
    """An object's (key, value) pairs, kept so duplicates can be reported with their path."""


def _bounded_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_DIGITS:
        raise ValueError(f"数值过大（{digits} 位） / number too large ({digits} digits)")
    return int(text)


def _refuse_constant(name: str) -> None:
    raise ValueError(f"JSON 中不允许 {name} / {name} is not allowed in JSON")


def _unpair(value: Any, path: Path_, problems: list[Problem], filename: str) -> Any:
    if isinstance(value, list) and not isinstance(value, _Pairs):
        return [_unpair(v, path + (i,), problems, filename) for i, v in enumerate(value)]
    if not isinstance(value, _Pairs):
        return value
    result: dict[str, Any] = {}
    for key, item in value:
        if key in result:
            message = f'重复的键 "{key}" / duplicate key "{key}"'
            problems.append(Problem(filename, format_path(path + (key,)), message))
        else:
            result[key] = _unpair(item, path + (key,), problems, filename)
    return result


def _json_lines(text: str, data: Any) -> Mapping[Path_, int]:
    """Find lines by reading the JSON as YAML (a superset); give up quietly if that disagrees."""
    try:
        loaded = load_yaml(text, "")
    except (InputError, RecursionError):
        return {}
    return loaded.lines if loaded.data == data else {}


class _JsonLines(Mapping):  # type: ignore[type-arg]
    """The lines of a JSON document's keys and items, found only when first asked for: a valid
    file never needs them, a file with a problem re-reads its text once to name the lines."""

    __slots__ = ("_text", "_data", "_lines")

    def __init__(self, text: str, data: Any) -> None:
        self._text: str | None = text
        self._data = data
        self._lines: Mapping[Path_, int] | None = None

    def _found(self) -> Mapping[Path_, int]:
        if self._lines is None:
            self._lines = _json_lines(self._text or "", self._data)
            self._text = self._data = None
        return self._lines

    def __getitem__(self, path: Path_) -> int:
        return self._found()[path]

    def __iter__(self) -> Iterator[Path_]:
        return iter(self._found())

    def __len__(self) -> int:
        return len(self._found())


def _refuse_surrogates(value: Any, path: Path_, problems: list[Problem], filename: str) -> None:
    """A lone surrogate (`"\\ud800"`) is valid JSON but no character: it cannot be stored or shown."""
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_surrogates(key, path + (key,), problems, filename)
            _refuse_surrogates(item, path + (key,), problems, filename)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _refuse_surrogates(item, path + (i,), problems, filename)
    elif isinstance(value, str) and _SURROGATE.search(value):
        problems.append(Problem(filename, format_path(path),
                                "包含不成对的代理码位（\\ud800–\\udfff） / contains a lone surrogate (\\ud800–\\udfff)"))


_SURROGATE = re.compile("[\ud800-\udfff]")


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")     # "\ud800": a surrogate written as an escape


def _may_hold_surrogate(text: str) -> bool:
    """Whether a string of the document can hold a lone surrogate: only through an escape
    (`\\ud800`), or a surrogate in the text itself (which UTF-8 cannot encode)."""
    if "\\u" in text and _SURROGATE_ESCAPE.search(text):
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class _Repeated(Exception):
    """A key repeats in an object: the file is read again to name every such key with its path."""


def _dict_unless_repeated(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _Repeated
    return result


def load_json(text: str, filename: str) -> LoadedYaml:
    """Parse JSON text, refusing duplicate keys and NaN/Infinity; lines are given where found.

    A file without a repeated key or a surrogate escape is read once by `json.loads`; a file with
    a problem is read again to name each problem with its path.
    """
    text = text.removeprefix("\ufeff")
    try:
        data = json.loads(text, object_pairs_hook=_dict_unless_repeated, parse_constant=_refuse_constant,
                          parse_int=_bounded_int)
    except (_Repeated, json.JSONDecodeError, RecursionError, ValueError):
        return _load_json_checked(text, filename)
    if _may_hold_surrogate(text):
        return _load_json_checked(text, filename)
    return LoadedYaml(data, _JsonLines(text, data))


def _load_json_checked(text: str, filename: str) -> LoadedYaml:
    """Read JSON keeping every object's pairs, and name each problem with its path."""
    problems: list[Problem] = []
    try:
        raw = json.loads(text, object_pairs_hook=_Pairs, parse_constant=_refuse_constant, parse_int=_bounded_int)
        data = _unpair(raw, (), problems, filename)
        _refuse_surrogates(data, (), problems, filename)
    except json.JSONDecodeError as exc:
        message = f"JSON 语法错误 / JSON syntax error: {exc.msg}"
        raise InputError.single(filename, message, line=exc.lineno) from None
    except RecursionError:
        raise InputError.single(filename, "嵌套层次过深 / nesting too deep") from None
    except ValueError as exc:
        raise InputError.single(filename, str(exc)) from None
    if problems:
        raise InputError(problems)
    return LoadedYaml(data, _JsonLines(text, data))


# ---------------------------------------------------------------- files
_LOADERS = {".yaml": load_yaml, ".yml": load_yaml, ".json": load_json}
_OS_REASONS = {
    FileNotFoundError: "文件不存在",
    IsADirectoryError: "这是目录",
    PermissionError: "无读取权限",
}


def load_document(path: Path | str) -> LoadedYaml:
    """Read a .yaml/.yml/.json file as UTF-8 (a BOM is allowed); every failure is an InputError."""
    path = Path(path)
    name = str(path)
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        raise InputError.single(
            name,
            f'不支持的文件类型 "{path.suffix}"，应为 .yaml、.yml 或 .json'
            f' / unsupported file type "{path.suffix}", expected .yaml, .yml or .json',
        )
    try:
        refuse_special_file(path, name)
        raw = path.read_bytes()
    except OSError as exc:
        reason = next((zh for cls, zh in _OS_REASONS.items() if isinstance(exc, cls)), "读取失败")
        raise InputError.single(
            name, f"无法读取文件：{reason} / cannot read the file: {exc.strerror or exc}"
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError.single(
            name,
            f"不是有效的 UTF-8 编码（第 {exc.start + 1} 字节）"
            f" / not valid UTF-8 (byte {exc.start + 1})",
            line=line,
        ) from None
    return loader(text, name)


def dump_yaml(data: Any) -> str:
    """Write plain data as YAML that `load_yaml` reads back equal (ambiguous strings are quoted)."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100)
