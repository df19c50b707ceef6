"""The audit trail: one hash chain per case (CASE_FORMAT §7), append-only, verifiable by anyone.

    payload_sha256 = sha256(canonical JSON of the payload)
    hash           = sha256(canonical JSON of {case_id, seq, at, actor, action, payload_sha256, prev_hash})
    prev_hash      = the hash of the chain's previous event; 64 zeros for the first

An auditor can recompute every hash with a dozen lines of any language: canonical JSON is
`json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))` encoded as UTF-8,
and `at` is ISO 8601 in UTC with microseconds (2024-05-01T08:30:00.000000+00:00).
"""
from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from json.encoder import encode_basestring  # what json.dumps(ensure_ascii=False) uses for strings
from typing import Any, Literal

from sqlalchemy.orm import Session

from engine.store import trail_rows
from engine.store.models import RULEBOOK_CHAIN, TrailEvent, iso_utc, utcnow
from engine.store.trail_rows import EventRow

GENESIS = "0" * 64
Kind = Literal["altered", "missing", "reordered"]
KIND_ZH = {"altered": "被篡改", "missing": "缺失", "reordered": "顺序被改动"}
_SEALED_SEARCH = 1000  # how far from its stored seq an event's sealed seq is looked for

__all__ = ["GENESIS", "RULEBOOK_CHAIN", "Break", "Canonical", "ChainStatus", "append_event", "append_events",
           "canonical", "canonical_row", "event_hash", "first_seal", "header", "seal", "verify_all", "verify_chain"]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} has no canonical JSON form")


# json.dumps with these arguments builds this very encoder on every call: built once, the same text
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False,
                              default=_plain)


def canonical(obj: Any) -> str:
    """Write `obj` as canonical JSON: sorted keys, no spaces, UTF-8 text, ISO dates."""
    return _CANONICAL.encode(obj)


_ROW_KEYS: dict[tuple[str, ...], tuple[tuple[str, str], ...]] = {}     # a mapping's keys → (key, "key":) sorted


def canonical_row(row: Mapping[str, str]) -> str:
    """`canonical(row)` for a flat mapping of text to text (a register row's cells), the same text
    built faster: the keys' order and their JSON are worked out once per set of keys."""
    keys = tuple(row)
    order = _ROW_KEYS.get(keys)
    if order is None:
        if len(_ROW_KEYS) > 64:
            _ROW_KEYS.clear()
        order = _ROW_KEYS[keys] = tuple((k, encode_basestring(k) + ":") for k in sorted(keys))
    try:
        return "{" + ",".join([label + encode_basestring(row[k]) for k, label in order]) + "}"
    except TypeError:                # a value that is not text: the general writer
        return canonical(row)


class Canonical(str):
    """A payload already written as canonical JSON (`canonical(payload)`): sealed as this very text."""

    __slots__ = ()


def header(case_id: str, seq: int, at: str, actor: str, action: str,
           payload_sha256: str, prev_hash: str) -> str:
    """The canonical JSON of an event's header — the same text `canonical({...})` gives, built faster."""
    return ('{"action":' + encode_basestring(action) + ',"actor":' + encode_basestring(actor)
            + ',"at":' + encode_basestring(at) + ',"case_id":' + encode_basestring(case_id)
            + ',"payload_sha256":' + encode_basestring(payload_sha256)
            + ',"prev_hash":' + encode_basestring(prev_hash) + ',"seq":' + str(seq) + "}")


def event_hash(case_id: str, seq: int, at: str, actor: str, action: str,
               payload_sha256: str, prev_hash: str) -> str:
    """The hash of an event: SHA-256 of its canonical header."""
    text = header(case_id, seq, at, actor, action, payload_sha256, prev_hash)
    return hashlib.sha256(text.encode()).hexdigest()


def seal(case_id: str, seq: int, at: datetime, actor: str, action: str, payload: Any,
         prev_hash: str) -> dict[str, Any]:
    """Give the columns of an event that follows `prev_hash` (the trail_events row, ready to insert)."""
    return _sealed(case_id, seq, at, iso_utc(at), actor, action, canonical(payload), prev_hash)


def _sealed(case_id: str, seq: int, at: datetime, at_text: str, actor: str, action: str, text: str,
            prev_hash: str) -> dict[str, Any]:
    """`seal` given the moment's ISO text (`iso_utc(at)`) and the payload's canonical JSON."""
    digest = hashlib.sha256(text.encode()).hexdigest()
    return _event_row(case_id, seq, at, actor, action, text, digest, prev_hash,
                      event_hash(case_id, seq, at_text, actor, action, digest, prev_hash))


def _event_row(case_id: str, seq: int, at: datetime, actor: str, action: str, text: str, digest: str,
               prev_hash: str, hash_: str) -> dict[str, Any]:
    """An event as the trail's table stores it, sealed (its digest and hash given)."""
    return {"case_id": case_id, "seq": seq, "at": at, "actor": actor, "action": action, "payload": text,
            "payload_sha256": digest, "prev_hash": prev_hash, "hash": hash_}


def append_event(session: Session, case_id: str, actor: str, action: str, payload: Any,
                 at: datetime | None = None) -> TrailEvent:
    """Add an event at the head of a case's chain, in the caller's transaction (flushed, not committed).

    The chain's head row is locked first (SELECT … FOR UPDATE on PostgreSQL; the write lock of
    BEGIN IMMEDIATE on SQLite), so concurrent appenders queue and each links to the one before:
    both succeed, as seq n+1 and n+2, and the chain never forks. (In a REPEATABLE READ or
    SERIALIZABLE transaction on PostgreSQL the second gets a serialization failure instead and
    rolls back whole: exactly one wins.) The primary key (case_id, seq) is the last guard.
    """
    seq, prev = trail_rows.lock_head(session, case_id, GENESIS)
    event = TrailEvent(**seal(case_id, seq + 1, at or utcnow(), actor, action, payload, prev))
    session.add(event)
    session.flush()  # the event first: the database lets a head move only onto an existing event
    trail_rows.advance_head(session, case_id, event.seq, event.hash)
    return event


def first_seal(case_id: str, at_text: str, actor: str, action: str, text: str) -> tuple[str, str, str]:
    """(`at_text`, payload_sha256, hash) of the event that would begin a new chain at that moment (ISO
    text, `iso_utc`) with this canonical payload: what `append_events` would seal it with. Given to
    it beside the event, it is not sealed again (a register import seals in its reader process)."""
    digest = hashlib.sha256(text.encode()).hexdigest()
    return at_text, digest, event_hash(case_id, 1, at_text, actor, action, digest, GENESIS)


def append_events(session: Session, items: Sequence[tuple[Any, ...]], at: datetime | None = None,
                  new_chains: bool = False) -> int:
    """Append many events — (chain, actor, action, payload) each, in order; a payload already written
    as canonical JSON may be given as such, `Canonical`, or as that text (a plain str) with, fifth,
    its `first_seal` at `at` (used when the chain is indeed new) — in the caller's transaction, in a few
    statements: the existing heads locked at once, the events sealed here and inserted in chunks, the
    new chains' heads inserted onto their last event, the others advanced one event at a time (the
    database lets a head move by one only). Gives the number appended.

    A chain that has no head yet is new: two writers creating the same chain at once both insert its
    event 1, and the primary key (case_id, seq) refuses the second — its whole transaction fails.
    `new_chains`: the caller knows that none of the chains has a head (it holds the database's write
    lock and saw none): they are not looked up."""
    at = at or utcnow()
    at_text = iso_utc(at)                        # the same moment for every event: written once
    chains = list(dict.fromkeys(item[0] for item in items))
    heads = {} if new_chains else trail_rows.lock_heads(session, chains)
    state = dict(heads)
    rows: list[dict[str, Any]] = []
    for item in items:
        chain, actor, action, payload = item[:4]
        seq, prev = state.get(chain, (0, GENESIS))
        first = item[4] if len(item) > 4 else None
        text = payload if first is not None or isinstance(payload, Canonical) else canonical(payload)
        if first is not None and seq == 0 and first[0] == at_text:
            row = _event_row(chain, 1, at, actor, action, text, first[1], GENESIS, first[2])
        else:
            row = _sealed(chain, seq + 1, at, at_text, actor, action, text, prev)
        rows.append(row)
        state[chain] = (seq + 1, row["hash"])
    trail_rows.insert_events(session, rows)
    trail_rows.insert_heads(session, [{"case_id": c, "seq": state[c][0], "hash": state[c][1]}
                                      for c in chains if c not in heads])
    for step in _advances(rows, heads):          # one event forward per statement row, as the database allows
        trail_rows.advance_heads(session, step)
    return len(rows)


def _advances(rows: list[dict[str, Any]], heads: Mapping[str, tuple[int, str]]) -> Iterator[list[dict[str, Any]]]:
    """The moves of the existing heads onto the new events, in rounds: each round moves each head
    by one event (a chain with three new events is moved in three rounds)."""
    pending: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row["case_id"] in heads:
            pending.setdefault(row["case_id"], []).append(row)
    depth = 0
    while True:
        step = [chain[depth] for chain in pending.values() if len(chain) > depth]
        if not step:
            return
        yield step
        depth += 1


@dataclass(frozen=True)
class Break:
    """The first bad event of a chain: where (`CASE#seq`), what kind, and why (Chinese, English)."""

    case_id: str
    seq: int
    kind: Kind
    zh: str
    en: str

    @property
    def where(self) -> str:
        return f"{self.case_id}#{self.seq}"

    def __str__(self) -> str:
        return f"{self.where}: {self.kind} — {KIND_ZH[self.kind]}：{self.zh} / {self.en}"


@dataclass(frozen=True)
class ChainStatus:
    """One chain's verification: how many events verified, its last good hash, its first break."""

    case_id: str
    verified: int
    head: str
    broken: Break | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None


def _walk(rows: Iterable[EventRow], expected: int, last: str) -> tuple[int, str, EventRow | None]:
    """Check events in order until one is bad; give the next seq expected, the last good hash, the bad row.

    The hot loop of verification: plain tuples, hashlib, no objects built per event.
    """
    sha256 = hashlib.sha256
    for row in rows:
        case_id, seq, at, actor, action, payload, digest, prev, hash_ = row
        if (seq != expected or prev != last
                or sha256(payload.encode()).hexdigest() != digest
                or sha256(('{"action":' + encode_basestring(action) + ',"actor":'
                           + encode_basestring(actor) + ',"at":' + encode_basestring(at)
                           + ',"case_id":' + encode_basestring(case_id) + ',"payload_sha256":'
                           + encode_basestring(digest) + ',"prev_hash":' + encode_basestring(prev)
                           + ',"seq":' + str(seq) + "}").encode()).hexdigest() != hash_):
            return expected, last, row
        expected, last = seq + 1, hash_
    return expected, last, None


def _sealed_seq(row: EventRow, hint: int | None) -> int | None:
    """The seq an event's hash was sealed with, if not its stored one (searched near it)."""
    case_id, seq, at, actor, action, _, digest, prev, hash_ = row
    near = (s for d in range(1, _SEALED_SEARCH) for s in (seq - d, seq + d) if s >= 1)
    for candidate in itertools.chain([hint] if hint else [], near):
        if event_hash(case_id, candidate, at, actor, action, digest, prev) == hash_:
            return candidate
    return None


def _diagnose(row: EventRow, expected: int, last: str, chain: Sequence[EventRow]) -> Break:
    """Say what is wrong with the first event of a chain that does not verify."""
    case_id, seq, at, actor, action, payload, digest, prev, hash_ = row
    if seq != expected:  # rows come ordered by seq: a seq was skipped
        if seq < expected:
            return Break(case_id, seq, "altered", f"序号 {seq} 无效（应从 1 开始）",
                         f"seq {seq} is not a valid position (chains start at 1)")
        return Break(case_id, expected, "missing", f"第 {expected} 号事件不存在（其后为第 {seq} 号）",
                     f"event #{expected} is absent (the next one is #{seq})")
    if hashlib.sha256(payload.encode()).hexdigest() != digest:
        return Break(case_id, seq, "altered", "事件内容与其摘要不符",
                     "the payload does not match its digest (payload_sha256)")
    seqs_by_hash = {r[8]: r[1] for r in chain if r[1] != seq}
    linked_to = seqs_by_hash.get(prev)
    if event_hash(case_id, seq, at, actor, action, digest, prev) != hash_:
        sealed = _sealed_seq(row, linked_to + 1 if linked_to else None)
        if sealed is None:
            return Break(case_id, seq, "altered", "事件哈希不符：操作人、动作、时间、摘要或链接被改动",
                         "the hash does not match: actor, action, time, digest or link was changed")
        if linked_to is not None or prev == GENESIS:
            return Break(case_id, seq, "reordered", f"存于第 {seq} 号，但封存时为第 {sealed} 号",
                         f"stored as #{seq} but sealed as #{sealed}")
        return Break(case_id, seq, "missing", f"其前一事件已不在记录中（本事件封存时为第 {sealed} 号，其后被重新编号）",
                     f"the event it follows is gone (it was sealed as #{sealed}; later events were renumbered)")
    if seq == 1:
        return Break(case_id, seq, "altered", "首个事件未从创始哈希（64 个 0）开始",
                     "the first event does not start from the genesis hash (64 zeros)")
    if linked_to is not None:
        return Break(case_id, seq, "reordered", f"链接到第 {linked_to} 号，而非第 {seq - 1} 号",
                     f"it links to #{linked_to}, not to #{seq - 1}")
    return Break(case_id, seq, "missing", f"封存时的前一事件（第 {seq - 1} 号）已被删除或替换",
                 f"the event it was sealed after (#{seq - 1}) was deleted or replaced")


def _check_head(case_id: str, expected: int, last: str, head: tuple[int, str],
                more: Callable[[int], list[EventRow]]) -> tuple[int, str, Break | None]:
    """Hold a verified chain against its recorded head: nothing cut off the end, nothing added."""
    head_seq, head_hash = head
    if head_seq >= expected:  # events appended while we read, or a cut-off tail
        tail = more(expected - 1)
        expected, last, bad = _walk(tail, expected, last)
        if bad is not None:
            return expected, last, _diagnose(bad, expected, last, more(0))
    if head_seq >= expected:
        return expected, last, Break(case_id, expected, "missing",
                                     f"链头记录到第 {head_seq} 号，记录止于第 {expected - 1} 号：末尾事件被删除",
                                     f"the head records #{head_seq} but the trail ends at #{expected - 1}: "
                                     "the newest events were removed")
    if head_seq < expected - 1:
        return expected, last, Break(case_id, head_seq + 1, "altered",
                                     f"第 {head_seq + 1} 号事件未经 yifa 记录（链头为第 {head_seq} 号）",
                                     f"event #{head_seq + 1} was not recorded by yifa (the head is #{head_seq})")
    if head_hash != last:
        return expected, last, Break(case_id, head_seq, "altered", "与链头记录的哈希不符",
                                     "its hash differs from the one recorded as the chain's head")
    return expected, last, None


def _walk_chains(rows: Iterable[EventRow],
                 chain_of: Callable[[str, int], Sequence[EventRow]]) -> Iterator[ChainStatus]:
    """Verify chains streamed in (case_id, seq) order; `chain_of(case, after)` rereads a broken one."""
    for case_id, group in itertools.groupby(rows, key=lambda row: row[0]):
        expected, last, bad = _walk(group, 1, GENESIS)
        broken = _diagnose(bad, expected, last, chain_of(case_id, 0)) if bad else None
        yield ChainStatus(case_id, expected - 1, last, broken)


def _against_heads(statuses: list[ChainStatus], heads: Mapping[str, tuple[int, str]],
                   chain_of: Callable[[str, int], Sequence[EventRow]]) -> list[ChainStatus]:
    """Hold each intact chain against its recorded head; add the chains whose every event is gone."""
    out = []
    for status in statuses:
        head = heads.get(status.case_id)
        if status.broken is None and head is None:
            status = ChainStatus(status.case_id, status.verified, status.head, Break(
                status.case_id, status.verified, "altered", "链头记录缺失", "the chain's head record is missing"))
        elif status.broken is None and head is not None:
            status = _with_head(status, head, chain_of)
        out.append(status)
    seen = {s.case_id for s in statuses}
    out += [_with_head(ChainStatus(c, 0, GENESIS), heads[c], chain_of) for c in set(heads) - seen]
    return sorted(out, key=lambda s: s.case_id)


def _with_head(status: ChainStatus, head: tuple[int, str],
               chain_of: Callable[[str, int], Sequence[EventRow]]) -> ChainStatus:
    expected, last, broken = _check_head(status.case_id, status.verified + 1, status.head, head,
                                         lambda after: list(chain_of(status.case_id, after)))
    return ChainStatus(status.case_id, expected - 1, last, broken)


def _row_of(event: Any) -> EventRow:
    if isinstance(event, tuple):
        values = list(event)
    else:
        values = [getattr(event, name) for name in trail_rows.COLUMNS]
    if isinstance(values[2], datetime):
        values[2] = iso_utc(values[2])
    return tuple(values)  # type: ignore[return-value]


def verify_chain(events: Iterable[Any],
                 heads: Mapping[str, tuple[int, str]] | None = None) -> list[Break]:
    """Verify events already in hand (TrailEvent objects or rows); give the first break of each chain.

    Without `heads` a chain is only checked within itself: removing its newest events is then
    not detectable (the stored heads give that protection; `verify_all` uses them).
    """
    rows = sorted((_row_of(e) for e in events), key=lambda row: (row[0], row[1]))
    by_case = {case: list(group) for case, group in itertools.groupby(rows, key=lambda row: row[0])}

    def chain_of(case_id: str, after: int) -> list[EventRow]:
        return [row for row in by_case.get(case_id, []) if row[1] > after]

    statuses = list(_walk_chains(rows, chain_of))
    if heads is not None:
        statuses = _against_heads(statuses, heads, chain_of)
    return [s.broken for s in statuses if s.broken is not None]


def verify_all(session: Session, case_id: str | None = None) -> list[ChainStatus]:
    """Recompute every chain (or one) from the database; give each chain's status, in case order.

    Events are streamed (no ORM object per row); a chain is reread only when it is broken. The
    heads are read after the events, so an append committed meanwhile (in READ COMMITTED) is
    read as a continuation of its chain, not taken for a cut-off tail.
    """
    def chain_of(chain: str, after: int) -> list[EventRow]:
        return trail_rows.chain_events(session, chain, after)

    statuses = list(_walk_chains(trail_rows.stream_events(session, case_id), chain_of))
    return _against_heads(statuses, trail_rows.chain_heads(session, case_id), chain_of)
