"""The login rate limit, kept where every app server sees it: at most `max_failures` failed sign-ins
per (username, client address) in a sliding window of `window` seconds; a success clears the count.

    DatabaseThrottle   the default: one row per failure in `login_failures` (the instance's own
                       database, so any number of app servers on it share the count)
    RedisThrottle      when REDIS_URL is set: the `limits` library's moving window on Redis

Each answers `retry_after(key)` (0: a try is allowed now), `record_failure(key)` and `clear(key)`.
Nothing here imports Flask.
"""
from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Protocol

from sqlalchemy import Engine, delete, func, insert, select

from engine.accounts.models import LoginFailure

Key = tuple[str, str]          # (normalised username, client address)


class Throttle(Protocol):
    def retry_after(self, key: Key) -> int: ...
    def record_failure(self, key: Key) -> None: ...
    def clear(self, key: Key) -> None: ...


def key_digest(key: Key) -> str:
    """What is stored of a key: its SHA-256 (no usernames or addresses kept in the clear)."""
    return hashlib.sha256("\x00".join(key).encode("utf-8")).hexdigest()


def _wait(oldest_counted: float, window: float, now: float) -> int:
    return max(1, int(oldest_counted + window - now) + 1)


class DatabaseThrottle:
    """Failed sign-ins as rows of `login_failures`, each written in its own short transaction (the
    request's unit of work is rolled back after a failed sign-in); rows older than the window are
    deleted as failures are recorded."""

    def __init__(self, engine: Engine | Callable[[], Engine], max_failures: int, window: float,
                 clock: Callable[[], float] = time.time) -> None:
        self._engine = engine
        self.max_failures, self.window, self.clock = max_failures, window, clock

    @property
    def engine(self) -> Engine:
        return self._engine if isinstance(self._engine, Engine) else self._engine()

    def retry_after(self, key: Key) -> int:
        now = self.clock()
        with self.engine.connect() as conn:
            times = conn.scalars(select(LoginFailure.at).where(LoginFailure.key_hash == key_digest(key),
                                                               LoginFailure.at > now - self.window)
                                 .order_by(LoginFailure.at.desc()).limit(self.max_failures)).all()
        if len(times) < self.max_failures:
            return 0
        return _wait(times[-1], self.window, now)

    def record_failure(self, key: Key) -> None:
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(insert(LoginFailure).values(key_hash=key_digest(key), at=now))
            conn.execute(delete(LoginFailure).where(LoginFailure.at <= now - self.window))

    def clear(self, key: Key) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(LoginFailure).where(LoginFailure.key_hash == key_digest(key)))

    def count(self) -> int:
        """Failures kept (every key): for the tests and the operators."""
        with self.engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(LoginFailure)) or 0)


class RedisThrottle:
    """The `limits` library's moving window on Redis (REDIS_URL), shared by every server using it."""

    def __init__(self, url: str, max_failures: int, window: float, prefix: str = "yifa-login") -> None:
        from limits import RateLimitItemPerSecond
        from limits.storage import storage_from_string
        from limits.strategies import MovingWindowRateLimiter
        self.item = RateLimitItemPerSecond(max_failures, int(window), namespace=prefix)
        self.limiter = MovingWindowRateLimiter(storage_from_string(url))

    def retry_after(self, key: Key) -> int:
        digest = key_digest(key)
        if self.limiter.test(self.item, digest):
            return 0
        stats = self.limiter.get_window_stats(self.item, digest)
        return max(1, int(stats.reset_time - time.time()) + 1)

    def record_failure(self, key: Key) -> None:
        self.limiter.hit(self.item, key_digest(key))

    def clear(self, key: Key) -> None:
        self.limiter.clear(self.item, key_digest(key))
