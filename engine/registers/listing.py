"""What the registers' stored tables share: reading every row in register order, counting rows, and
one page of a register filtered and sorted in SQL (the list pages of both registers)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NUMBER_MAX = 200        # a document's 文号 or a penalty decision's number
IN_CHUNK = 500          # values per IN (…) query


def in_values(column: str, values: tuple[str, ...]) -> str:
    """A CHECK constraint's text: the column holds one of the values."""
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def stored_in_order(session: Any, model: Any, batch: int = 2000, *where: Any) -> Any:
    """Every stored row of a register table in register order (its id), read in batches as plain
    rows (attribute access like the model, without the ORM's identity map: 4× faster to read)."""
    from sqlalchemy import select
    query = select(*model.__table__.columns).where(*where).order_by(model.id).execution_options(yield_per=batch)
    return session.execute(query)


def stored_count(session: Any, model: Any) -> int:
    """How many rows a register table holds."""
    from sqlalchemy import func, select
    return session.scalar(select(func.count()).select_from(model)) or 0


@dataclass(frozen=True)
class Page:
    """Which slice of a list a page shows, and its rows."""
    total: int             # matching the filters
    page: int
    pages: int
    per_page: int
    rows: list[Any] = field(default_factory=list)

    @classmethod
    def of(cls, total: int, page: int, per_page: int, rows: list[Any] | None = None) -> "Page":
        """The page asked for, or the last one when the list is shorter."""
        pages = max(1, -(-total // per_page))
        return cls(total, min(page, pages), pages, per_page, rows or [])

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def first(self) -> int:
        return self.offset + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.page * self.per_page, self.total)

    def window(self, around: int = 2) -> list[int | None]:
        """The page numbers to link: the first, the last, and a few around this one (None: a gap)."""
        wanted = {1, self.pages} | set(range(max(1, self.page - around), min(self.pages, self.page + around) + 1))
        out: list[int | None] = []
        for n in sorted(wanted):
            if out and n - (out[-1] or 0) > 1:
                out.append(None)
            out.append(n)
        return out


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
    from sqlalchemy import func, select
    total = session.scalar(select(func.count()).select_from(model).where(*filters)) or 0
    shown = Page.of(total, page, per_page)
    rows = list(session.scalars(select(model).where(*filters).order_by(*order_by(model, *sort))
                                .limit(shown.per_page).offset(shown.offset)))
    return Page(shown.total, shown.page, shown.pages, shown.per_page, rows)


def rows_by_key(session: Any, model: Any, key: str, values: list[str], chunk: int = IN_CHUNK) -> dict[str, Any]:
    """The stored rows whose `key` column holds one of the values, by that value (a value not stored
    is left out); read `chunk` values per IN (…) query, far below every database's parameter limit."""
    from sqlalchemy import select
    column = getattr(model, key)
    out: dict[str, Any] = {}
    for i in range(0, len(values), chunk):
        out.update((getattr(r, key), r) for r in session.scalars(select(model).where(column.in_(values[i:i + chunk]))))
    return out


def distinct_values(session: Any, column: Any, limit: int) -> list[str]:
    """The distinct values of a column, in order, at most `limit` of them (a filter's choices)."""
    from sqlalchemy import select
    return list(session.scalars(select(column).distinct().order_by(column).limit(limit)))
