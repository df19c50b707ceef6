"""The decision catalogue (决策事项目录, Decree 713 Art. 3(3)): reading a catalogue file and importing it.

Shaped like the other registers (engine/documents/use_cases.py):
- **All or nothing.** Without `skip_invalid` one bad row refuses the whole file (InputError with
  every bad row: row number, column, reason) and nothing is stored; with it the good rows are
  stored and the bad ones written to `rejected_out` (the columns plus `reason`).
- **Re-import updates.** An item (year/unit/item) already stored is updated when its row changed
  (trail event `catalogue.updated`, with the previous row's sha256) and left alone when identical.
  A key twice in the same file refuses the second row; so does a row whose catalogue dates
  (published_on, party_consent_on) differ from an earlier row of the same catalogue.
- **Warnings, not refusals:** Party consent dated after publication, a publication date outside the
  catalogue's year and the year before (both facts for the scan to judge, not typing errors).
- Every stored change is an event on the chain `cat:<year>/<unit>/<item>` (action `catalogue.imported`
  or `catalogue.updated`; payload `{"row": {column: text}, "sha256": …, "source_row": n}`).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO

from engine.accounts.access import require_role
from engine.catalogue.models import CatalogueItemRecord
from engine.catalogue.queries import items_by_key
from engine.catalogue.record import (
    COLUMN_ZH,
    COLUMNS,
    TABLE,
    CatalogueItem,
    catalogue_disagreements,
    validate_row,
)
from engine.core.errors import Problem
from engine.registers.csvio import ImportResult, Row, read_rows, where
from engine.registers.csvio import write_rejected as write_rejected_rows
from engine.registers.imports import Register, import_rows
from engine.store.uow import UnitOfWork
from engine.units.scope import acting_unit, scope_of

EDITOR_ROLES = ("official", "admin")
CHAIN_PREFIX = "cat:"


def read_catalogue(path: Path | str, encoding: str | None = None) -> list[Row[CatalogueItem]]:
    """Read and validate a catalogue file: each row, a key twice, a catalogue's dates disagreeing."""
    rows = read_rows(path, TABLE, validate_row, encoding)
    _mark_duplicate_keys(rows, str(path))
    catalogue_disagreements(rows, str(path))
    return rows


def _mark_duplicate_keys(rows: list[Row[Any]], file: str) -> None:
    first: dict[str, int] = {}
    for row in rows:
        if row.record is None:
            continue
        key = row.record.key
        if key in first:
            row.problems.append(Problem(file, where(row.number, "item"),
                                        f"{COLUMN_ZH['item']}：{key} 与第 {first[key]} 行重复 / "
                                        f"duplicate item {key}, already on row {first[key]}"))
            row.record = None
        else:
            first[key] = row.number


def write_rejected(rows: Iterable[Row[Any]], target: Path | str | TextIO) -> None:
    """The rejected rows as a catalogue file: the columns as given, plus `reason`."""
    write_rejected_rows(rows, COLUMNS, target)


def _apply(record: CatalogueItemRecord, item: CatalogueItem, actor: str) -> None:
    for name in COLUMNS:
        setattr(record, name, getattr(item, name))
    record.row_sha256 = item.sha256()
    record.updated_by = actor


def from_record(record: Any) -> CatalogueItem:
    """The catalogue row of a stored item (an ORM row or a plain row with its columns)."""
    return CatalogueItem(**{name: getattr(record, name) for name in COLUMNS})


REGISTER = Register("key", items_by_key, CatalogueItemRecord, _apply,
                    CHAIN_PREFIX, "catalogue", write_rejected)


def import_catalogue(uow: UnitOfWork, path: Path | str, actor: str, skip_invalid: bool = False,
                     rejected_out: Path | str | TextIO | None = None, encoding: str | None = None,
                     unit: str | None = None, progress: Callable[[int], None] | None = None) -> ImportResult:
    """Import a catalogue file in the caller's unit of work (the caller commits), all or nothing as
    engine/registers/imports.py says; each stored change is an event of the chain `cat:<key>`.

    Raises InputError (nothing stored) for an unreadable file, a bad header, or — without
    `skip_invalid` — any bad row; PermissionDeniedError unless the actor may edit the catalogue.
    """
    require_role(uow.session, actor, EDITOR_ROLES)
    rows = read_catalogue(path, encoding)
    unit = acting_unit(uow.session, actor, EDITOR_ROLES, unit)
    return import_rows(uow.session, REGISTER, rows, actor, skip_invalid, rejected_out, unit,
                       scope_of(uow.session, actor, EDITOR_ROLES), str(path), progress)
