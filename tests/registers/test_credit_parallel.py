"""A large file scanned on several processes says exactly what one process says: the same report
bytes, the same bad rows with the same row numbers, the same duplicate refusals."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from engine.core.errors import InputError
from engine.credit.parallel import scan_file, split_points
from engine.credit.scan import CreditScanner, write_follow_ups_csv, write_json
from engine.credit.use_cases import read_penalties
from tests.credgen import COLUMNS, records

OPTIONS = {"as_of": "2026-11-25", "jurisdiction": "CN", "engine": "native", "authority": None, "lang": "zh"}


def register(tmp_path, rows: list[list[str]]):
    path = tmp_path / "penalties.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return path


def one_process(path, fmt: str) -> str:
    scanner = CreditScanner(date(2026, 11, 25))
    documents = [r.record for r in read_penalties(path)]
    out = io.StringIO()
    (write_json(scanner, scanner.scan(documents), out) if fmt == "json"
     else write_follow_ups_csv(scanner.scan(documents), out))
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_three_processes_write_the_same_bytes_as_one(tmp_path, fmt):
    rows = list(records(900, seed=3))
    rows[10][1] = "天津市宁河区\n“多行”,名称有限公司"        # a quoted cell spanning lines, with a comma
    path = register(tmp_path, rows)
    text, summary = scan_file(str(path), None, OPTIONS, fmt, 3)
    assert text == one_process(path, fmt)
    assert summary.records == 900 and summary.follow_ups > 0


def test_bad_rows_in_every_part_are_numbered_as_in_the_file(tmp_path):
    rows = list(records(600, seed=5))
    rows[3][4] = "2021-02-30"                 # row 5
    rows[450][2] = "91120221MA05T6XX65"        # row 452: a wrong check character
    rows[599][0] = rows[100][0]               # row 601 repeats row 102's case number
    path = register(tmp_path, rows)
    with pytest.raises(InputError) as parallel:
        scan_file(str(path), None, OPTIONS, "csv", 3)
    sequential = [p for r in read_penalties(path) if not r.ok for p in r.problems]
    assert [str(p) for p in parallel.value.problems] == [str(p) for p in sequential]
    assert [p.path for p in parallel.value.problems] == ["row 5, decided_on", "row 452, credit_code",
                                                         "row 601, case_number"]


def test_parts_end_at_record_boundaries_outside_quotes():
    text = 'a,"x\ny",1\nb,2,3\nc,"p\nq\nr",4\nd,5,6\n'
    parts = split_points(text, 3)
    assert "".join(text[a:b] for a, b in parts) == text
    for a, b in parts:
        assert text[a:b].count('"') % 2 == 0 and text[a:b].endswith("\n")
