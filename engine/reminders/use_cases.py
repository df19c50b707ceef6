"""The calendar feeds: a user opens one (a secret address, shown once), revokes it, and a calendar
program reads the user's due dates through it. Only the address's SHA-256 is stored (like API
tokens); opening a new feed revokes the old one.

The daily digests: each is claimed (a committed row of the user and the day) before it is sent, so
that a user gets one a day although the job worker's periodic task, a cron entry and a second
worker may all run `reminders send`; the claim of a digest that was not sent is let go, and one
whose sender was stopped before sending is taken over by the next run after ABANDONED.
"""
from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from email.message import EmailMessage

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.accounts.use_cases import Account, account, require_owner_or_admin, token_digest
from engine.core import clock
from engine.reminders.digest import DigestOutcome, MailSettings, send
from engine.reminders.models import CalendarFeed, DigestClaim
from engine.reminders.queries import (
    digest_claim_locked,
    digest_claims_on,
    feed_by_digest,
    live_feed_of,
)
from engine.store.uow import UnitOfWork

FEED_PREFIX = "yifa_cal_"
WHAT = ("日历订阅", "calendar feed")
ABANDONED = timedelta(hours=1)      # a digest claimed and not sent for this long: its sender was stopped


def open_feed(session: Session, username: str, actor: str) -> str:
    """Open a calendar feed for the user (revoking the one they had); its secret is returned now and
    never again."""
    require_owner_or_admin(session, actor, username, WHAT)
    revoke_feed(session, username, actor)
    secret = FEED_PREFIX + secrets.token_urlsafe(32)
    session.add(CalendarFeed(username=username, token_hash=token_digest(secret), created_at=clock.now()))
    session.flush()
    return secret


def revoke_feed(session: Session, username: str, actor: str) -> bool:
    """Revoke the user's feed; its address answers no more. False when there was none."""
    require_owner_or_admin(session, actor, username, WHAT)
    feed = live_feed_of(session, username)
    if feed is None:
        return False
    feed.revoked_at = clock.now()
    session.flush()
    return True


def feed_owner(session: Session, secret: str) -> Account | None:
    """The active account whose live feed this secret opens, or None."""
    if not secret.startswith(FEED_PREFIX):
        return None
    feed = feed_by_digest(session, token_digest(secret))
    if feed is None or feed.revoked_at is not None:
        return None
    return account(session, feed.username)


def claim_digests(session: Session, day: date, usernames: list[str]) -> tuple[list[str], list[str]]:
    """Claim the day's digest of each user: (claimed now, claimed by another sender). A claim sent,
    or unsent but younger than ABANDONED, is another's; an older unsent one (its sender was stopped
    between claiming and sending) is taken over. Two senders claiming at once: the database's key
    on user and day, and the lock on a claim taken over, let one of them have it."""
    now = clock.now()
    held = digest_claims_on(session, day)
    claimed: list[str] = []
    others: list[str] = []
    for username in usernames:
        seen = held.get(username)
        if seen is None:
            mine = _claim_new(session, username, day, now)
        else:                               # only an abandoned claim is read again, locked
            mine = _abandoned(seen, now) and _take_over(session, username, day, now)
        (claimed if mine else others).append(username)
    return claimed, others


def digests_taken(session: Session, day: date, usernames: list[str]) -> list[str]:
    """Those of these users whose digest of the day another run has sent, or is sending: what a run
    now would skip without `again` (a dry run's preview; nothing is claimed)."""
    now = clock.now()
    held = digest_claims_on(session, day)
    return [u for u in usernames if u in held and not _abandoned(held[u], now)]


def _abandoned(claim: DigestClaim, now: datetime) -> bool:
    """Whether a claim was left unsent longer than ABANDONED (its sender was stopped)."""
    return claim.sent_at is None and now - claim.claimed_at >= ABANDONED


def _claim_new(session: Session, username: str, day: date, now: datetime) -> bool:
    try:
        with session.begin_nested():
            session.add(DigestClaim(username=username, day=day, claimed_at=now))
    except IntegrityError:                  # another sender claimed it meanwhile
        return False
    return True


def _take_over(session: Session, username: str, day: date, now: datetime) -> bool:
    claim = digest_claim_locked(session, username, day)
    if claim is None:                       # let go meanwhile: claim it anew
        return _claim_new(session, username, day, now)
    if not _abandoned(claim, now):          # another sender took it over, or sent it, meanwhile
        return False
    claim.claimed_at = now
    session.flush()
    return True


def mark_digests_sent(session: Session, day: date, usernames: list[str]) -> None:
    """Record that the server took these users' digests of the day."""
    now = clock.now()
    for username in usernames:
        claim = session.get(DigestClaim, (username, day))
        if claim is None:
            session.add(DigestClaim(username=username, day=day, claimed_at=now, sent_at=now))
        else:
            claim.sent_at = now
    session.flush()


def release_digests(session: Session, day: date, usernames: list[str]) -> None:
    """Let go of the day's claims of these users (their digest was not sent): a later run sends it."""
    for username in usernames:
        claim = session.get(DigestClaim, (username, day))
        if claim is not None and claim.sent_at is None:
            session.delete(claim)
    session.flush()


def send_digests(engine: Engine, day: date, mails: list[tuple[str, EmailMessage | None]],
                 settings: MailSettings, again: bool = False) -> DigestOutcome:
    """Send each user's digest of the day once: claim them, send the claimed (and, `again`, those
    claimed before), record who was sent, and let go of the new claims that were not (refused, or
    the server failed)."""
    wanted = [u for u, m in mails if m is not None]
    with UnitOfWork(engine) as uow:
        claimed, others = claim_digests(uow.session, day, wanted)
        uow.commit()
    skipped = set() if again else set(others)
    outcome = DigestOutcome(already_sent=sorted(skipped))
    try:
        send([(u, m) for u, m in mails if u not in skipped], settings, outcome)
    finally:
        with UnitOfWork(engine) as uow:
            mark_digests_sent(uow.session, day, outcome.sent)
            release_digests(uow.session, day, [u for u in claimed if u not in outcome.sent])
            uow.commit()
    return outcome
