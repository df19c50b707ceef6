"""The normative-document register's optional drafting-process columns (CASE_FORMAT §3, extended):
the collective deliberation, the public-comment period, whether the document touches market
entities, and the fair-competition review. All nullable: null is "not recorded", which every
document stored before this revision is, so its findings stay as they were. The downgrade drops
them (and what they held).

Alembic revision 0009 (after 0008), written 2026-12-04.
"""
import sqlalchemy as sa

from engine.store.migrations.tables import add_columns, drop_columns

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
    add_columns("normative_documents", *(sa.Column(name, kind, nullable=True) for name, kind in COLUMNS))


def downgrade() -> None:
    drop_columns("normative_documents", *(name for name, _ in reversed(COLUMNS)))
