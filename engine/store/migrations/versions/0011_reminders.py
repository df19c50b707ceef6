"""Reminders: a user's e-mail address for the daily digest (`users.email`, empty for every stored
user) and the calendar feeds (`calendar_feeds`: a per-user secret address, its SHA-256 only).

Alembic revision 0011 (after 0010), written 2026-12-05.
"""
import sqlalchemy as sa
from alembic import op

from engine.store.migrations.columns import moment

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email", sa.String(254), nullable=True))
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", moment(), nullable=False),
        sa.Column("revoked_at", moment(), nullable=True),
        sa.ForeignKeyConstraint(["username"], ["users.username"], ondelete="CASCADE",
                                name="fk_calendar_feeds_username_users"),
        sa.PrimaryKeyConstraint("id", name="pk_calendar_feeds"),
        sa.UniqueConstraint("token_hash", name="uq_calendar_feeds_token_hash"),
    )
    op.create_index("ix_calendar_feeds_username", "calendar_feeds", ["username"])


def downgrade() -> None:
    op.drop_index("ix_calendar_feeds_username", table_name="calendar_feeds")
    op.drop_table("calendar_feeds")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email")
