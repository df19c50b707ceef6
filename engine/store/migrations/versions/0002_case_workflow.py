"""Who created each case (nobody reviews the legality of their own proposal) and its workflow state
(stages re-opened by an Art. 37 adjustment, suspended or stopped).

Alembic revision 0002 (after 0001), written 2026-11-25.
"""
import sqlalchemy as sa

from engine.store.migrations.tables import add_columns, drop_columns

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    add_columns("cases",
                sa.Column("created_by", sa.String(64), nullable=True),
                sa.Column("workflow", sa.JSON(), nullable=True))


def downgrade() -> None:
    drop_columns("cases", "workflow", "created_by")
