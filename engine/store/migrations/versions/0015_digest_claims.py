"""The daily digests' claims (`digest_claims`: a user, a day, when it was claimed and when sent), so
that a user gets one digest a day however many job workers and cron entries run `reminders send`
(engine/reminders/use_cases.py).

Alembic revision 0015 (after 0014), written 2026-12-06.
"""
import sqlalchemy as sa

from engine.store.migrations.columns import moment
from engine.store.migrations.tables import create_table, drop_table

revision = "0015"
down_revision = "0014"


def upgrade() -> None:
    create_table(
        "digest_claims",
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("claimed_at", moment(), nullable=False),
        sa.Column("sent_at", moment(), nullable=True),
        sa.ForeignKeyConstraint(["username"], ["users.username"], ondelete="CASCADE",
                                name="fk_digest_claims_username_users"),
        sa.PrimaryKeyConstraint("username", "day", name="pk_digest_claims"),
    )


def downgrade() -> None:
    drop_table("digest_claims")
