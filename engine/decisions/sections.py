"""Which part of the case file each stage's evidence is, and how a stage's evidence is merged in."""
from __future__ import annotations

import copy
from typing import Any

from engine.core.errors import UnknownStageError

# stage id → the path of its section in the case file (CASE_FORMAT §1)
SECTION_OF = {
    "initiation": ("initiation",),
    "public_participation": ("public_participation",),
    "hearing": ("public_participation", "hearing"),
    "expert_review": ("expert_review",),
    "risk_assessment": ("risk_assessment",),
    "fair_competition_review": ("fair_competition_review",),
    "legality_review": ("legality_review",),
    "collective_decision": ("collective_decision",),
    "party_report": ("party_report",),
    "publication": ("publication",),
    "archiving": ("archive",),
    "execution": ("execution",),
    "post_evaluation": ("post_evaluation",),
    "adjustment": ("adjustments",),
}


def section_path(stage: str) -> tuple[str, ...]:
    """The case-file path of a stage's section."""
    if stage not in SECTION_OF:
        raise UnknownStageError(stage, SECTION_OF)
    return SECTION_OF[stage]


def get_section(document: dict, stage: str) -> Any:
    """The stage's section of a case document (None when not recorded)."""
    node: Any = document
    for key in section_path(stage):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def with_section(document: dict, stage: str, section: Any) -> dict:
    """A copy of the document with the stage's section replaced (the hearing inside participation)."""
    out = copy.deepcopy(document)
    node = out
    path = section_path(stage)
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = copy.deepcopy(section)
    return out


def with_date(document: dict, path: str, day: str) -> dict:
    """A copy of the document with a dated field set (`collective_decision.held_on`)."""
    out = copy.deepcopy(document)
    node = out
    keys = path.split(".")
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = day
    return out


def get_path(document: dict, path: str) -> Any:
    """The value at a dotted path of a document, None when absent."""
    node: Any = document
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node
