"""What the reminders read: the registers of one day (`read_register`, once for every user), the
people to remind, and the calendar feeds."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.accounts.queries import role_names
from engine.credit.queries import iter_penalties
from engine.credit.scan import CreditScanner
from engine.decisions.queries import case_summaries
from engine.documents.queries import iter_documents
from engine.documents.scan import DocumentScanner
from engine.reminders.models import CalendarFeed, DigestClaim
from engine.reminders.todo import Register


def read_register(session: Session, today: date, credit_jurisdiction: str = "CN",
                  document_jurisdiction: str = "CN") -> Register:
    """Every case with its deadlines on `today`, every open follow-up of the penalty register and the
    number of normative documents needing action (each judged by its jurisdiction's rulebook)."""
    cases = tuple(case_summaries(session, as_of=today))
    credit = CreditScanner(today, credit_jurisdiction)
    follow_ups = tuple(f for scan in credit.scan(iter_penalties(session)) for f in scan.follow_ups())
    documents = DocumentScanner(today, document_jurisdiction)
    needing = sum(1 for scan in documents.scan(iter_documents(session)) if scan.needs_action)
    return Register(today, cases, follow_ups, needing)


def registers_by_scope(session: Session, today: date, credit_jurisdiction: str = "CN",
                       document_jurisdiction: str = "CN") -> Callable[[str], Register]:
    """username → the register of the units that user's roles cover (engine/units/scope.py), read
    once for each distinct set of units: the users of one township share one read."""
    from engine.units.scope import scope_of, within
    read: dict[Any, Register] = {}

    def of(username: str) -> Register:
        scope = scope_of(session, username)
        if scope not in read:
            with within(session, scope):
                read[scope] = read_register(session, today, credit_jurisdiction, document_jurisdiction)
        return read[scope]
    return of


def people_to_remind(session: Session) -> list[tuple[User, set[str]]]:
    """Every active user with an e-mail address, with their roles."""
    users = session.scalars(select(User).where(User.active.is_(True), User.email.is_not(None))
                            .order_by(User.username))
    return [(u, role_names(session, u.username)) for u in users if u.email]


def feed_by_digest(session: Session, digest: str) -> CalendarFeed | None:
    return session.scalars(select(CalendarFeed).where(CalendarFeed.token_hash == digest)).first()


def live_feed_of(session: Session, username: str) -> CalendarFeed | None:
    """The user's calendar feed that has not been revoked, if any."""
    return session.scalars(select(CalendarFeed).where(CalendarFeed.username == username,
                                                      CalendarFeed.revoked_at.is_(None))).first()


def digest_claims_on(session: Session, day: date) -> dict[str, DigestClaim]:
    """The day's digest claims, by username."""
    return {c.username: c for c in session.scalars(select(DigestClaim).where(DigestClaim.day == day))}


def digest_claim_locked(session: Session, username: str, day: date) -> DigestClaim | None:
    """A user's claim of the day read afresh and, on PostgreSQL, locked until the transaction ends
    (two senders taking over one abandoned claim: the second reads what the first left)."""
    return session.get(DigestClaim, (username, day), with_for_update=True, populate_existing=True)
