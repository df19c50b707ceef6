"""Units (engine/units): the tree of units of government, roles held in units, and the unit every
case, normative document, penalty record and catalogue item belongs to.

An instance older than units gets one unit, `root` (本级机关, to be renamed with `yifa unit edit`),
judged by its cases' most common jurisdiction: every record belongs to it and every role a user held
becomes that role over its whole subtree, so that nobody sees or may do more or less than before.

Alembic revision 0014 (after 0013), written 2026-12-05.
"""
import sqlalchemy as sa
from alembic import op

from engine.store.migrations.columns import one_of

revision = "0014"
down_revision = "0013"

ROLES = ("official", "legality_reviewer", "legal_advisor", "secretary", "auditor", "admin")
LEVELS = ("province", "city", "county", "township", "department")
RECORD_TABLES = ("cases", "normative_documents", "penalty_records", "catalogue_items")


def upgrade() -> None:
    units = op.create_table(
        "units",
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("jurisdiction", sa.String(200), nullable=False),
        sa.Column("parent_code", sa.String(64), nullable=True),
        sa.Column("path", sa.String(1000), nullable=False),
        sa.CheckConstraint(one_of("level", LEVELS), name="ck_units_level"),
        sa.ForeignKeyConstraint(["parent_code"], ["units.code"], name="fk_units_parent_code_units"),
        sa.PrimaryKeyConstraint("code", name="pk_units"),
        sa.UniqueConstraint("path", name="uq_units_path"),
    )
    bind = op.get_bind()
    jurisdiction = bind.execute(sa.text(
        "SELECT jurisdiction FROM cases GROUP BY jurisdiction ORDER BY count(*) DESC, jurisdiction LIMIT 1"
    )).scalar() or "CN"
    op.bulk_insert(units, [{"code": "root", "name": "本级机关", "level": "county", "jurisdiction": jurisdiction,
                            "parent_code": None, "path": "/root/"}])
    op.create_table(
        "unit_roles",
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("unit_code", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("subtree", sa.Boolean(), nullable=False),
        sa.CheckConstraint(one_of("role", ROLES), name="ck_unit_roles_role"),
        sa.ForeignKeyConstraint(["username"], ["users.username"], ondelete="CASCADE",
                                name="fk_unit_roles_username_users"),
        sa.ForeignKeyConstraint(["unit_code"], ["units.code"], name="fk_unit_roles_unit_code_units"),
        sa.PrimaryKeyConstraint("username", "unit_code", "role", name="pk_unit_roles"),
    )
    op.create_index("ix_unit_roles_unit_code", "unit_roles", ["unit_code"])
    op.execute("INSERT INTO unit_roles (username, unit_code, role, subtree) "
               "SELECT username, 'root', role, true FROM user_roles")
    op.drop_table("user_roles")
    for table in RECORD_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("unit_code", sa.String(64), nullable=False, server_default="root"))
            batch.create_foreign_key(f"fk_{table}_unit_code_units", "units", ["unit_code"], ["code"])
            batch.create_index(f"ix_{table}_unit_code", ["unit_code"])


def downgrade() -> None:
    for table in RECORD_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f"ix_{table}_unit_code")
            batch.drop_constraint(f"fk_{table}_unit_code_units", type_="foreignkey")
            batch.drop_column("unit_code")
    op.create_table(
        "user_roles",
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.CheckConstraint(one_of("role", ROLES), name="ck_user_roles_role"),
        sa.ForeignKeyConstraint(["username"], ["users.username"], ondelete="CASCADE",
                                name="fk_user_roles_username_users"),
        sa.PrimaryKeyConstraint("username", "role", name="pk_user_roles"),
    )
    op.execute("INSERT INTO user_roles (username, role) SELECT DISTINCT username, role FROM unit_roles")
    op.drop_index("ix_unit_roles_unit_code", table_name="unit_roles")
    op.drop_table("unit_roles")
    op.drop_table("units")
