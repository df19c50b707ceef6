"""The administrative-penalty register (CASE_FORMAT §4): table `penalty_records`.

Alembic revision 0004 (after 0003), written 2026-12-15.
"""
import sqlalchemy as sa
from alembic import op

from engine.store.migrations.columns import moment, one_of

revision = "0004"
down_revision = "0003"

CATEGORIES = ("minor", "general", "severe", "specified_severe")
REPAIR_RESULTS = ("granted", "refused")


def upgrade() -> None:
    op.create_table(
        "penalty_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_number", sa.String(200), nullable=False),
        sa.Column("party", sa.String(200), nullable=False),
        sa.Column("credit_code", sa.String(18), nullable=False),
        sa.Column("authority", sa.String(200), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("category", sa.String(24), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("fulfilled_on", sa.Date(), nullable=True),
        sa.Column("commitment_on", sa.Date(), nullable=True),
        sa.Column("training_on", sa.Date(), nullable=True),
        sa.Column("credit_report_on", sa.Date(), nullable=True),
        sa.Column("repair_applied_on", sa.Date(), nullable=True),
        sa.Column("repair_decided_on", sa.Date(), nullable=True),
        sa.Column("repair_result", sa.String(16), nullable=True),
        sa.Column("revoked_on", sa.Date(), nullable=True),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.Column("row_sha256", sa.String(64), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("created_at", moment(), nullable=False),
        sa.Column("updated_at", moment(), nullable=False),
        sa.CheckConstraint(one_of("category", CATEGORIES), name="ck_penalty_records_category"),
        sa.CheckConstraint("repair_result IS NULL OR " + one_of("repair_result", REPAIR_RESULTS),
                           name="ck_penalty_records_repair_result"),
        sa.PrimaryKeyConstraint("id", name="pk_penalty_records"),
        sa.UniqueConstraint("case_number", name="uq_penalty_records_case_number"),
    )
    op.create_index("ix_penalty_records_authority", "penalty_records", ["authority"])
    op.create_index("ix_penalty_records_decided_on", "penalty_records", ["decided_on"])


def downgrade() -> None:
    op.drop_index("ix_penalty_records_decided_on", table_name="penalty_records")
    op.drop_index("ix_penalty_records_authority", table_name="penalty_records")
    op.drop_table("penalty_records")
