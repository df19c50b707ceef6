"""Indexes of the normative-document register's list (issue 5): the list sorts on issued_on and
filters on issuer and status; without them a deep page sorted the whole table (≈ 1 s at 100,000 rows).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-20
"""
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COLUMNS = ("issued_on", "issuer", "status")


def upgrade() -> None:
    for column in COLUMNS:
        op.create_index(f"ix_normative_documents_{column}", "normative_documents", [column])


def downgrade() -> None:
    for column in reversed(COLUMNS):
        op.drop_index(f"ix_normative_documents_{column}", table_name="normative_documents")
