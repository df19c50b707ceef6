"""The SQL both registers' stored tables share: every row in register order, the row count, one page
of a register filtered and sorted in SQL (the list pages of both registers), rows by a key, and a
filter's choices. Each domain's queries.py calls these with its own model."""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import any_, func, inspect, or_, select

from engine.registers.listing import Page
from engine.store.bulk import array_parameter

IN_CHUNK = 500          # values per IN (…) query


def stored_in_order(session: Any, model: Any, batch: int = 2000, *where: Any) -> Any:
    """Every stored row of a register table in register order (its id), read in batches as plain
    rows (attribute access like the model, without the ORM's identity map: 4× faster to read). The
    columns are the model's attributes, so a session limited to some units (engine/units/scope.py)
    reads only theirs."""
    columns = [getattr(model, attr.key) for attr in inspect(model).column_attrs]
    query = select(*columns).where(*where).order_by(model.id).execution_options(yield_per=batch)
    return session.execute(query)


def stored_digests(session: Any, model: Any, key: str, from_record: Callable[[Any], Any], value: str | None = None,
                   batch: int = 2000) -> Iterator[tuple[str, str, str | None]]:
    """(key, the digest of the record as stored, its own row_sha256 column) of every stored row in
    register order, or of the row whose `key` column holds `value`. The digest is recomputed from the
    columns, so a row edited without its row_sha256 shows as well as one edited with it."""
    where = () if value is None else (getattr(model, key) == value,)
    for row in stored_in_order(session, model, batch, *where):
        yield getattr(row, key), from_record(row).sha256(), row.row_sha256


def stored_count(session: Any, model: Any) -> int:
    """How many rows a register table holds."""
    return session.scalar(select(func.count()).select_from(model)) or 0


def chain_events(session: Any, prefix: str) -> int:
    """How many trail events the chains whose ids start with `prefix` hold (a register's records'):
    it grows with every change to them, deletions included (a chain is never cut)."""
    from engine.store.models import TrailHead
    return int(session.scalar(select(func.coalesce(func.sum(TrailHead.seq), 0))
                              .where(TrailHead.case_id.like(prefix + "%"))) or 0)


def order_by(model: Any, column: str, descending: bool) -> list[Any]:
    """ORDER BY a column, ties in register order (id, the same direction). NULLS LAST only where there
    can be NULLs: on a NOT NULL column it would keep SQLite from walking an index in order, and every
    deep page would sort the table again."""
    col = getattr(model, column)
    key = col.desc() if descending else col.asc()
    ties = model.id.desc() if descending else model.id.asc()
    return [key.nulls_last() if col.nullable else key, ties]


def list_page(session: Any, model: Any, filters: list[Any], sort: tuple[str, bool], page: int,
              per_page: int) -> Page:
    """One page of a register table: the rows the filters (WHERE clauses) keep, sorted by
    (column, descending), `per_page` from page `page` (the last page when there are fewer)."""
    total = session.scalar(select(func.count()).select_from(model).where(*filters)) or 0
    shown = Page.of(total, page, per_page)
    rows = list(session.scalars(select(model).where(*filters).order_by(*order_by(model, *sort))
                                .limit(shown.per_page).offset(shown.offset)))
    return Page(shown.total, shown.page, shown.pages, shown.per_page, rows)


def rows_by_key(session: Any, model: Any, key: str, values: list[str], chunk: int = IN_CHUNK) -> dict[str, Any]:
    """The stored rows whose `key` column holds one of the values, by that value (a value not stored
    is left out). On PostgreSQL one query with the values as one array parameter (`= ANY(…)`: the
    statement is the same whatever their number, parsed once); elsewhere `chunk` values per IN (…)
    query, far below every database's parameter limit."""
    column = getattr(model, key)
    out: dict[str, Any] = {}
    if session.get_bind().dialect.name == "postgresql":
        wanted = array_parameter("keys", values, column.type)
        out.update((getattr(r, key), r) for r in session.scalars(select(model).where(column == any_(wanted))))
        return out
    for i in range(0, len(values), chunk):
        out.update((getattr(r, key), r) for r in session.scalars(select(model).where(column.in_(values[i:i + chunk]))))
    return out


def where_equal(model: Any, **values: Any) -> list[Any]:
    """A list filter's WHERE clauses: `column == value` for each value given (empty or None: any)."""
    return [getattr(model, name) == value for name, value in values.items() if value not in ("", None)]


def where_contains(text: str, *columns: Any) -> list[Any]:
    """The search box's WHERE clause: `text` is contained in one of the columns (case-insensitive,
    `%` and `_` taken literally); none for no text."""
    return [or_(*(column.icontains(text, autoescape=True) for column in columns))] if text else []


def distinct_values(session: Any, column: Any, limit: int) -> list[str]:
    """The distinct values of a column, in order, at most `limit` of them (a filter's choices)."""
    return list(session.scalars(select(column).distinct().order_by(column).limit(limit)))


@dataclass(frozen=True)
class StoredRegister:
    """One register's stored table, read the ways every register's is: one page of the list, the
    count, a record and records by number, every record in register order, and their digests.
    A domain's queries.py names these for its own register (`penalty_count = PENALTIES.count`)."""

    model: Any
    key: str                                           # the number column
    sorts: dict[str, tuple[str, bool]]                 # sort key → (column, descending)
    use_cases: str                                     # the module of its `from_record` (imported when
                                                       # first needed: the record type imports these reads)

    def record_type(self) -> Callable[[Any], Any]:
        """The domain's `from_record`: a stored row → the register's record."""
        return importlib.import_module(self.use_cases).from_record  # type: ignore[no-any-return]

    def page(self, session: Any, filters: list[Any], sort: str, page: int, per_page: int) -> Page:
        """One page of the register, filtered and sorted in SQL (a register may hold 100,000 rows)."""
        return list_page(session, self.model, filters, self.sorts[sort], page, per_page)

    def count(self, session: Any) -> int:
        """How many records the register holds."""
        return stored_count(session, self.model)

    def by_key(self, session: Any, value: str) -> Any:
        """The stored record with this number, or None."""
        return session.scalars(select(self.model).where(getattr(self.model, self.key) == value)).first()

    def by_keys(self, session: Any, values: list[str]) -> dict[str, Any]:
        """The stored records with these numbers, by number (a number not stored is left out)."""
        return rows_by_key(session, self.model, self.key, values)

    def records(self, session: Any, batch: int = 2000, *where: Any) -> Iterator[Any]:
        """Every stored record (that the WHERE clauses keep) in register order, read in batches."""
        from_record = self.record_type()
        return (from_record(r) for r in stored_in_order(session, self.model, batch, *where))

    def every(self, session: Any) -> list[Any]:
        """Every stored record, in register order."""
        return list(self.records(session))

    def digests(self, session: Any, value: str | None = None) -> Iterator[tuple[str, str, str | None]]:
        """(number, the digest of the stored record, its row_sha256 column) of every record in register
        order, or of the one with this number."""
        return stored_digests(session, self.model, self.key, self.record_type(), value)
