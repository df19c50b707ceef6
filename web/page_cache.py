"""A small per-process cache of rendered case pages, keyed by everything the page shows.

The key holds the case's trail head (every change to a case appends an event, so any change makes a
new key), the rulebook version, the day (deadlines move with it), the language, the viewer's roles
and their session's CSRF token (the page's forms carry it). Entries live at most TTL seconds.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Callable, Hashable

TTL_SECONDS = 30.0
MAX_ENTRIES = 512

_lock = threading.Lock()
_pages: OrderedDict[Hashable, tuple[float, str]] = OrderedDict()


def cached_page(key: Hashable, render: Callable[[], str]) -> str:
    """The page for `key`, rendered once and kept for TTL_SECONDS."""
    now = time.monotonic()
    with _lock:
        hit = _pages.get(key)
        if hit is not None and now - hit[0] < TTL_SECONDS:
            _pages.move_to_end(key)
            return hit[1]
    html = render()
    with _lock:
        _pages[key] = (now, html)
        _pages.move_to_end(key)
        while len(_pages) > MAX_ENTRIES:
            _pages.popitem(last=False)
    return html


def clear() -> None:
    """Forget every page (tests)."""
    with _lock:
        _pages.clear()
