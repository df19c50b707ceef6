"""The normative-document register (CASE_FORMAT §3): table `normative_documents`.

Alembic revision 0003 (after 0002), written 2026-12-01.
"""
import sqlalchemy as sa
from alembic import op

from engine.store.migrations.columns import moment, one_of

revision = "0003"
down_revision = "0002"

KINDS = ("regular", "provisional", "trial")
STATUSES = ("in_force", "amended", "repealed", "expired")


def upgrade() -> None:
    op.create_table(
        "normative_documents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(200), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("issuer", sa.Text(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("legality_reviewed_on", sa.Date(), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("filed_on", sa.Date(), nullable=True),
        sa.Column("basis", sa.JSON(), nullable=False),
        sa.Column("sets", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("last_reviewed_on", sa.Date(), nullable=True),
        sa.Column("row_sha256", sa.String(64), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("created_at", moment(), nullable=False),
        sa.Column("updated_at", moment(), nullable=False),
        sa.CheckConstraint(one_of("kind", KINDS), name="ck_normative_documents_kind"),
        sa.CheckConstraint(one_of("status", STATUSES), name="ck_normative_documents_status"),
        sa.PrimaryKeyConstraint("id", name="pk_normative_documents"),
        sa.UniqueConstraint("number", name="uq_normative_documents_number"),
    )


def downgrade() -> None:
    op.drop_table("normative_documents")
