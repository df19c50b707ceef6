"""Revocation that revokes: a session version per user (a cookie of an older version signs no one
in; bumped on sign-out, password change, role change and deactivation) and an expiry per API token
(90 days by default; tokens issued before this revision keep none and stay valid until revoked).

Alembic revision 0006 (after 0005), written 2026-12-04.
"""
import sqlalchemy as sa

from engine.store.migrations.columns import moment
from engine.store.migrations.tables import add_columns, drop_columns

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    add_columns("users", sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))
    add_columns("api_tokens", sa.Column("expires_at", moment(), nullable=True))


def downgrade() -> None:
    drop_columns("api_tokens", "expires_at")
    drop_columns("users", "session_version")
