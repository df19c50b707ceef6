"""The decision catalogue (决策事项目录, Decree 713 Art. 3(3)): table `catalogue_items`.

Alembic revision 0008 (after 0007), written 2026-12-04.
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"

CATEGORIES = ("public_policy", "development_plan", "resources", "public_construction", "other_major")


def moment() -> sa.types.TypeEngine:
    """A UTC moment: timestamptz on PostgreSQL, ISO 8601 text on SQLite (see models.UTCDateTime)."""
    return sa.DateTime(timezone=True).with_variant(sa.Text(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "catalogue_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(200), nullable=False),
        sa.Column("item", sa.String(32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("category", sa.String(24), nullable=False),
        sa.Column("planned", sa.Date(), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("party_consent_on", sa.Date(), nullable=True),
        sa.Column("case_id", sa.String(64), nullable=True),
        sa.Column("adjusted_reason", sa.Text(), nullable=True),
        sa.Column("row_sha256", sa.String(64), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("created_at", moment(), nullable=False),
        sa.Column("updated_at", moment(), nullable=False),
        sa.CheckConstraint("category IN (" + ", ".join(f"'{c}'" for c in CATEGORIES) + ")",
                           name="ck_catalogue_items_category"),
        sa.PrimaryKeyConstraint("id", name="pk_catalogue_items"),
        sa.UniqueConstraint("year", "unit", "item", name="uq_catalogue_items_year_unit_item"),
    )
    op.create_index("ix_catalogue_items_unit_year", "catalogue_items", ["unit", "year"])
    op.create_index("ix_catalogue_items_case_id", "catalogue_items", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_catalogue_items_case_id", table_name="catalogue_items")
    op.drop_index("ix_catalogue_items_unit_year", table_name="catalogue_items")
    op.drop_table("catalogue_items")
