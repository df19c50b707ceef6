"""The penalty import's two short cuts say exactly what the full paths say, or they would let a row
through that the rules refuse:

- `validate_row` takes a row it has nothing to say about (no problem, no warning) in one pass
  (`_plain_record`); every other row goes through every check, one by one. Each row below, good or
  broken in one to three columns, is validated both ways: the record, the problems and the warnings
  must be the same — a check added to the full path and not to the short cut fails here.
- the digest of a row is hashed from its canonical JSON less the empty optional columns
  (`penalty_digest_text`), which must be the text `penalty_digest` hashes, whatever the cells hold."""
from __future__ import annotations

import hashlib
import random

import pytest

from engine.credit import use_cases
from engine.credit.credit_code import with_check_characters
from engine.credit.models import NAME_MAX, SECTOR_MAX
from engine.credit.use_cases import (
    COLUMNS,
    OPTIONAL,
    penalty_digest,
    penalty_digest_text,
    validate_row,
)
from engine.trail import canonical_row
from tests.credgen import records

VALID_CODE = with_check_characters("91120221" + "MA05T6XX")
TEXTS = ["", " ", "=SUM(A1)", "+1", "-1", "@x", " =x", "x" * (NAME_MAX + 1), "某" * (SECTOR_MAX + 1), '"引号"',
         ',"sector":""', "\t", "正常文本", " 前后空格 "]
DATES = ["", "2020-02-30", "2020-1-5", "2020/1/5", "2016-01-01", "2030-01-01", "2024-06-01", " 2024-06-01 ",
         "20240601", "2024-13-01", "abc"]
CODES = ["", VALID_CODE, VALID_CODE.lower(), VALID_CODE[:-1] + ("0" if VALID_CODE[-1] != "0" else "1"),
         VALID_CODE[:10] + "****" + VALID_CODE[14:], VALID_CODE[:12], " " + VALID_CODE]
CHOICES = {"category": ["", "minor", "general", "severe", "specified_severe", "unknown", " minor", "MINOR"],
           "repair_result": ["", "granted", "refused", "maybe", " granted"]}


def _pool(column: str) -> list[str]:
    if column in CHOICES:
        return CHOICES[column]
    if column == "credit_code":
        return CODES
    return DATES if column.endswith("_on") else TEXTS


def _rows(count: int, seed: int) -> list[dict[str, str]]:
    """Generated good rows, most of them broken in one to three columns."""
    r = random.Random(seed)
    out = []
    for cells in records(count, seed):
        row = dict(zip(COLUMNS, [*cells, ""]))           # the generator leaves out `sector` (optional)
        if r.random() < 0.3:
            row["sector"] = r.choice(["市场监管", "", "=x", "某" * (SECTOR_MAX + 1)])
        if r.random() < 0.8:
            for column in r.sample(COLUMNS, r.randint(1, 3)):
                row[column] = r.choice(_pool(column))
        out.append(row)
    return out


def _said(result):
    record, problems, warnings = result
    return record, [str(p) for p in problems], [str(w) for w in warnings]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_row_is_judged_alike_with_and_without_the_short_cut(monkeypatch, seed):
    rows = _rows(1500, seed)
    short = [_said(validate_row(dict(row), n, "penalties.csv")) for n, row in enumerate(rows, 2)]
    monkeypatch.setattr(use_cases, "_plain_record", lambda v: None)         # every row checked in full
    full = [_said(validate_row(dict(row), n, "penalties.csv")) for n, row in enumerate(rows, 2)]
    assert short == full
    clean = sum(1 for record, problems, warnings in full if record is not None and not problems and not warnings)
    assert 100 < clean < len(rows) - 100          # both kinds of row were met


@pytest.mark.parametrize("seed", [4, 5])
def test_the_digest_text_is_what_the_digest_hashes(seed):
    r = random.Random(seed)
    for row in _rows(800, seed):
        for column in OPTIONAL:
            if r.random() < 0.5:
                row[column] = r.choice(["", ',"sector":""', '",' + column + '":""', "x"])
        text = canonical_row(row)
        assert hashlib.sha256(penalty_digest_text(row, text).encode()).hexdigest() == penalty_digest(row)
