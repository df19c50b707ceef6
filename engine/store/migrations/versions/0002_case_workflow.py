"""Who created each case (nobody reviews the legality of their own proposal) and its workflow state
(stages re-opened by an Art. 37 adjustment, suspended or stopped).

Alembic revision 0002 (after 0001), written 2026-11-25.
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("created_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("workflow", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("workflow")
        batch.drop_column("created_by")
