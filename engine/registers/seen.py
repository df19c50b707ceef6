"""What an import remembers of every row of a file, in a few bytes a row instead of a Python object
each: the row each key was first seen on (`FirstRows`, for refusing a repeated key) and the keys it
imported (`KeyList`, ImportResult.imported). A million-row register is held in tens of megabytes
where a dict or a list of its keys took hundreds.

FirstRows keeps no key, only its BLAKE2b digest of 128 bits: two different keys with the same
digest — a second row refused as a repeat of a row it does not repeat — would take about 2**64
tries to find on purpose, and never happens by chance (about 2**-88 for a million keys).
"""
from __future__ import annotations

import hashlib
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from typing import overload

BUCKETS = 1 << 16
_RECORD = 24
_blake2b = hashlib.blake2b


class FirstRows:
    """The row number each key was first seen on: `first(key, number)` gives the number an equal
    key was seen on before, or None (and remembers this one). Kept as records of 24 bytes — the
    key's digest (16), the row number (8) — in 65,536 buckets chosen by the digest's first two
    bytes, each a bytearray searched by `find` (a million keys: about 15 records a bucket)."""

    def __init__(self) -> None:
        self._buckets: list[bytes | bytearray] = [b""] * BUCKETS    # each made a bytearray by its first key

    def first(self, key: str, number: int) -> int | None:
        """The row `key` was first seen on, or None when it is new (it is then seen on `number`)."""
        digest = _blake2b(key.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        index = digest[0] << 8 | digest[1]
        bucket = self._buckets[index]
        at = bucket.find(digest)
        while at >= 0:                   # a digest's bytes found across two records is no record
            if not at % _RECORD:
                return int.from_bytes(bucket[at + 16:at + _RECORD], "little", signed=True)
            at = bucket.find(digest, at + 1)
        if not bucket:
            bucket = self._buckets[index] = bytearray()
        bucket += digest
        bucket += number.to_bytes(8, "little", signed=True)
        return None

    def __len__(self) -> int:
        return sum(map(len, self._buckets)) // _RECORD


class KeyList(Sequence[str]):
    """The keys an import stored, in order, appended a batch at a time: each batch's keys one text
    and their ends, a few bytes a key where a list holds a Python string of a hundred bytes. Reads
    like a list of them (its length, its keys, `in`, equal to a list of the same keys)."""

    def __init__(self, keys: Iterable[str] = ()) -> None:
        self._texts: list[str] = []
        self._ends: list[array[int]] = []     # each batch's keys' end offsets in its text
        self._counts: list[int] = []          # the keys before each batch, and in all
        self._length = 0
        self._pending: list[str] = []         # appended one at a time: joined when a batch is full
        self.extend(keys)

    def append(self, key: str) -> None:
        self._pending.append(key)
        if len(self._pending) >= 4096:
            self._join()

    def extend(self, keys: Iterable[str]) -> None:
        for key in keys:
            self.append(key)

    def _join(self) -> None:
        ends = array("I")                    # a batch's text is far below 4 GiB characters
        end = 0
        for key in self._pending:
            end += len(key)
            ends.append(end)
        self._counts.append(self._length)
        self._texts.append("".join(self._pending))
        self._ends.append(ends)
        self._length += len(self._pending)
        self._pending = []

    def __len__(self) -> int:
        return self._length + len(self._pending)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("KeyList index out of range")
        if index >= self._length:
            return self._pending[index - self._length]
        batch = bisect_right(self._counts, index) - 1
        ends, at = self._ends[batch], index - self._counts[batch]
        return self._texts[batch][ends[at - 1] if at else 0:ends[at]]

    def __iter__(self) -> Iterator[str]:
        for text, ends in zip(self._texts, self._ends):
            start = 0
            for end in ends:
                yield text[start:end]
                start = end
        yield from list(self._pending)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (KeyList, list)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    def __repr__(self) -> str:
        return repr(list(self))

    def __sizeof__(self) -> int:
        return object.__sizeof__(self) + sum(t.__sizeof__() + e.__sizeof__() for t, e in zip(self._texts, self._ends))
