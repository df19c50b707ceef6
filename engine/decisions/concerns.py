"""Which stored cases concern a role: what each role's home page lists and what it is reminded of.

    role                stages                      whose cases
    official            every stage                 the ones they proposed
    legality_reviewer   up to the legality review   the ones they did not propose (nobody reviews their own)
    secretary           around the decision, and    anyone's
                        every blocked case
    legal_advisor, auditor, admin: every case

The stages are the workflow's (engine/decisions/workflow.py); the roles are those of
engine/accounts/access.RECORDERS.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BEFORE_DECISION = ("initiation", "public_participation", "hearing", "expert_review", "risk_assessment",
                   "fair_competition_review", "legality_review")
AROUND_DECISION = ("legality_review", "collective_decision", "party_report", "publication")


@dataclass(frozen=True)
class Concern:
    stages: tuple[str, ...] | None      # None: every stage
    blocked_too: bool                   # a blocked case concerns the role whatever its stage
    whose: str                          # "own" (proposed by the user), "others" (not), "any"

    def stage_matches(self, case: Any) -> bool:
        return self.stages is None or case.stage in self.stages or (self.blocked_too and bool(case.blocked))

    def person_matches(self, case: Any, username: str) -> bool:
        if self.whose == "own":
            return bool(case.created_by == username)
        return self.whose == "any" or case.created_by != username


CONCERNS = {
    "official": Concern(None, False, "own"),
    "legality_reviewer": Concern(BEFORE_DECISION, False, "others"),
    "secretary": Concern(AROUND_DECISION, True, "any"),
    "legal_advisor": Concern(None, False, "any"),
    "auditor": Concern(None, False, "any"),
    "admin": Concern(None, False, "any"),
}


def concerns(role: str, case: Any, username: str) -> bool:
    """Whether a case (a CaseSummary) is part of `role`'s work for `username`."""
    concern = CONCERNS.get(role)
    return concern is not None and concern.stage_matches(case) and concern.person_matches(case, username)
