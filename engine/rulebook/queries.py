"""Reads of the stored rulebook: its kept versions and its own trail chain (CASE_FORMAT §7)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.store.models import RULEBOOK_CHAIN, RulebookVersion, TrailEvent


def stored_version(session: Session, version: str) -> RulebookVersion | None:
    """The kept rulebook version (its files' text), or None."""
    return session.get(RulebookVersion, version)


def rulebook_events(session: Session, limit: int) -> list[TrailEvent]:
    """The rulebook chain's events, newest first, at most `limit`."""
    return list(session.scalars(select(TrailEvent).where(TrailEvent.case_id == RULEBOOK_CHAIN)
                                .order_by(TrailEvent.seq.desc()).limit(limit)))
