"""Scan a large penalty-register file on every core: `yifa credit scan --file FILE --jobs N`.

    decode the file ─ split its text at record boundaries into N parts
        └─ N worker processes: read and validate their rows, judge them, write their part of the
           report (CSV follow-up rows, or §6 JSON fragments)
    ─ the parent renumbers the workers' row problems, refuses duplicate case numbers across parts,
      and writes the parts in file order

The output is byte for byte what the one-process scan writes (a test compares them). A part
boundary is a line end outside quotes (an even number of `"` before it), so a quoted cell that
spans lines is never cut. Workers are forked, so they share the parent's loaded rulebook and the
file's text without copying it through a pipe. A workbook (.xlsx) is scanned by one process
(engine/cli/credit.py): its rows cannot be cut as text.
"""
from __future__ import annotations

import io
import json
import multiprocessing
import os
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from engine.core.errors import InputError, Problem
from engine.registers.csvio import (
    _read_bytes,
    _records,
    _validated,
    decode,
    english_header,
    safe_writer,
    where,
)

_TEXT = ""              # the file's text after the header, shared with forked workers
_PARTS: list[tuple[int, int]] = []


@dataclass
class PartResult:
    """What a worker found in its part of the file."""
    records: int = 0
    problems: list[tuple[int, str, str]] = field(default_factory=list)   # (row in part, column, message)
    keys: list[tuple[str, int]] = field(default_factory=list)          # (case number, row in part)
    records_out: list[str] = field(default_factory=list)
    follow_ups_out: list[str] = field(default_factory=list)
    follow_ups: int = 0
    overdue: int = 0


def split_points(text: str, parts: int) -> list[tuple[int, int]]:
    """(start, end) offsets of `parts` pieces of CSV text, each ending at a record boundary."""
    bounds, start, size = [], 0, len(text)
    for k in range(1, parts):
        cut = text.find("\n", max(start, size * k // parts))
        while cut != -1 and text.count('"', 0, cut) % 2:
            cut = text.find("\n", cut + 1)
        if cut == -1:
            break
        bounds.append((start, cut + 1))
        start = cut + 1
    bounds.append((start, size))
    return [b for b in bounds if b[0] < b[1]]


def scan_file(path: str, encoding: str | None, options: dict[str, Any], fmt: str, jobs: int) -> tuple[str, Any]:
    """Scan a register file on `jobs` processes; gives (the report text, the summary) or raises
    InputError with every bad row (numbered as a spreadsheet numbers them)."""
    global _TEXT, _PARTS
    from engine.credit.use_cases import TABLE
    text, _ = decode(_read_bytes(_as_path(path), path), path, encoding)
    header_end = _header_end(text)
    header = next(_records(text[:header_end], path), None)
    if header is None or not any(c.strip() for c in header):
        raise InputError.single(path, "文件为空或缺少表头行 / empty file or no header row", "row 1")
    header = english_header([c.strip() for c in header], TABLE, path)   # English or Chinese names
    _TEXT = text[header_end:]
    del text
    _PARTS = split_points(_TEXT, jobs)
    context = multiprocessing.get_context("fork")
    with context.Pool(len(_PARTS)) as pool:
        results = pool.starmap(_scan_part, [(i, header, path, options, fmt) for i in range(len(_PARTS))])
    _TEXT, _PARTS = "", []
    _refuse_bad_rows(results, path)
    return _joined(results, options, fmt)


def _as_path(path: str):
    from pathlib import Path
    return Path(path)


def _header_end(text: str) -> int:
    """The offset just after the header line (column names hold no quoted line ends)."""
    end = text.find("\n")
    return len(text) if end == -1 else end + 1


def _scan_part(index: int, header: list[str], path: str, options: dict[str, Any], fmt: str) -> PartResult:
    """Read, validate and judge a part in one pass, holding no rows: each good row is judged and
    written at once; after the first bad row the rest are only validated (every problem is
    reported, and the report is not written)."""
    import gc

    from engine.credit.scan import CreditScanner
    from engine.credit.use_cases import validate_row
    gc.disable()               # a short-lived worker of acyclic records: the cyclic collector only costs
    start, end = _PARTS[index]
    result = PartResult()
    scanner = CreditScanner(date.fromisoformat(options["as_of"]), options["jurisdiction"], options["engine"],
                            options["authority"])
    report = _PartReport(scanner, options["lang"], fmt, result)
    counted = _Counted(_records(_TEXT[start:end], path))
    for row in _validated(counted, header, validate_row, path):
        key = row.cells.get("case_number", "").strip()
        if key:
            result.keys.append((key, row.number - 1))
        for p in row.problems:
            column = p.path.split(", ", 1)[1] if ", " in p.path else ""
            result.problems.append((row.number - 1, column, p.message))
        if not result.problems and (scanner.authority is None or row.record.authority == scanner.authority):
            report.add(scanner.scan_one(row.record))
    result.records = counted.n
    if not result.problems:
        report.close()
    return result


class _PartReport:
    """A part's share of the report, written as its records are judged."""

    def __init__(self, scanner: Any, lang: str, fmt: str, result: PartResult):
        self.scanner, self.lang, self.fmt, self.result = scanner, lang, fmt, result
        self.buffer = io.StringIO()
        self.writer = safe_writer(self.buffer)

    def add(self, scan: Any) -> None:
        result, lang = self.result, self.lang
        follow_ups = scan.follow_ups()
        result.follow_ups += len(follow_ups)
        result.overdue += sum(1 for f in follow_ups if f.overdue)
        if self.fmt == "json":
            result.records_out.append(json.dumps(scan.to_json(lang), ensure_ascii=False))
            result.follow_ups_out += [json.dumps(f.to_json(lang), ensure_ascii=False) for f in follow_ups]
            return
        for f in follow_ups:
            self.writer.writerow([f.case_number, scan.record.party, f.authority, f.action, f.rule,
                                  f.due_on.isoformat() if f.due_on else "", "true" if f.overdue else "false",
                                  f.message[lang]])

    def close(self) -> None:
        if self.fmt != "json":
            self.result.follow_ups_out = [self.buffer.getvalue()]


class _Counted:
    """An iterator that counts what it gives (a part's records, blank ones included)."""

    def __init__(self, inner):
        self.inner, self.n = inner, 0

    def __iter__(self):
        return self

    def __next__(self):
        item = next(self.inner)
        self.n += 1
        return item


def _refuse_bad_rows(results: list[PartResult], path: str) -> None:
    """Every bad row of every part, renumbered; and a case number twice anywhere in the file
    (refused on its second row, as the one-process reading does)."""
    from engine.credit.use_cases import COLUMN_ZH
    problems: list[tuple[int, Problem]] = []
    first: dict[str, int] = {}
    offset = 1                                   # the header is row 1
    for part in results:
        for row, column, message in part.problems:
            problems.append((offset + row, Problem(path, where(offset + row, column or None), message)))
        for key, row in part.keys:
            n = offset + row
            if key in first:
                problems.append((n, Problem(path, where(n, "case_number"),
                                            f"{COLUMN_ZH['case_number']}：{key} 与第 {first[key]} 行重复 / duplicate "
                                            f"case number {key}, already on row {first[key]}")))
            first.setdefault(key, n)
        offset += part.records
    if problems:
        raise InputError([p for _, p in sorted(problems, key=lambda x: x[0])])


def _joined(results: list[PartResult], options: dict[str, Any], fmt: str) -> tuple[str, Any]:
    from engine.credit.scan import FOLLOW_UP_COLUMNS, CreditSummary
    summary = CreditSummary(records=sum(len(p.keys) for p in results),
                            follow_ups=sum(p.follow_ups for p in results), overdue=sum(p.overdue for p in results))
    if fmt == "json":
        records = [r for p in results for r in p.records_out]
        follow_ups = [f for p in results for f in p.follow_ups_out]
        text = ('{\n  "as_of": ' + json.dumps(options["as_of"]) + ',\n  "records": [' +
                ",".join("\n    " + r for r in records) + "\n  ],\n  \"follow_ups\": [" +
                ",".join("\n    " + f for f in follow_ups) + "\n  ]\n}\n")
        return text, summary
    return ",".join(FOLLOW_UP_COLUMNS) + "\r\n" + "".join(p.follow_ups_out[0] for p in results), summary


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))
