"""Verification streams: more events than one batch, a break found mid-stream, and a rough rate."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert

from engine.store import trail_rows
from engine.store.models import TrailEvent, TrailHead
from engine.trail import GENESIS, seal, verify_all

EVENTS, PER_CASE = trail_rows.STREAM_BATCH + 5_000, 5_000
START = datetime(2024, 1, 1, tzinfo=timezone.utc)


def load(uow) -> None:
    rows, heads = [], []
    for case in range(EVENTS // PER_CASE):
        prev = GENESIS
        for n in range(1, PER_CASE + 1):
            rows.append(seal(f"C{case:02d}", n, START + timedelta(seconds=n), "official", "note",
                             {"n": n, "evidence": [{"sha256": "ab" * 32, "filename": "意见书.pdf"}]}, prev))
            prev = rows[-1]["hash"]
        heads.append({"case_id": f"C{case:02d}", "seq": PER_CASE, "hash": prev})
    with uow() as u:
        u.session.execute(insert(TrailEvent), rows)
        u.session.execute(insert(TrailHead), heads)
        u.commit()


@pytest.mark.slow
def test_verifying_more_events_than_one_batch_finds_every_chain_intact(uow, capsys):
    load(uow)
    started = time.perf_counter()
    with uow(read_only=True) as u:
        statuses = verify_all(u.session)
    rate = EVENTS / (time.perf_counter() - started)
    assert [s.verified for s in statuses] == [PER_CASE] * (EVENTS // PER_CASE)
    assert all(s.ok for s in statuses)
    with capsys.disabled():
        print(f"\n  verify_all: {rate:,.0f} events/s on {u.session.get_bind().dialect.name} (sanity only)")


@pytest.mark.slow
def test_a_break_in_the_middle_of_the_stream_is_diagnosed_while_the_stream_goes_on(uow, tamper):
    load(uow)
    tamper("DELETE FROM trail_events WHERE case_id = 'C02' AND seq = 4321")
    tamper("UPDATE trail_events SET actor = 'mallory' WHERE case_id = 'C04' AND seq = 5000")
    with uow(read_only=True) as u:
        statuses = {s.case_id: s for s in verify_all(u.session)}
    assert (statuses["C02"].broken.where, statuses["C02"].broken.kind) == ("C02#4321", "missing")
    assert (statuses["C04"].broken.where, statuses["C04"].broken.kind) == ("C04#5000", "altered")
    assert [c for c, s in statuses.items() if s.ok] == ["C00", "C01", "C03"]
