"""Reads of the decision catalogue: one page of the list, the units and years, items by key, every
item in register order (and the CSV export of them), the stored cases the scan matches them
against, and the state the scan depends on. Each takes the session and plain values."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from engine.catalogue.models import CatalogueItemRecord
from engine.registers.csvio import write_table
from engine.registers.queries import (
    IN_CHUNK,
    StoredRegister,
    chain_events,
    distinct_values,
    stored_in_order,
    where_contains,
    where_equal,
)

if TYPE_CHECKING:
    pass

# sort key → (column, descending); the default first. Ties keep register order (id).
SORTS = {"-year": ("year", True), "year": ("year", False), "unit": ("unit", False), "-unit": ("unit", True),
         "item": ("item", False), "-item": ("item", True), "planned": ("planned", False),
         "-planned": ("planned", True)}
DEFAULT_SORT = "-year"


def item_filters(unit: str = "", year: int | None = None, category: str = "", q: str = "") -> list[Any]:
    """The WHERE clauses of the list's filters (empty: any); `q` is contained in the item or title."""
    c = CatalogueItemRecord
    return where_equal(c, unit=unit, year=year, category=category) + where_contains(q, c.item, c.title)


# page, count and every item in order as every register; by key below (the key is year/unit/item)
ITEMS = StoredRegister(CatalogueItemRecord, "item", SORTS, "engine.catalogue.use_cases")
all_items = ITEMS.every
item_page, item_count, iter_items = ITEMS.page, ITEMS.count, ITEMS.records


def catalogue_units(session: Session, limit: int) -> list[str]:
    """The distinct units, alphabetical, at most `limit`."""
    return distinct_values(session, CatalogueItemRecord.unit, limit)


def catalogue_years(session: Session, limit: int) -> list[int]:
    """The distinct years, at most `limit`."""
    return [int(y) for y in distinct_values(session, CatalogueItemRecord.year, limit)]


def items_by_key(session: Session, keys: list[str]) -> dict[str, CatalogueItemRecord]:
    """The stored items with these keys (`year/unit/item`), by key (a key not stored is left out)."""
    triples = []
    for key in keys:
        year, _, rest = key.partition("/")
        unit, _, item = rest.rpartition("/")
        triples.append((int(year), unit, item))
    c = CatalogueItemRecord
    out: dict[str, CatalogueItemRecord] = {}
    for i in range(0, len(triples), IN_CHUNK):
        chunk = triples[i:i + IN_CHUNK]
        for r in session.scalars(select(c).where(tuple_(c.year, c.unit, c.item).in_(chunk))):
            out[f"{r.year}/{r.unit}/{r.item}"] = r
    return out


def export_catalogue(session: Session, stream: Any, bom: bool = True, headers: str = "en",
                     fmt: str = "csv") -> int:
    """Write the catalogue in its file format: CSV (UTF-8 with BOM unless `bom=False`, to a text
    stream) or .xlsx (to a binary stream), English or Chinese headers; gives the number of rows."""
    from engine.catalogue.record import TABLE
    rows = [i.to_row() for i in all_items(session)]
    return write_table(rows, TABLE, stream, fmt, headers, bom, title="决策事项目录", every_column=True)


def stored_cases(session: Session) -> list[tuple[str, dict]]:
    """(id, case file) of every stored decision case: what the scan matches the items with."""
    from engine.decisions.queries import case_files
    return list(case_files(session))


def register_state(session: Session) -> tuple[int, int, int]:
    """(items and stored cases, events on the items' trail chains, events on the cases'): changes
    whenever the catalogue or a stored case does — all the scan reads (cases are appended to their
    chains, never cut: a case deleted and another added still moves the count of events)."""
    from engine.catalogue.use_cases import CHAIN_PREFIX  # the record's use cases import these reads
    from engine.decisions.models import CaseRecord
    from engine.store.models import TrailHead
    cases = session.scalar(select(func.count()).select_from(CaseRecord)) or 0
    case_events = session.scalar(select(func.coalesce(func.sum(TrailHead.seq), 0))
                                 .join(CaseRecord, CaseRecord.id == TrailHead.case_id))
    return item_count(session) + int(cases), chain_events(session, CHAIN_PREFIX), int(case_events or 0)


def catalogue_digests(session: Session, key: str | None = None) -> Iterator[tuple[str, str, str | None]]:
    """(key, the digest of the stored item, its row_sha256 column) of every item in register order, or of
    the one with this key (`year/unit/item`). The digest is recomputed from the columns."""
    from engine.catalogue.use_cases import from_record  # the record's use cases import these reads
    c = CatalogueItemRecord
    where: tuple[Any, ...] = ()
    if key is not None:
        year, _, rest = key.partition("/")
        unit, _, item = rest.rpartition("/")
        where = (c.year == (int(year) if year.isdigit() else -1), c.unit == unit, c.item == item)
    for row in stored_in_order(session, c, 2000, *where):
        record = from_record(row)
        yield record.key, record.sha256(), row.row_sha256


__all__ = ["DEFAULT_SORT", "SORTS", "all_items", "catalogue_digests", "catalogue_units", "catalogue_years", "export_catalogue",
           "item_count", "item_filters", "item_page", "items_by_key", "iter_items", "register_state",
           "stored_cases"]
