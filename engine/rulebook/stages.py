"""The stages of the procedure, in order, from rules/workflow.yaml (names and the acts that mark them)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from engine.core.yamlio import load_document


@dataclass(frozen=True)
class Stage:
    id: str
    zh: str
    en: str
    reached_by: tuple[str, ...]


@lru_cache(maxsize=4)
def load_stages(root: str = "") -> tuple[Stage, ...]:
    """Read the stage list of the workflow file."""
    from engine.rulebook.loader import rules_dir
    path = Path(root) if root else rules_dir()
    data = load_document(path / "workflow.yaml").data
    return tuple(Stage(s["id"], s["name"]["zh"], s["name"]["en"], tuple(s["reached_by"]))
                 for s in data["stages"])


def stage_ids() -> list[str]:
    """The stage ids, in procedural order."""
    return [s.id for s in load_stages()]


def current_stage(facts: dict) -> str | None:
    """The latest stage (in order) with a dated act on or before as_of (CASE_FORMAT §2)."""
    latest = None
    for stage in load_stages():
        if any(_reached(facts, path) for path in stage.reached_by):
            latest = stage.id
    return latest


def _reached(facts: dict, path: str) -> bool:
    return path in facts or facts.get(path + ".count", 0) > 0
