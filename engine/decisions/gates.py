"""Whether a case may enter a stage: the stage's own gate, and no active blocker before it.

    entry_document(workflow, document, stage, on)   the case file as if the stage were entered that day
    gate_blockers(workflow, stage, findings)        the findings that refuse entry ([] = the gate is open)
    entered_stages(workflow, before, after)         the stages a new version of the case file enters, each
                                                    with the day its act is dated

A stage is entered by `advance` or by recording evidence that dates its act (a `reached_by` date of
rules/workflow.yaml): either way the Decree's preconditions are judged as if the stage were entered
that day (e.g. Art. 25(2): 未经合法性审查或者经审查不合法的，不得提交决策机关讨论). Entry is refused
while a gate rule of the stage is violated (or, CASE_FORMAT §2 v2, missing) at severity blocker or
error, and while a `blocker` finding ("the procedure may not go on") of a stage before it is active.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable

import networkx as nx

from engine.core.calendar import as_date
from engine.decisions.sections import get_path, with_date

GATE_SEVERITIES = ("blocker", "error")
ACTIVE = ("violated", "missing")


def entry_document(workflow: Any, document: dict, stage: str, on: date) -> dict:
    """The document with the stage's entry date set to `on` where none is recorded."""
    field_path = workflow.entered_on(stage)
    if field_path is None or get_path(document, field_path) is not None:
        return document
    return with_date(document, field_path, on.isoformat())


def gate_blockers(workflow: Any, stage: str, findings: Iterable[Any]) -> list[Any]:
    """The findings that close the way into `stage`: its own gate rules, and blockers of earlier stages."""
    earlier = nx.ancestors(workflow.forward, stage)
    own = set(workflow.gates(stage))
    earlier_gates = {rule for s in earlier for rule in workflow.gates(s)}
    out = []
    for f in findings:
        if f.verdict not in ACTIVE or f.severity not in GATE_SEVERITIES:
            continue
        if f.rule in own or (f.severity == "blocker" and (f.stage in earlier or f.rule in earlier_gates)):
            out.append(f)
    return out


def entered_stages(workflow: Any, before: dict, after: dict) -> list[tuple[str, date | None]]:
    """The stages whose act `after` dates and `before` does not, with the earliest such day (None: undated)."""
    out = []
    for stage, spec in workflow.stages.items():
        if _reached(before, spec.reached_by):
            continue
        days = [d for p in spec.reached_by if (d := as_date(get_path(after, p))) is not None]
        if days or _reached(after, spec.reached_by):
            out.append((stage, min(days) if days else None))
    return out


def _reached(document: dict, paths: list[str]) -> bool:
    return any(get_path(document, p) not in (None, [], "") for p in paths)


def blocker_json(finding: Any) -> dict:
    """A refusing finding as the trail, the CLI and the API show it: rule, severity, article, message."""
    return {**finding.to_json(), "stage": finding.stage}


def entry_refusals(document: dict, stages: Iterable[str], on: date, workflow: Any, current: Iterable[Any],
                   engine: str = "native") -> dict[str, list[dict]]:
    """For each stage, the findings that would refuse entering it on `on` ([]: open).

    `current` are the case's findings as of `on`: a stage without gate rules of its own is refused
    only by the blockers of earlier stages, which they already show; a gated stage is checked as if
    entered that day.
    """
    from engine.core.check import checker_for
    from engine.core.yamlio import LoadedYaml
    from engine.decisions.record import parse_case
    current = list(current)
    out = {}
    for stage in stages:
        findings = current
        if workflow.gates(stage):
            case = parse_case(LoadedYaml(entry_document(workflow, document, stage, on)), str(document.get("id", "")))
            findings = checker_for(case.jurisdiction).check(case, on, engine).findings
        out[stage] = [blocker_json(f) for f in gate_blockers(workflow, stage, findings)]
    return out
