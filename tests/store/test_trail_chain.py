"""The trail is a hash chain an auditor can recompute: canonical JSON, digests, links."""
from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from engine.store.models import TrailEvent
from engine.trail import GENESIS, append_event, canonical, header, seal, verify_all, verify_chain

WHEN = datetime(2024, 10, 8, 1, 2, 3, tzinfo=timezone.utc)


def auditor_hash(row: TrailEvent) -> str:
    """The recipe of CASE_FORMAT §7, written independently of engine.trail."""
    head = {"case_id": row.case_id, "seq": row.seq, "at": row.at.astimezone(timezone.utc).isoformat(timespec="microseconds"),
            "actor": row.actor, "action": row.action, "payload_sha256": row.payload_sha256,
            "prev_hash": row.prev_hash}
    text = json.dumps(head, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_canonical_json_sorts_keys_keeps_chinese_and_writes_dates_in_iso():
    assert canonical({"b": 1, "a": "岳龙镇", "d": date(2024, 1, 2)}) == '{"a":"岳龙镇","b":1,"d":"2024-01-02"}'
    assert canonical({"t": WHEN + timedelta(hours=8)}) == '{"t":"2024-10-08T09:02:03.000000+00:00"}'


@pytest.mark.slow
@given(st.text(), st.integers(min_value=1, max_value=2**62), st.text(), st.text(), st.text())
def test_the_fast_header_is_exactly_the_canonical_json_of_the_header_fields(case_id, seq, actor, action, at):
    fields = {"case_id": case_id, "seq": seq, "at": at, "actor": actor, "action": action,
              "payload_sha256": "ab" * 32, "prev_hash": GENESIS}
    assert header(**fields) == canonical(fields)


@pytest.mark.slow
def test_appending_builds_a_chain_that_starts_at_genesis_and_links_each_event_to_the_last(uow):
    with uow() as u:
        events = [append_event(u.session, "YL-2021-007", "张三", "case.create", {"n": n, "title": "污水治理"},
                               at=WHEN + timedelta(minutes=n)) for n in range(4)]
        u.commit()
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert events[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:]))
    with uow(read_only=True) as u:
        stored = u.session.scalars(select(TrailEvent).order_by(TrailEvent.seq)).all()
        statuses = verify_all(u.session)
    assert [auditor_hash(e) for e in stored] == [e.hash for e in events]
    assert all(e.payload_sha256 == hashlib.sha256(e.payload.encode()).hexdigest() for e in stored)
    assert [(s.case_id, s.verified, s.ok) for s in statuses] == [("YL-2021-007", 4, True)]


def test_the_stored_time_is_the_exact_utc_microsecond_that_was_hashed(uow):
    moment = datetime(2024, 2, 29, 23, 59, 59, 123456, tzinfo=timezone(timedelta(hours=8)))
    with uow() as u:
        append_event(u.session, "C", "a", "x", {}, at=moment)
        u.commit()
    with uow(read_only=True) as u:
        stored = u.session.scalars(select(TrailEvent)).one()
    assert stored.at == moment and stored.at.tzinfo is not None
    assert stored.at.utcoffset() == timedelta(0)


@pytest.mark.slow
def test_each_case_and_the_rulebook_have_chains_of_their_own(uow):
    with uow() as u:
        for case in ("A", "rulebook", "B", "A"):
            append_event(u.session, case, "system", "note", {"case": case})
        u.commit()
    with uow(read_only=True) as u:
        statuses = verify_all(u.session)
        only_a = verify_all(u.session, "A")
    assert [(s.case_id, s.verified, s.ok) for s in statuses] == [("A", 2, True), ("B", 1, True), ("rulebook", 1, True)]
    assert [(s.case_id, s.verified) for s in only_a] == [("A", 2)]


@pytest.mark.slow
def test_a_rolled_back_unit_of_work_leaves_no_event_and_no_head(uow):
    with uow() as u:
        append_event(u.session, "A", "x", "y", {})
    with uow(read_only=True) as u:
        assert verify_all(u.session) == []


@pytest.mark.slow
def test_events_in_hand_verify_without_the_database(uow):
    with uow() as u:
        events = [append_event(u.session, "A", "x", "y", {"n": n}) for n in range(3)]
        u.commit()
    assert verify_chain(events) == []
    assert verify_chain(events, heads={"A": (3, events[-1].hash)}) == []
    cut = verify_chain(events[:2], heads={"A": (3, events[-1].hash)})
    assert [(b.where, b.kind) for b in cut] == [("A#3", "missing")]


def _chain(n: int, case_id: str = "A") -> list[dict]:
    events, prev = [], GENESIS
    for seq in range(1, n + 1):
        events.append(seal(case_id, seq, WHEN + timedelta(seconds=seq), "x", "note", {"n": seq}, prev))
        prev = events[-1]["hash"]
    return events


def _rows(events: list[dict]) -> list[tuple]:
    return [tuple(e[c] for c in ("case_id", "seq", "at", "actor", "action", "payload", "payload_sha256",
                                 "prev_hash", "hash")) for e in events]


def test_an_event_sealed_in_its_place_but_linked_to_an_older_one_is_named_reordered():
    events = _chain(3)
    events[2] = seal("A", 3, WHEN, "x", "note", {"n": 3}, events[0]["hash"])
    assert [(b.where, b.kind) for b in verify_chain(_rows(events))] == [("A#3", "reordered")]


def test_a_chain_that_does_not_start_from_genesis_is_named_altered():
    forged = seal("A", 1, WHEN, "x", "note", {}, "f" * 64)
    assert [(b.where, b.kind) for b in verify_chain(_rows([forged]))] == [("A#1", "altered")]


def test_a_chain_whose_first_events_are_gone_is_named_missing_from_seq_1():
    assert [(b.where, b.kind) for b in verify_chain(_rows(_chain(4)[2:]))] == [("A#1", "missing")]


def test_only_the_first_break_of_each_chain_is_named():
    a, b = _chain(5, "A"), _chain(3, "B")
    del a[1], a[2]
    b[2]["actor"] = "mallory"
    assert [(x.where, x.kind) for x in verify_chain(_rows(a + b))] == [("A#2", "missing"), ("B#3", "altered")]
