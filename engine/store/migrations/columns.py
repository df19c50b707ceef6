"""What the revisions share: the column type of a UTC moment and the text of a CHECK on a closed list.

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
