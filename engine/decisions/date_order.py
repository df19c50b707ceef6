"""Dates across the sections of a case file (CASE_FORMAT §1) in an order that cannot have happened.

Only an order that is impossible is refused as input, with the later field named. An order that
is possible but unlawful stays a record, so that the rules report it: a decision taken before the
legality review was submitted (Art. 25(2), MAD-LEG-01), a hearing announced on the day it is held
(Art. 16(2), MAD-HEAR-02), an expert review or risk assessment after the submission (Art. 26(1)),
publication before the Party report (Art. 31). Those are findings, never refusals here.

Within a section the pairs are field validators of the section (engine/decisions/record.py).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.decisions.record import Case

PROPOSED = ("initiation", "proposed_on")
DECIDED = ("collective_decision", "held_on")

# Acts on the draft of this decision: a draft reviewed, decided on, reported or published before
# the matter was even proposed (Art. 10: the proposal opens the procedure) is not this decision's.
# Participation, expert review and risk assessment are left out on purpose: studies and an
# earlier assessment that covers the matter (Art. 22(2)) may predate the proposal.
_AFTER_PROPOSAL = (
    ("legality_review", "submitted_on"),
    ("legality_review", "opinion_on"),
    ("collective_decision", "held_on"),
    ("party_report", "reported_on"),
    ("publication", "published_on"),
)

# Acts on the decision once made: its post-evaluation (Art. 36) and its suspension, change or
# stop (Art. 37) need a decision to evaluate or adjust. Execution reports are left out: works
# begun before the decision are unlawful, not impossible.
_AFTER_DECISION = (("post_evaluation", "completed_on"),)

_WHY = {
    PROPOSED: ("不得早于决策事项提出建议的日期", "cannot be before the matter was proposed"),
    DECIDED: ("不得早于作出决策的日期", "cannot be before the decision was made"),
}


def _date_at(case: Case, path: tuple[str, str]) -> date | None:
    section = getattr(case, path[0])
    return None if section is None else getattr(section, path[1])


def _error(loc: tuple[Any, ...], value: date, anchor: tuple[str, str], first: date) -> dict[str, Any]:
    """A pydantic-shaped error, so that problems_from_errors gives it its field and line."""
    zh, en = _WHY[anchor]
    earlier = ".".join(anchor)
    return {"type": "yifa_date_order", "loc": loc, "input": value.isoformat(),
            "msg": f"{zh}（{earlier}：{first.isoformat()}）/ {en} ({earlier}: {first.isoformat()})"}


def _later_dates(case: Case, anchor: tuple[str, str]) -> list[tuple[tuple[Any, ...], date]]:
    paths = _AFTER_PROPOSAL if anchor == PROPOSED else _AFTER_DECISION
    found: list[tuple[tuple[Any, ...], date]] = [
        (path, day) for path in paths if (day := _date_at(case, path)) is not None]
    if anchor == DECIDED:
        found += [(("adjustments", i, "decided_on"), a.decided_on)
                  for i, a in enumerate(case.adjustments or ()) if a.decided_on is not None]
    return found


def impossible_orders(case: Case) -> list[dict[str, Any]]:
    """Give one error (pydantic's shape) for each date before the act it must follow."""
    errors = []
    for anchor in (PROPOSED, DECIDED):
        first = _date_at(case, anchor)
        if first is None:
            continue
        errors += [_error(loc, day, anchor, first)
                   for loc, day in _later_dates(case, anchor) if loc != anchor and day < first]
    return errors
