"""What the revisions share: the column type of a UTC moment, the text of a CHECK on a closed list
and a register's optional days.

An applied revision must keep building the schema it built: change nothing here that a revision
uses; a different type or constraint is a new function.
"""
import sqlalchemy as sa


def moment() -> sa.types.TypeEngine:
    """A UTC moment: timestamptz on PostgreSQL, ISO 8601 text on SQLite (see models.UTCDateTime)."""
    return sa.DateTime(timezone=True).with_variant(sa.Text(), "sqlite")


def one_of(column: str, values: tuple) -> str:
    """A CHECK constraint's text: the column holds one of the values."""
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def optional_days(*names: str) -> list[sa.Column]:
    """Nullable DATE columns, one a name: the days a register row may not have recorded (yet)."""
    return [sa.Column(name, sa.Date(), nullable=True) for name in names]
