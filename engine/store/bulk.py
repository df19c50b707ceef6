"""Many rows into one table at once — a register import's records, its trail events and their heads.

PostgreSQL takes them by `COPY … FROM STDIN` (psycopg's copy, in the session's transaction), SQLite
by the driver's executemany of one INSERT: both 5–10× faster than SQLAlchemy's insert, which builds
its parameters row by row. Either way the columns' Python-side defaults (created_at, …) are filled
once for the whole call and each value goes through its column type's bind processing (a UTC moment
as the database stores it, a JSON column as JSON), exactly as SQLAlchemy's own insert would; columns
left out get their server defaults (an id from its sequence). Any other database gets SQLAlchemy's
executemany. No statement ever has a parameter per row of a file.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import ARRAY, BindParameter, Table, bindparam, insert
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from engine.core.errors import WrittenMeanwhileError

EXECUTEMANY_CHUNK = 1000        # rows per executemany where there is no COPY


def insert_many(session: Session, table: Table, rows: Sequence[Any], columns: Sequence[str] | None = None) -> None:
    """Insert `rows` (dicts with the same keys: column names; or, with `columns`, tuples of those
    columns' values) into `table` in the session's transaction."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name not in ("postgresql", "sqlite"):
        for i in range(0, len(rows), EXECUTEMANY_CHUNK):
            chunk = rows[i:i + EXECUTEMANY_CHUNK]
            session.execute(insert(table), chunk if columns is None else [dict(zip(columns, r)) for r in chunk])
        return
    names, values = _values(table, rows, dialect, columns)
    quoted = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    driver = connection.connection.driver_connection
    assert driver is not None                      # a live connection in the session's transaction
    try:
        if dialect.name == "postgresql":
            with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
            return
        marks = ", ".join("?" for _ in names)
        cursor = driver.cursor()
        try:
            cursor.executemany(f"INSERT INTO {table.name} ({quoted}) VALUES ({marks})", values)
        finally:
            cursor.close()
    except Exception as exc:
        if _duplicate(exc):                        # another transaction stored the same keys meanwhile
            raise WrittenMeanwhileError(table.name, (str(exc).strip().splitlines() or [""])[0]) from None
        raise


def _duplicate(error: Exception) -> bool:
    """Whether the driver refused a row as breaking a unique key (sqlite3 or psycopg)."""
    import sqlite3
    if isinstance(error, sqlite3.IntegrityError):
        return "UNIQUE" in str(error)
    try:
        from psycopg import errors
    except ImportError:
        return False
    return isinstance(error, errors.UniqueViolation)


def _values(table: Table, rows: Sequence[Any], dialect: Any,
            columns: Sequence[str] | None = None) -> tuple[list[str], Iterator[tuple]]:
    """The columns written (the rows' own, then those with a Python default) and each row's values
    in that order, bind-processed as the column's type does it for this database. A row is a dict,
    or with `columns` a tuple of those columns' values."""
    given = list(rows[0]) if columns is None else list(columns)
    key = {name: name if columns is None else i for i, name in enumerate(given)}     # a value's place in a row
    defaults = {name: _default(column) for name, column in table.columns.items()
                if name not in given and column.default is not None and not column.primary_key}
    for name in list(given):             # a processed value the same in every row (an import's events'
        first = rows[0][key[name]]       # moment) is bound once, like a default
        if table.columns[name].type.bind_processor(dialect) and all(row[key[name]] is first for row in rows):
            given.remove(name)
            defaults[name] = first
    processors = [table.columns[name].type.bind_processor(dialect) for name in given]
    extra = tuple(p(v) if (p := table.columns[name].type.bind_processor(dialect)) and v is not None else v
                  for name, v in defaults.items())
    places = [key[name] for name in given]
    get = itemgetter(*places) if len(places) > 1 else (lambda row: tuple(row[place] for place in places))

    def plain() -> Iterator[tuple]:
        for row in rows:
            yield (*get(row), *extra)

    def processed() -> Iterator[tuple]:
        active = [(i, p) for i, p in enumerate(processors) if p]
        seen: dict[int, tuple[Any, Any]] = {i: (None, None) for i, _ in active}    # column → (value, bound)
        for row in rows:
            values = list(get(row))
            for i, p in active:
                v = values[i]
                if v is not None:
                    last, bound = seen[i]
                    if v is not last:          # an import's events share one moment: bound once
                        bound = p(v)
                        seen[i] = (v, bound)
                    values[i] = bound
            yield (*values, *extra)

    return given + list(defaults), plain() if not any(processors) else processed()


def _default(column: Any) -> Any:
    """A column's Python-side default, evaluated (a callable such as utcnow called once)."""
    default = column.default
    if default.is_scalar:
        return default.arg
    if default.is_callable:
        return default.arg(None)
    raise ValueError(f"{column.table.name}.{column.name}: a SQL default cannot be copied in; give the column")


class BinaryList(list[Any]):
    """Values psycopg sends as one array in binary form (the dumper is registered on each connection,
    engine/store/db.py): a list of 5,000 keys costs it 1 ms instead of 6, and the server no parsing
    of an array's text."""


class _ArrayParameter(TypeDecorator[Any]):
    """An ARRAY of the item type, bound on psycopg as a BinaryList (as any ARRAY elsewhere)."""

    impl = ARRAY
    cache_ok = True

    def bind_processor(self, dialect: Any) -> Any:
        if dialect.driver != "psycopg":
            return super().bind_processor(dialect)
        return lambda value: None if value is None else BinaryList(value)


def array_parameter(name: str, values: Sequence[Any], item_type: Any) -> BindParameter[Any]:
    """The parameter of `column = ANY(:name)`: the values as one array of `item_type` (a batch of an
    import's keys looked up at once; on PostgreSQL in binary)."""
    return bindparam(name, list(values), type_=_ArrayParameter(item_type))
