"""What a user may do next on a case: the stages open to their roles, and what closes each (no Flask).

Built from what the engine already knows: the workflow's next stages, the findings that close each
stage's gate (engine/decisions/gates.gate_blockers) and the roles that record each stage
(engine/accounts/access.RECORDERS). A stage no role of the user records is not offered, so the
page never shows a form that ends in a refusal.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from engine.accounts.access import recorder_roles
from engine.decisions.gates import gate_blockers


@dataclass(frozen=True)
class Blocker:
    rule: str
    article: str
    stage: str          # the stage whose evidence form records what is missing
    due_on: Any = None


@dataclass(frozen=True)
class NextStep:
    stage: str
    blockers: list[Blocker] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.blockers


def blocker_of(finding: Any, fallback_stage: str) -> Blocker:
    """One finding that closes a gate, as the box shows it."""
    return Blocker(rule=finding.rule, article=str(getattr(finding, "citation", "") or ""),
                   stage=getattr(finding, "stage", None) or fallback_stage,
                   due_on=getattr(finding, "due_on", None))


def next_steps(workflow: Any, stages: Iterable[str], findings: Iterable[Any], roles: set[str]) -> list[NextStep]:
    """The next stages `roles` may record, each with the blockers that close its gate."""
    found = list(findings)
    return [NextStep(stage, [blocker_of(f, stage) for f in gate_blockers(workflow, stage, found)])
            for stage in stages if roles & set(recorder_roles(stage))]
