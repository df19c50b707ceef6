"""The normative-document register (CASE_FORMAT §3): table `normative_documents`.

Alembic revision 0003 (after 0002), written 2026-12-01.
"""
import sqlalchemy as sa
from alembic import op

from engine.store.migrations.columns import one_of, optional_days
from engine.store.migrations.tables import create_register_table

revision = "0003"
down_revision = "0002"

KINDS = ("regular", "provisional", "trial")
STATUSES = ("in_force", "amended", "repealed", "expired")


def upgrade() -> None:
    create_register_table(
        "normative_documents",
        sa.Column("number", sa.String(200), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("issuer", sa.Text(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        *optional_days("expires_on"),
        sa.Column("kind", sa.String(16), nullable=False),
        *optional_days("legality_reviewed_on", "published_on", "filed_on"),
        sa.Column("basis", sa.JSON(), nullable=False),
        sa.Column("sets", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        *optional_days("last_reviewed_on"),
        checks=[sa.CheckConstraint(one_of("kind", KINDS), name="ck_normative_documents_kind"),
                sa.CheckConstraint(one_of("status", STATUSES), name="ck_normative_documents_status")],
        unique=sa.UniqueConstraint("number", name="uq_normative_documents_number"),
    )


def downgrade() -> None:
    op.drop_table("normative_documents")
