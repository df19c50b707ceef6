"""The decision catalogue (决策事项目录, Decree 713 Art. 3(3)): table `catalogue_items`.

Alembic revision 0008 (after 0007), written 2026-12-04.
"""
import sqlalchemy as sa

from engine.store.migrations.columns import one_of, optional_days
from engine.store.migrations.tables import create_register_table, drop_table

revision = "0008"
down_revision = "0007"

CATEGORIES = ("public_policy", "development_plan", "resources", "public_construction", "other_major")
INDEXES = {
    "ix_catalogue_items_unit_year": ["unit", "year"],
    "ix_catalogue_items_case_id": ["case_id"],
}


def upgrade() -> None:
    create_register_table(
        "catalogue_items",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(200), nullable=False),
        sa.Column("item", sa.String(32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("category", sa.String(24), nullable=False),
        *optional_days("planned", "published_on", "party_consent_on"),
        sa.Column("case_id", sa.String(64), nullable=True),
        sa.Column("adjusted_reason", sa.Text(), nullable=True),
        checks=[sa.CheckConstraint(one_of("category", CATEGORIES), name="ck_catalogue_items_category")],
        unique=sa.UniqueConstraint("year", "unit", "item", name="uq_catalogue_items_year_unit_item"),
        indexes=INDEXES,
    )


def downgrade() -> None:
    drop_table("catalogue_items", INDEXES)
