"""The penalty register's optional `sector` (行业领域, CASE_FORMAT v2 §4): the field of the penalty,
for the credit regimes whose publication periods differ by sector. Empty for every stored row.

Alembic revision 0010 (after 0009), written 2026-12-04.
"""
import sqlalchemy as sa

from engine.store.migrations.tables import add_columns, drop_columns

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    add_columns("penalty_records", sa.Column("sector", sa.String(100), nullable=True))


def downgrade() -> None:
    drop_columns("penalty_records", "sector")
