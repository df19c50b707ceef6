"""The administrative-penalty register (CASE_FORMAT §4): table `penalty_records`.

Alembic revision 0004 (after 0003), written 2026-12-15.
"""
import sqlalchemy as sa

from engine.store.migrations.columns import one_of, optional_days
from engine.store.migrations.tables import create_register_table, drop_table

revision = "0004"
down_revision = "0003"

CATEGORIES = ("minor", "general", "severe", "specified_severe")
REPAIR_RESULTS = ("granted", "refused")
INDEXES = {
    "ix_penalty_records_authority": ["authority"],
    "ix_penalty_records_decided_on": ["decided_on"],
}


def upgrade() -> None:
    create_register_table(
        "penalty_records",
        sa.Column("case_number", sa.String(200), nullable=False),
        sa.Column("party", sa.String(200), nullable=False),
        sa.Column("credit_code", sa.String(18), nullable=False),
        sa.Column("authority", sa.String(200), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("category", sa.String(24), nullable=False),
        *optional_days("published_on", "fulfilled_on", "commitment_on", "training_on", "credit_report_on",
                       "repair_applied_on", "repair_decided_on"),
        sa.Column("repair_result", sa.String(16), nullable=True),
        *optional_days("revoked_on", "withdrawn_on"),
        checks=[sa.CheckConstraint(one_of("category", CATEGORIES), name="ck_penalty_records_category"),
                sa.CheckConstraint("repair_result IS NULL OR " + one_of("repair_result", REPAIR_RESULTS),
                                   name="ck_penalty_records_repair_result")],
        unique=sa.UniqueConstraint("case_number", name="uq_penalty_records_case_number"),
        indexes=INDEXES,
    )


def downgrade() -> None:
    drop_table("penalty_records", INDEXES)
