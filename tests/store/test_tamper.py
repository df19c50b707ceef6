"""An attacker with database access edits the trail; verification names the first bad event and how."""
from __future__ import annotations

import hashlib

import pytest

from engine.store.models import TrailEvent
from engine.trail import append_event, seal, verify_all

CASE = "YL-2021-007"


@pytest.fixture
def trail(uow):
    """Five events of one case and two of another, committed."""
    with uow() as u:
        for n in range(1, 6):
            append_event(u.session, CASE, "张三", "stage.record", {"n": n, "stage": "hearing"})
        for n in range(1, 3):
            append_event(u.session, "OTHER", "李四", "case.create", {"n": n})
        u.commit()


def verdicts(uow, case_id=None):
    with uow(read_only=True) as u:
        return {s.case_id: (s.broken.where, s.broken.kind) if s.broken else "ok"
                for s in verify_all(u.session, case_id)}


def test_an_intact_trail_verifies(uow, trail):
    assert verdicts(uow) == {CASE: "ok", "OTHER": "ok"}


def test_an_altered_payload_is_named_altered_at_its_seq(uow, trail, tamper):
    tamper("UPDATE trail_events SET payload = replace(payload, 'hearing', 'expert_review') "
           "WHERE case_id = :c AND seq = 3", c=CASE)
    assert verdicts(uow) == {CASE: (f"{CASE}#3", "altered"), "OTHER": "ok"}


def test_a_payload_altered_with_its_digest_recomputed_is_still_caught_by_the_hash(uow, trail, tamper):
    with uow(read_only=True) as u:
        payload = u.session.get(TrailEvent, (CASE, 2)).payload
    forged = payload.replace("hearing", "risk_assessment")
    tamper("UPDATE trail_events SET payload = :p, payload_sha256 = :d WHERE case_id = :c AND seq = 2",
           p=forged, d=hashlib.sha256(forged.encode()).hexdigest(), c=CASE)
    assert verdicts(uow)[CASE] == (f"{CASE}#2", "altered")


def test_an_altered_actor_is_named_altered(uow, trail, tamper):
    tamper("UPDATE trail_events SET actor = '王五' WHERE case_id = :c AND seq = 4", c=CASE)
    assert verdicts(uow, CASE) == {CASE: (f"{CASE}#4", "altered")}


def test_a_deleted_middle_event_is_named_missing(uow, trail, tamper):
    tamper("DELETE FROM trail_events WHERE case_id = :c AND seq = 3", c=CASE)
    assert verdicts(uow)[CASE] == (f"{CASE}#3", "missing")


def test_a_deleted_event_with_the_rest_renumbered_is_named_missing(uow, trail, tamper):
    tamper("DELETE FROM trail_events WHERE case_id = :c AND seq = 2", c=CASE)
    for seq in (3, 4, 5):
        tamper("UPDATE trail_events SET seq = :s - 1 WHERE case_id = :c AND seq = :s", c=CASE, s=seq)
    tamper("UPDATE trail_heads SET seq = 4 WHERE case_id = :c", c=CASE)
    assert verdicts(uow)[CASE] == (f"{CASE}#2", "missing")


def test_two_events_with_their_seq_swapped_are_named_reordered(uow, trail, tamper):
    tamper("UPDATE trail_events SET seq = -1 WHERE case_id = :c AND seq = 2", c=CASE)
    tamper("UPDATE trail_events SET seq = 2 WHERE case_id = :c AND seq = 3", c=CASE)
    tamper("UPDATE trail_events SET seq = 3 WHERE case_id = :c AND seq = -1", c=CASE)
    assert verdicts(uow) == {CASE: (f"{CASE}#2", "reordered"), "OTHER": "ok"}


def test_the_newest_event_deleted_is_named_missing_thanks_to_the_head(uow, trail, tamper):
    tamper("DELETE FROM trail_events WHERE case_id = :c AND seq = 5", c=CASE)
    assert verdicts(uow)[CASE] == (f"{CASE}#5", "missing")


def test_a_whole_chain_deleted_is_named_missing_from_its_first_event(uow, trail, tamper):
    tamper("DELETE FROM trail_events WHERE case_id = 'OTHER'")
    assert verdicts(uow)["OTHER"] == ("OTHER#1", "missing")


def test_the_newest_event_rewritten_with_valid_hashes_differs_from_the_head(uow, trail, tamper):
    with uow(read_only=True) as u:
        newest = u.session.get(TrailEvent, ("OTHER", 2))
    forged = seal("OTHER", 2, newest.at, "mallory", "case.create", {"n": 99}, newest.prev_hash)
    tamper("UPDATE trail_events SET actor = :actor, payload = :payload, payload_sha256 = :payload_sha256, "
           "hash = :hash WHERE case_id = 'OTHER' AND seq = 2", **forged)
    assert verdicts(uow)["OTHER"] == ("OTHER#2", "altered")


def test_the_break_is_told_in_chinese_and_english(uow, trail, tamper):
    tamper("DELETE FROM trail_events WHERE case_id = :c AND seq = 3", c=CASE)
    with uow(read_only=True) as u:
        broken = verify_all(u.session, CASE)[0].broken
    assert str(broken).startswith(f"{CASE}#3: missing — 缺失：第 3 号事件不存在")
    assert "event #3 is absent" in str(broken)
