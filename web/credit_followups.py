"""The penalising authorities' follow-up list (CASE_FORMAT §6 `follow_ups`) of the whole penalty
register as of a day, computed once per process and kept while nothing it depends on changes.

    follow_up_list(session, as_of, jurisdiction)   → FollowUpList (every authority, sorted)
    FollowUpList.matching(authority, action)        → the items a filter keeps
    page_details(session, scanner, items)           → party and message of the items of one page

The scan is the engine's (`CreditScanner` over `iter_penalties`, streamed); this module only keeps
its answer. The key is (database and the units the session covers, register state, as_of,
jurisdiction, rulebook version). The
register state is `count(*)`, `max(id)` and `max(updated_at)` of penalty_records: every stored
change inserts a row (count and max(id) grow) or updates one (its `updated_at` becomes the newest),
and rows are never deleted — so a change always makes a new key, and reading the state costs one
aggregate query (≈0.1 s on 100,000 rows, SQLite). It relies on the hosts' clocks moving forward
(an update stamped earlier than the newest row, by a host whose clock is behind, would go unseen
until the next change).

An item keeps only what sorting and counting need (authority, overdue, due date, case number,
action, rule: a few hundred bytes, ≈30 MB for 100,000 follow-ups); the party and the message of
the rows shown are read again for the page (`page_details`: the page's records, re-scanned).
At most MAX_ENTRIES lists are kept; a list of a register state that has moved on is dropped as
soon as the newer one is computed. A register of more than SCAN_JOB_ROWS penalties is scanned by
the job worker (web/scan_jobs.py), and the page waits for it; so are its downloads, each file kept
in the blob store for its format, language, authority and action.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Hashable

from sqlalchemy.orm import Session

from engine.core.check import checker_for
from engine.core.domains import CREDIT
from engine.credit.queries import iter_penalties, penalties_by_number
from engine.credit.queries import register_state as penalty_register_state
from engine.credit.scan import AuthorityCount, CreditScanner, FollowUp, FollowUpList, Item
from engine.credit.scan import follow_up_list as scan_follow_ups
from engine.credit.use_cases import from_record
from engine.jobs.scans import FOLLOW_UPS
from engine.units.scope import limit_of
from web.scan_jobs import by_job, scanned_by_job

MAX_ENTRIES = 4

_lock = threading.Lock()
_lists: OrderedDict[Hashable, "FollowUpList"] = OrderedDict()
_computing: dict[Hashable, threading.Lock] = {}


def register_state(session: Session) -> tuple[int, int | None, datetime | None]:
    """(rows, newest id, newest change) of penalty_records: changes whenever the register does."""
    return penalty_register_state(session)


def scanner_for(as_of: date, jurisdiction: str, authority: str | None = None) -> CreditScanner:
    """The engine's scanner (its checker compiled once per rulebook version)."""
    return CreditScanner(as_of, jurisdiction, authority=authority, checker=checker_for(jurisdiction, domain=CREDIT))


def follow_up_list(session: Session, as_of: date, jurisdiction: str = "CN") -> FollowUpList:
    """The follow-ups of every stored penalty as of `as_of` — computed, or kept from a previous request."""
    scanner = scanner_for(as_of, jurisdiction)
    database = (str(session.get_bind().engine.url), limit_of(session))      # a list per scope: never another unit's
    state = register_state(session)
    key = (database, state, as_of, jurisdiction, scanner.checker.book.version)
    found = _get(key)
    if found is not None:
        return found
    with _key_lock(key):
        found = _get(key)
        if found is None:
            found = _scan(session, scanner, jurisdiction) if not by_job(state[0]) else \
                scanned_by_job(session, FOLLOW_UPS, state, as_of, jurisdiction, scanner.checker.book.version)
            _put(key, found)
    return found


def _scan(session: Session, scanner: CreditScanner, jurisdiction: str) -> FollowUpList:
    """Scan every penalty of the session's register (what the session's units cover)."""
    return scan_follow_ups(scanner, jurisdiction, iter_penalties(session))


def _get(key: Hashable) -> FollowUpList | None:
    with _lock:
        found = _lists.get(key)
        if found is not None:
            _lists.move_to_end(key)
        return found


def _key_lock(key: Hashable) -> threading.Lock:
    """One computation per key at a time: a second request for the same list waits for the first."""
    with _lock:
        return _computing.setdefault(key, threading.Lock())


def _put(key: Hashable, value: FollowUpList) -> None:
    database, state = key[0], key[1]        # type: ignore[index]
    with _lock:
        for old in [k for k in _lists if k[0] == database and k[1] != state]:    # type: ignore[index]
            del _lists[old]                 # that register state has moved on
        _lists[key] = value
        while len(_lists) > MAX_ENTRIES:
            _lists.popitem(last=False)
        _computing.pop(key, None)


def clear() -> None:
    """Forget every list (tests)."""
    with _lock:
        _lists.clear()


@dataclass(frozen=True)
class Detail:
    """What a page shows of a follow-up besides the item: the party, and the rule's message."""
    party: str
    follow_up: FollowUp | None


def page_details(session: Session, scanner: CreditScanner, items: list[Item]) -> dict[tuple[str, str, str], Detail]:
    """The party and the follow-up (with its message) of each item of a page, by (case number, action, rule)."""
    wanted: dict[str, list[Item]] = {}
    for i in items:
        wanted.setdefault(i.case_number, []).append(i)
    if not wanted:
        return {}
    out: dict[tuple[str, str, str], Detail] = {}
    for row in penalties_by_number(session, sorted(wanted)).values():
        record = from_record(row)
        found = {(f.action, f.rule): f for f in scanner.scan_one(record).follow_ups()}
        for i in wanted[record.case_number]:
            out[(i.case_number, i.action, i.rule)] = Detail(record.party, found.get((i.action, i.rule)))
    return out


__all__ = ["AuthorityCount", "Detail", "FollowUpList", "Item", "clear", "follow_up_list", "page_details",
           "register_state", "scanner_for"]
