"""Concurrent writers of one chain queue on its head: every append lands, and the chain never forks."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from engine.store.models import TrailEvent, utcnow
from engine.trail import GENESIS, append_event, seal, verify_all


def test_two_writers_appending_to_one_case_at_once_both_land_as_seq_1_and_2(uow):
    start = threading.Barrier(2)

    def append(actor: str) -> int:
        with uow() as u:
            start.wait()
            seq = append_event(u.session, "C", actor, "advance", {"by": actor}).seq
            u.commit()
            return seq

    with ThreadPoolExecutor(2) as pool:
        seqs = sorted(pool.map(append, ["张三", "李四"]))
    assert seqs == [1, 2]
    with uow(read_only=True) as u:
        assert [(s.verified, s.ok) for s in verify_all(u.session)] == [(2, True)]


def test_many_writers_on_a_few_cases_leave_every_chain_contiguous_and_valid(uow):
    def append(n: int) -> None:
        with uow() as u:
            append_event(u.session, f"C{n % 3}", f"user{n}", "note", {"n": n})
            u.commit()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(append, range(60)))
    with uow(read_only=True) as u:
        statuses = verify_all(u.session)
        seqs = u.session.execute(select(TrailEvent.case_id, TrailEvent.seq)).all()
    assert [(s.case_id, s.verified, s.ok) for s in statuses] == [("C0", 20, True), ("C1", 20, True), ("C2", 20, True)]
    assert len(seqs) == 60


def test_a_second_writer_waits_for_the_first_and_links_to_its_event(uow, engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("on SQLite the second writer waits at BEGIN IMMEDIATE, before it can read anything")
    first_locked, first_may_commit = threading.Event(), threading.Event()
    first_hash: list[str] = []

    def first() -> None:
        with uow() as u:
            first_hash.append(append_event(u.session, "C", "first", "advance", {}).hash)
            first_locked.set()
            first_may_commit.wait(10)
            u.commit()

    def second() -> tuple[int, str]:
        first_locked.wait(10)
        with uow() as u:
            event = append_event(u.session, "C", "second", "advance", {})
            u.commit()
            return event.seq, event.prev_hash

    with ThreadPoolExecutor(2) as pool:
        done_first = pool.submit(first)
        done_second = pool.submit(second)
        first_locked.wait(10)
        time.sleep(0.3)
        assert not done_second.done()  # blocked on the head's row lock
        first_may_commit.set()
        done_first.result(10)
        assert done_second.result(10) == (2, first_hash[0])


def test_a_writer_that_skips_the_head_lock_cannot_fork_the_chain(uow):
    with uow() as u:
        append_event(u.session, "C", "honest", "note", {})
        u.commit()
    stale = seal("C", 1, utcnow(), "stale", "note", {}, GENESIS)
    with uow() as u, pytest.raises(IntegrityError):
        u.session.execute(insert(TrailEvent).values(**stale))
    with uow(read_only=True) as u:
        assert [(s.verified, s.ok) for s in verify_all(u.session)] == [(1, True)]
