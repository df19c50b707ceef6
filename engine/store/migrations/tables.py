"""What the revisions share in building tables: a table with its indexes, one keyed by a number,
a register's table, a table of a user's hashed secrets, and the columns a later revision adds.

Frozen like columns.py: an applied revision must keep building the schema it built, so nothing
here may change once a released revision uses it; a different shape is a new function.
"""
from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from alembic import op

from engine.store.migrations.columns import moment

Indexes = Mapping[str, Sequence[str]]       # index name → its columns, in the order they are created


def create_table(name: str, *items: sa.schema.SchemaItem, indexes: Indexes | None = None) -> sa.Table:
    """Create a table, then its indexes."""
    table = op.create_table(name, *items)
    for index, columns in (indexes or {}).items():
        op.create_index(index, name, list(columns))
    return table


def drop_table(name: str, indexes: Indexes | None = None) -> None:
    """Drop a table's indexes, the newest first, then the table."""
    for index in reversed(list(indexes or {})):
        op.drop_index(index, table_name=name)
    op.drop_table(name)


def create_numbered_table(name: str, columns: Sequence[sa.Column],
                          constraints: Sequence[sa.schema.SchemaItem] = (),
                          unique: sa.UniqueConstraint | None = None,
                          indexes: Indexes | None = None) -> sa.Table:
    """Create a table keyed by `id`, a number the database gives each row: the id, the columns, the
    constraints, the primary key, then the one unique constraint the table may have."""
    return create_table(
        name,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        *columns,
        *constraints,
        sa.PrimaryKeyConstraint("id", name=f"pk_{name}"),
        *([unique] if unique is not None else []),
        indexes=indexes,
    )


def create_register_table(name: str, *columns: sa.Column, checks: Sequence[sa.CheckConstraint] = (),
                          unique: sa.UniqueConstraint, indexes: Indexes | None = None) -> sa.Table:
    """Create a register's table: its own columns, then what every register row keeps (the SHA-256
    of the row as imported, who changed it last, when it was created and updated)."""
    kept = [sa.Column("row_sha256", sa.String(64), nullable=False),
            sa.Column("updated_by", sa.String(64), nullable=False),
            sa.Column("created_at", moment(), nullable=False),
            sa.Column("updated_at", moment(), nullable=False)]
    return create_numbered_table(name, [*columns, *kept], checks, unique, indexes)


def create_user_secret_table(name: str, *columns: sa.Column) -> sa.Table:
    """Create a table of secrets handed to a user (API tokens, calendar feeds): only their SHA-256 is
    kept, each may be revoked, and they go with the user."""
    return create_numbered_table(
        name,
        [sa.Column("username", sa.String(64), nullable=False),
         sa.Column("token_hash", sa.String(64), nullable=False),
         *columns,
         sa.Column("created_at", moment(), nullable=False),
         sa.Column("revoked_at", moment(), nullable=True)],
        [sa.ForeignKeyConstraint(["username"], ["users.username"], ondelete="CASCADE",
                                 name=f"fk_{name}_username_users")],
        sa.UniqueConstraint("token_hash", name=f"uq_{name}_token_hash"),
        indexes={f"ix_{name}_username": ["username"]},
    )


def add_columns(table: str, *columns: sa.Column) -> None:
    """Add columns to a table (on SQLite by copying it: the environment renders batches)."""
    with op.batch_alter_table(table) as batch:
        for column in columns:
            batch.add_column(column)


def drop_columns(table: str, *names: str) -> None:
    """Drop columns from a table, in the order named."""
    with op.batch_alter_table(table) as batch:
        for name in names:
            batch.drop_column(name)
