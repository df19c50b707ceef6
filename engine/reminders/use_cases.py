"""The calendar feeds: a user opens one (a secret address, shown once), revokes it, and a calendar
program reads the user's due dates through it. Only the address's SHA-256 is stored (like API
tokens); opening a new feed revokes the old one."""
from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from engine.accounts.use_cases import Account, account, require_owner_or_admin, token_digest
from engine.core import clock
from engine.reminders.models import CalendarFeed
from engine.reminders.queries import feed_by_digest, live_feed_of

FEED_PREFIX = "yifa_cal_"
WHAT = ("日历订阅", "calendar feed")


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
