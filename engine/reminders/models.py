"""The reminders' tables: each user's calendar feed (a secret address, of which only the SHA-256 is kept)
and the digests' claims (one a user a day)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.models import Base, utcnow


class CalendarFeed(Base):
    """A user's iCalendar feed of their due dates; revoked, its address answers no more."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(ForeignKey("users.username", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class DigestClaim(Base):
    """A user's daily digest of a day, claimed by the sender that sends it: one a user a day, however
    many job workers and cron entries run `reminders send`. `sent_at` stays empty until the server took
    it; a claim left unsent longer than ABANDONED (its sender was stopped) may be taken over."""

    __tablename__ = "digest_claims"

    username: Mapped[str] = mapped_column(ForeignKey("users.username", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
