"""Small per-process caches of what a case page shows, each keyed by everything it depends on.

- Rendered pages (`cached_page`): the key holds the case's trail head (every change to a case appends
  an event, so any change makes a new key), the rulebook version, the day (deadlines move with it), the
  language, the viewer's roles and their session's CSRF token (the page's forms carry it). Off with
  YIFA_PAGE_CACHE=0.
- A case's verdicts (`kept_verdicts`): the case checked as of a day and the gates of the stages it may
  enter. They do not depend on who asks, so every user and session who may see the case shares them;
  the key holds the database, the case row's version and times (any change to the case file or its
  workflow state bumps them), the rulebook and workflow versions and the day. A page rendered afresh (YIFA_PAGE_CACHE=0, a first view, another user) still skips the
  evaluation when nothing it reads has changed.

Entries live at most TTL seconds; the least recently used go first beyond MAX_ENTRIES.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any, Callable, Generic, Hashable, TypeVar

TTL_SECONDS = 30.0
MAX_ENTRIES = 512

V = TypeVar("V")


class Kept(Generic[V]):
    """Values made once per key and kept for `ttl` seconds, at most `size` of them."""

    def __init__(self, ttl: float = TTL_SECONDS, size: int = MAX_ENTRIES) -> None:
        self.ttl, self.size = ttl, size
        self._lock = threading.Lock()
        self._values: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()

    def get(self, key: Hashable, make: Callable[[], V]) -> V:
        """The value for `key`, made by `make()` when not kept (or kept too long)."""
        now = time.monotonic()
        with self._lock:
            hit = self._values.get(key)
            if hit is not None and now - hit[0] < self.ttl:
                self._values.move_to_end(key)
                return hit[1]
        value = make()
        with self._lock:
            self._values[key] = (now, value)
            self._values.move_to_end(key)
            while len(self._values) > self.size:
                self._values.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


_pages: Kept[str] = Kept()
kept_verdicts: Kept[Any] = Kept()     # web/cases.CaseVerdicts


def cached_page(key: Hashable, render: Callable[[], str]) -> str:
    """The page for `key`, rendered once and kept for TTL_SECONDS."""
    return _pages.get(key, render)


def clear() -> None:
    """Forget every page and every case's verdicts (tests)."""
    _pages.clear()
    kept_verdicts.clear()
