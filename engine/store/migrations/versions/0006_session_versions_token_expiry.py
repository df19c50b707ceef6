"""Revocation that revokes: a session version per user (a cookie of an older version signs no one
in; bumped on sign-out, password change, role change and deactivation) and an expiry per API token
(90 days by default; tokens issued before this revision keep none and stay valid until revoked).

Alembic revision 0006 (after 0005), written 2026-12-04.
"""
import sqlalchemy as sa
from alembic import op

from engine.store.migrations.columns import moment

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("expires_at", moment(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_version")
