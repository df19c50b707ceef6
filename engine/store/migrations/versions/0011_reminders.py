"""Reminders: a user's e-mail address for the daily digest (`users.email`, empty for every stored
user) and the calendar feeds (`calendar_feeds`: a per-user secret address, its SHA-256 only).

Alembic revision 0011 (after 0010), written 2026-12-05.
"""
import sqlalchemy as sa

from engine.store.migrations.tables import (
    add_columns,
    create_user_secret_table,
    drop_columns,
    drop_table,
)

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    add_columns("users", sa.Column("email", sa.String(254), nullable=True))
    create_user_secret_table("calendar_feeds")


def downgrade() -> None:
    drop_table("calendar_feeds", {"ix_calendar_feeds_username": ["username"]})
    drop_columns("users", "email")
