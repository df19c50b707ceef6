"""2,000 generated hostile inputs to the CLI (`yifa check`, `yifa docs scan`, `yifa credit scan`):
real files with their leaves replaced by what an attacker or a careless hand would type. Whatever
comes in, the exit status is 0, 1 or 2 and no traceback or "internal error" reaches the user
(3 is the CLI's status for a bug)."""
from __future__ import annotations

import contextlib
import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.cli import main
from engine.core.yamlio import dump_yaml, load_document

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
CASE = load_document(ROOT / "examples" / "yuelong-sewage-2024.yaml").data

HOSTILE = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**40), max_value=10**40), st.floats(allow_nan=True),
    st.sampled_from(["", ".", "..", "../../etc/passwd", "0000-00-00", "9999-12-31", "2023-02-29", "1900-01-01",
                     "=HYPERLINK(\"http://x\")", "+1+1", "@SUM(A1)", "<script>alert(1)</script>", "' OR 1=1 --",
                     "²", "١٢", "\u202e", "\x00", "\ufeff", "9" * 200, "x" * 30_000, "是", "否", "null", "~"]),
    st.text(max_size=40),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
def bounded(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


def _leaves(node, path=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, path + (i,))
    else:
        yield path


PATHS = list(_leaves(CASE))


def _mutated(choices: list[tuple[int, object]]) -> dict:
    doc = json.loads(json.dumps(CASE, default=str))
    for index, value in choices:
        *head, last = PATHS[index % len(PATHS)]
        node = doc
        for part in head:
            node = node[part]
        node[last] = value
    return doc


def _run(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(list(argv))
        except SystemExit as exc:        # argparse refusing an option: its usage message, status 2
            status = exc.code if isinstance(exc.code, int) else 2
    return status, out.getvalue() + err.getvalue()


def _assert_contained(status: int, output: str) -> None:
    assert status in (0, 1, 2), (status, output[-600:])
    assert "Traceback" not in output and "内部错误" not in output, output[-600:]


@bounded(1200)
@given(choices=st.lists(st.tuples(st.integers(min_value=0), HOSTILE), min_size=1, max_size=4),
       as_json=st.booleans(), as_of=st.sampled_from(["2024-12-01", "2026-11-25", "9999-12-31", "0001-01-01", "x"]))
def test_hostile_case_files_exit_0_1_or_2(tmp_path_factory, choices, as_json, as_of):
    folder = tmp_path_factory.mktemp("case")
    doc = _mutated(choices)
    if as_json:
        path = folder / "case.json"
        path.write_text(json.dumps(doc, ensure_ascii=True, default=str), encoding="utf-8")
    else:
        path = folder / "case.yaml"
        try:
            path.write_text(dump_yaml(doc), encoding="utf-8", errors="surrogatepass")
        except (ValueError, TypeError):          # a value YAML cannot write (a surrogate): the JSON twin is tried
            path = folder / "case.json"
            path.write_text(json.dumps(doc, ensure_ascii=True, default=str), encoding="utf-8")
    _assert_contained(*_run("check", str(path), "--as-of", as_of, "--format", "json"))


def _register_strategy(header: list[str]):
    cell = st.one_of(st.sampled_from(["", "2024-03-01", "9999-12-31", "0000-00-00", "general", "serious", "regular",
                                      "=1+1", "@A1", "x" * 5000, "\x00", "²", "-1", "1e999"]),
                     st.text(max_size=20))
    return st.lists(st.lists(cell, min_size=len(header) - 2, max_size=len(header) + 2), min_size=1, max_size=4)


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(text.getvalue().encode("utf-8", errors="surrogatepass"))


def _header(name: str) -> list[str]:
    with open(ROOT / "web" / name, encoding="utf-8-sig", newline="") as f:
        return next(csv.reader(f))


DOC_HEADER, PENALTY_HEADER = _header("demo_documents.csv"), _header("demo_penalties.csv")


def _scan_register(folder: Path, command: str, header: list[str], rows: list[list[str]]) -> None:
    """Write the rows under the header as a register file and scan it with `yifa <command> scan`."""
    path = folder / "register.csv"
    _write_csv(path, header, rows)
    _assert_contained(*_run(command, "scan", "--file", str(path), "--as-of", "2026-11-25", "--format", "json"))


@bounded(400)
@given(rows=_register_strategy(DOC_HEADER))
def test_hostile_document_registers_exit_0_1_or_2(tmp_path_factory, rows):
    _scan_register(tmp_path_factory.mktemp("docs"), "docs", DOC_HEADER, rows)


@bounded(400)
@given(rows=_register_strategy(PENALTY_HEADER))
def test_hostile_penalty_registers_exit_0_1_or_2(tmp_path_factory, rows):
    _scan_register(tmp_path_factory.mktemp("credit"), "credit", PENALTY_HEADER, rows)
