"""The login rate limit in the database (`login_failures`), so that every app server on it counts
the same failed sign-ins (it was kept in each worker's memory).

Alembic revision 0012 (after 0011), written 2026-12-05.
"""
import sqlalchemy as sa

from engine.store.migrations.tables import create_numbered_table, drop_table

revision = "0012"
down_revision = "0011"

INDEXES = {
    "ix_login_failures_key_hash": ["key_hash"],
    "ix_login_failures_at": ["at"],
}


def upgrade() -> None:
    create_numbered_table("login_failures", [sa.Column("key_hash", sa.String(64), nullable=False),
                                             sa.Column("at", sa.Float(), nullable=False)], indexes=INDEXES)


def downgrade() -> None:
    drop_table("login_failures", INDEXES)
