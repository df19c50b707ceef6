"""The login rate limit where every app server sees it: two throttles on one database (SQLite and
PostgreSQL, each with its own engine, as two servers have) or on one Redis count the same failures."""
from __future__ import annotations

import uuid

import pytest

from engine.accounts.throttle import DatabaseThrottle, RedisThrottle, key_digest
from engine.store.db import make_engine

REDIS_URL = "redis://127.0.0.1:6379/0"


def test_two_servers_on_one_database_share_the_count_and_the_window_slides(engine, db_url):
    now = [5000.0]
    other_engine = make_engine(db_url)                       # the second server's own connections
    try:
        one = DatabaseThrottle(engine, 3, 600, clock=lambda: now[0])
        two = DatabaseThrottle(other_engine, 3, 600, clock=lambda: now[0])
        zhang, wang = ("zhang", "10.0.0.1"), ("wang", "10.0.0.1")
        one.record_failure(zhang)
        two.record_failure(zhang)
        assert one.retry_after(zhang) == 0 and two.retry_after(zhang) == 0
        now[0] += 10
        one.record_failure(zhang)
        assert two.retry_after(zhang) == 591                  # the first failure leaves the window in 590 s
        assert two.retry_after(wang) == 0                     # per username and address
        now[0] += 591
        assert one.retry_after(zhang) == 0                    # the first two failures have left the window
        one.record_failure(wang)                              # and recording prunes what has left it
        assert one.count() == 2                               # zhang at +10 s, wang now
        two.clear(zhang)
        assert one.retry_after(zhang) == 0 and one.count() == 1
    finally:
        other_engine.dispose()


def test_the_database_keeps_no_username_or_address_in_the_clear(engine):
    throttle = DatabaseThrottle(engine, 5, 600)
    throttle.record_failure(("zhang", "10.0.0.1"))
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT key_hash FROM login_failures").all()
    assert rows == [(key_digest(("zhang", "10.0.0.1")),)] and "zhang" not in rows[0][0]


def _redis_or_skip() -> None:
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError as e:
        pytest.skip(f"no Redis at {REDIS_URL}: {e}")


def test_two_servers_on_one_redis_share_the_count():
    _redis_or_skip()
    prefix = f"yifa-test-{uuid.uuid4().hex}"                  # this run's keys only
    one, two = RedisThrottle(REDIS_URL, 3, 600, prefix), RedisThrottle(REDIS_URL, 3, 600, prefix)
    key = ("zhang", "10.0.0.1")
    for throttle in (one, two, one):
        assert throttle.retry_after(key) == 0
        throttle.record_failure(key)
    assert 590 <= two.retry_after(key) <= 601
    assert one.retry_after(("wang", "10.0.0.1")) == 0
    two.clear(key)
    assert one.retry_after(key) == 0
