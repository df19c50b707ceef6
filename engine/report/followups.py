"""The credit follow-ups the report counts, worked out by the credit scan (engine/credit/scan.py):
those done in the year, each against the due date the scan gave it the day it was done (in time or
late), and those still open on the report's day (the 整改清单)."""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

# a follow-up action → the record column whose date says it was done
DONE_BY = {"withdraw_publication": "withdrawn_on", "take_down": "withdrawn_on",
           "process_application": "repair_decided_on"}
CREDIT_JURISDICTION = "CN"


@dataclass(frozen=True)
class Done:
    """A follow-up done: the record, the action, the day done, the day it was due (None: no due date)."""
    case_number: str
    action: str
    done_on: date
    due_on: date | None

    @property
    def late(self) -> bool:
        return self.due_on is not None and self.done_on > self.due_on


def _scanner(as_of: date) -> Any:
    from engine.credit.scan import CreditScanner
    return CreditScanner(as_of, CREDIT_JURISDICTION)


def done_in_year(penalties: Iterable[Any], year: int) -> list[Done]:
    """Each follow-up done in the year: the record as it stood before (the done date cleared), scanned on
    the day it was done, gives the due date it was done against."""
    out: list[Done] = []
    for record in penalties:
        for column in sorted(set(DONE_BY.values())):
            done_on = getattr(record, column)
            if done_on is None or done_on.year != year:
                continue
            before = dataclasses.replace(record, **{column: None})
            if column == "repair_decided_on":
                before = dataclasses.replace(before, repair_result=None)
            for follow_up in _scanner(done_on).scan_one(before).follow_ups():
                if DONE_BY.get(follow_up.action) == column:
                    out.append(Done(record.case_number, follow_up.action, done_on, follow_up.due_on))
                    break
    return out


def open_on(penalties: Iterable[Any], as_of: date) -> list[Any]:
    """Every follow-up still open on the report's day (FollowUp of engine/credit/scan.py)."""
    scanner = _scanner(as_of)
    return [f for record in penalties for f in scanner.scan_one(record).follow_ups()]


def rulebook_version(jurisdiction: str = CREDIT_JURISDICTION) -> str:
    """The digest of the rulebook the figures were judged under."""
    from engine.rulebook.loader import rulebook_digest, rules_dir
    return rulebook_digest(jurisdiction, rules_dir())
