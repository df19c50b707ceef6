"""The compact memories of an import (engine/registers/seen.py) against the dict and the list they
replace: the same answers on adversarial keys, including keys that share a bucket and a digest's
bytes found across two records."""
import hashlib
import itertools
import random

import pytest

from engine.registers.csvio import ImportResult, Row, repeated, unique_by, unique_by_column
from engine.registers.seen import BUCKETS, FirstRows, KeyList


def _bucket(key: str) -> int:
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    return digest[0] << 8 | digest[1]


def _adversarial_keys() -> list[str]:
    """Keys that differ by little: a character, its case, its normal form, a blank, a lone
    surrogate, an astral character, a NUL; long and short; each of them several times."""
    rng = random.Random(15)
    base = ["宁河综执罚〔2021〕12号", "宁河综执罚〔2021〕12号 ", "宁河综执罚〔2021〕1２号", "宁河综执罚[2021]12号",
            "a", "A", "é", "e\u0301", "\ud800", "\udfff", "\U0001f600", "𠀀号", "x\x00", "x", "\x00",
            "-1", "0", "00", "x" * 10_000, "x" * 9_999 + "y", "\n", "\r\n", "\t"]
    base += [f"津宁市监罚〔{year}〕{n}号" for year in (2019, 2020) for n in range(1, 400)]
    return [rng.choice(base) for _ in range(3000)]


def test_first_rows_gives_what_a_dict_of_first_rows_gives() -> None:
    seen, first = FirstRows(), {}
    for number, key in enumerate(_adversarial_keys(), start=2):
        expected = first.get(key)
        if expected is None:
            first[key] = number
        assert seen.first(key, number) == expected, (key, number)
    assert len(seen) == len(first)


def test_keys_that_share_a_bucket_are_told_apart() -> None:
    by_bucket: dict[int, list[str]] = {}
    for n in itertools.count():                 # birthday: a few hundred keys give a shared bucket
        key = f"宁河综执罚〔2021〕{n}号"
        by_bucket.setdefault(_bucket(key), []).append(key)
        if len(by_bucket[_bucket(key)]) == 3:
            a, b, c = by_bucket[_bucket(key)]
            break
    seen = FirstRows()
    assert seen.first(a, 2) is None and seen.first(b, 3) is None and seen.first(c, 4) is None
    assert (seen.first(c, 5), seen.first(a, 6), seen.first(b, 7)) == (4, 2, 3)


def test_a_digest_found_across_two_records_is_not_taken_for_a_key() -> None:
    """A bucket whose bytes hold the key's digest astride two records (the last 8 bytes of one's
    digest and its row number): the key is still new there."""
    key = "宁河综执罚〔2021〕12号"
    digest = hashlib.blake2b(key.encode(), digest_size=16).digest()
    seen = FirstRows()
    planted = bytes(8) + digest[:8] + digest[8:]            # a digest, then a row number: 24 bytes
    seen._buckets[_bucket(key)] = bytearray(planted)
    assert seen.first(key, 40) is None
    assert seen.first(key, 41) == 40


def test_first_rows_keep_any_row_number() -> None:
    seen = FirstRows()
    for number, key in ((0, "a"), (-5, "b"), (2**63 - 1, "c"), (1_048_576, "d")):
        assert seen.first(key, number) is None
        assert seen.first(key, 7) == number


def test_many_keys_spread_over_the_buckets() -> None:
    seen = FirstRows()
    for n in range(200_000):
        assert seen.first(str(n), n) is None
    sizes = [len(b) // 24 for b in seen._buckets]
    assert len(seen) == 200_000 and max(sizes) < 20 and sum(1 for s in sizes if s == 0) < BUCKETS // 10


def test_the_repeat_message_names_the_first_row_exactly() -> None:
    rows = [Row(n, {"case_number": key}) for n, key in
            ((2, "甲1号"), (3, " 甲1号"), (5, "乙2号"), (9, "甲1号 "), (12, ""), (13, ""), (70_000, "乙2号"))]
    out = list(unique_by_column(rows, "case_number", ("处罚决定书文号", "case number"), "f.csv"))
    assert [[p.message for p in r.problems] for r in out] == [
        [], ["处罚决定书文号：甲1号 与第 2 行重复 / duplicate case number 甲1号, already on row 2"], [],
        ["处罚决定书文号：甲1号 与第 2 行重复 / duplicate case number 甲1号, already on row 2"], [], [],
        ["处罚决定书文号：乙2号 与第 5 行重复 / duplicate case number 乙2号, already on row 5"]]
    assert [p.path for r in out for p in r.problems] == ["row 3, case_number", "row 9, case_number",
                                                         "row 70000, case_number"]


def test_unique_by_refuses_what_the_dict_it_replaces_refused() -> None:
    keys = _adversarial_keys()
    rows = [Row(n, {"k": k}, record=object()) for n, k in enumerate(keys, start=2)]
    said = repeated(("键", "key"))
    out = list(unique_by(rows, lambda r: r.cells["k"], "k", "f.csv", said))
    first: dict[str, int] = {}
    for row, key in zip(out, keys):
        if key in first:
            assert row.record is None and [p.message for p in row.problems] == [said(key, first[key])]
        else:
            first[key] = row.number
            assert row.record is not None and not row.problems


def test_key_list_reads_as_the_list_it_replaces() -> None:
    keys = _adversarial_keys() * 3 + [""]          # past several joined batches, and a pending one
    held = KeyList()
    for key in keys:
        held.append(key)
    assert len(held) == len(keys) and list(held) == keys and held == keys and keys == held
    assert [held[i] for i in range(len(keys))] == keys
    assert held[-1] == "" and held[-len(keys)] == keys[0] and held[4090:4100] == keys[4090:4100]
    assert held[::-7] == keys[::-7]
    assert keys[5000] in held and "never imported" not in held
    assert held != keys[:-1] and held != keys[:-1] + ["x"] and held != tuple(keys)
    with pytest.raises(IndexError):
        held[len(keys)]
    assert KeyList() == [] and not KeyList() and KeyList(["a"]) == ["a"] and repr(KeyList(["a"])) == "['a']"


def test_an_import_result_is_equal_to_one_of_lists() -> None:
    result = ImportResult()
    result.imported.extend(["甲1号", "乙2号"])
    result.updated.append("丙3号")
    assert (result.imported, result.updated, result.unchanged) == (["甲1号", "乙2号"], ["丙3号"], [])
    assert result.updated == ["丙3号"] and not result.unchanged
    with pytest.raises(TypeError):
        hash(result.imported)
