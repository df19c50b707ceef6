"""The penalty import's short cut from cells: a row with nothing to say about it, every date written
YYYY-MM-DD, is its record's row already (`validate_imported_row`'s fourth value, `Row.canonical`), and
the import makes it ready from those cells — its digest, its event's payload and seal, its new
record's columns (`copying.from_cells`) — without writing the record back into cells. Whatever a
file holds (warned rows, masked codes, dates spelled as Excel writes them, empty or filled optional
columns, quotes and backslashes, repeated case numbers, bad rows), what the reader process sends
must be what it sent before the short cut, byte for byte; and `canonical_row`, which writes the
cells' JSON, must write what `json.dumps` writes, whatever the text."""
from __future__ import annotations

import csv
import json
import pickle
import random
from datetime import date, datetime, timezone

import pytest

from engine.credit import use_cases
from engine.credit.use_cases import (
    COLUMNS,
    DATE_COLUMNS,
    REGISTER,
    validate_imported_row,
    validate_row,
)
from engine.registers import imports
from engine.registers.csvio import iso_date, parse_date
from engine.trail import canonical, canonical_row
from tests.registers.test_penalty_fast_paths import VALID_CODE, _rows

SPELLINGS = ["2024/6/1", "2024-6-1", "2024/06/01", "２０２４-０６-０１", " 2024-06-01 "]   # not canonical
TEXTS = ['"引号"', "反\\斜杠", "换\n行", "制\t表", "𠀀非基本平面", "100%", "%s", "{0}", "単語 テキスト"]


def _varied(count: int, seed: int) -> list[dict[str, str]]:
    """Rows of every kind: `_rows`'s (good, warned, broken), some with dates spelled otherwise than
    YYYY-MM-DD, masked codes, texts that need escapes in JSON, and a few case numbers repeated."""
    r = random.Random(seed)
    rows = _rows(count, seed)
    for row in rows:
        if r.random() < 0.15:
            column = r.choice([c for c in DATE_COLUMNS if row[c]] or ["decided_on"])
            day = parse_date(row[column].strip())
            if day is not None:
                row[column] = r.choice([f"{day.year}/{day.month}/{day.day}", f"{day.year}-{day.month}-{day.day}",
                                        day.isoformat().replace("-", "/"), " " + day.isoformat()])
        if r.random() < 0.1:
            row["credit_code"] = VALID_CODE[:10] + "****" + VALID_CODE[14:]
        if r.random() < 0.2:
            column = r.choice(["party", "authority", "case_number", "sector"])
            row[column] = row[column] + r.choice(TEXTS)
        if r.random() < 0.02:
            row["case_number"] = rows[0]["case_number"]
    return rows


def test_iso_date_is_a_day_written_as_its_iso_text():
    assert iso_date("2024-06-01") == date(2024, 6, 1)
    for text in SPELLINGS + ["", "2024-02-30", "abc", "20240601"]:
        assert iso_date(text) is None, text
        assert parse_date(text) is None or parse_date(text).isoformat() != text


@pytest.mark.parametrize("seed", [11, 12])
def test_the_imported_row_is_validated_alike_and_its_cells_are_its_record_s_row(seed):
    given = 0
    for n, row in enumerate(_varied(2000, seed), 2):
        record, problems, warnings, cells = validate_imported_row(dict(row), n, "penalties.csv")
        assert (record, [str(p) for p in problems], [str(w) for w in warnings]) == \
            tuple([(r, [str(p) for p in ps], [str(w) for w in ws]) for r, ps, ws in
                   [validate_row(dict(row), n, "penalties.csv")]][0])
        stripped = {k: (row.get(k) or "").strip() for k in COLUMNS}
        iso = all(not stripped[c] or iso_date(stripped[c]) is not None for c in DATE_COLUMNS)
        assert (cells is not None) == (record is not None and not problems and not warnings and iso)
        if cells is not None:
            given += 1
            assert list(cells.items()) == list(record.to_row().items())
    assert given > 300                  # the short cut was taken, and not always


def _write(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        writer.writerows([row[c] for c in COLUMNS] for row in rows)


def _sent(monkeypatch, read, path, keep_cells):
    """What the reader process sends for the file, each batch unpickled (its rows' problems as text)."""
    class Sender:
        def __init__(self):
            self.messages = []

        def send_bytes(self, data):
            self.messages.append(data)

        def close(self):
            pass

    monkeypatch.setattr(imports, "utcnow", lambda: datetime(2026, 1, 2, 3, 4, 5, 6789, tzinfo=timezone.utc))
    sender = Sender()
    imports._reader(REGISTER, read(path), "keeper", keep_cells, sender)
    out = []
    for data in sender.messages:
        kind, value = pickle.loads(data)
        assert kind != "error", value
        if kind == "rows":
            at, names, rows = value
            out.append((at, names, [r if type(r) is tuple else                 # a bad row: a list
                                    [r.number, r.cells, r.record, [str(p) for p in r.problems],
                                     [str(w) for w in r.warnings]] for r in rows]))
    return out


@pytest.mark.parametrize("keep_cells", [False, True])
def test_the_reader_sends_from_cells_what_it_sent_from_records(monkeypatch, tmp_path, keep_cells):
    rows = _varied(3000, 13)
    path = tmp_path / "penalties.csv"
    _write(path, rows)
    monkeypatch.setattr(imports, "WRITE_BATCH", 700)
    short = _sent(monkeypatch, use_cases._imported_rows, path, keep_cells)
    full = _sent(monkeypatch, use_cases.iter_penalties, path, keep_cells)      # no cells given: the records'
    assert short == full
    taken = sum(1 for r in use_cases._imported_rows(path) if r.ok and r.canonical is not None)
    good = sum(1 for _, _, batch in full for r in batch if type(r) is tuple)
    assert 300 < taken < good < len(rows)      # short cuts, records written back, and bad rows: all met


def test_a_row_made_ready_in_process_is_the_same_from_cells(tmp_path):
    rows = _varied(1500, 14)
    path = tmp_path / "penalties.csv"
    _write(path, rows)
    short = imports._made_ready(REGISTER, list(use_cases._imported_rows(path)), "keeper")
    full = imports._made_ready(REGISTER, list(use_cases.iter_penalties(path)), "keeper")
    shown = [[r if type(r) is tuple else (r.number, [str(p) for p in r.problems]) for r in made]
             for made in (short, full)]
    assert shown[0] == shown[1]


PIECES = ['"', "\\", "\\u0000", "\x00", "\x1f", "\x7f", "\n", "\r", "\t", "\b", "\f", "\u2028", "\ud800",
          "%", "%s", "%(x)s", "{", "}", "😀", "𠀀", "中文", "a", "", " ", "'", ":", ","]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_canonical_row_writes_what_json_dumps_writes(seed):
    r = random.Random(seed)
    for _ in range(3000):
        keys = ["".join(r.choice(PIECES) for _ in range(r.randint(0, 3))) for _ in range(r.randint(0, 18))]
        row = {k: "".join(r.choice(PIECES) for _ in range(r.randint(0, 5))) for k in keys}
        assert canonical_row(row) == json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def test_canonical_row_of_other_values_is_canonical():
    for row in ({"a": 1, "b": "x"}, {"b": None, "a": "x"}, {"d": date(2024, 6, 1)}, {"x": ["y"]}, {"a": "%s"}):
        assert canonical_row(row) == canonical(row)
