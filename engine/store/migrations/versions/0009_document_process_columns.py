"""The normative-document register's optional drafting-process columns (CASE_FORMAT §3, extended):
the collective deliberation, the public-comment period, whether the document touches market
entities, and the fair-competition review. All nullable: null is "not recorded", which every
document stored before this revision is, so its findings stay as they were. The downgrade drops
them (and what they held).

Alembic revision 0009 (after 0008), written 2026-12-04.
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"

COLUMNS = (
    ("deliberated_on", sa.Date()),
    ("comment_opened_on", sa.Date()),
    ("comment_closes_on", sa.Date()),
    ("market_related", sa.Boolean()),
    ("fair_competition_reviewed_on", sa.Date()),
)


def upgrade() -> None:
    with op.batch_alter_table("normative_documents") as table:
        for name, kind in COLUMNS:
            table.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("normative_documents") as table:
        for name, _ in reversed(COLUMNS):
            table.drop_column(name)
