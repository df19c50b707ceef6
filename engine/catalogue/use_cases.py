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

from engine.catalogue import queries
from engine.catalogue.models import CatalogueItemRecord
from engine.catalogue.queries import items_by_key
from engine.catalogue.record import (
    COLUMN_ZH,
    COLUMNS,
    EXAMPLE,
    TABLE,
    CatalogueItem,
    catalogue_disagreements,
    validate_row,
)
from engine.registers.csvio import ImportResult, Row, read_rows, repeated, unique_by
from engine.registers.csvio import write_rejected as write_rejected_rows
from engine.registers.imports import Register, copying, import_file
from engine.registers.kinds import RegisterKind
from engine.store.uow import UnitOfWork

EDITOR_ROLES = ("official", "admin")
CHAIN_PREFIX = "cat:"


def read_catalogue(path: Path | str, encoding: str | None = None) -> list[Row[CatalogueItem]]:
    """Read and validate a catalogue file: each row, a key twice, a catalogue's dates disagreeing."""
    rows = list(unique_by(read_rows(path, TABLE, validate_row, encoding), _key, "item", str(path),
                          repeated((COLUMN_ZH["item"], "item"))))
    catalogue_disagreements(rows, str(path))
    return rows


def _key(row: Row[CatalogueItem]) -> str | None:
    """A read row's key (year/unit/item), None for a refused row."""
    return None if row.record is None else row.record.key


def write_rejected(rows: Iterable[Row[Any]], target: Path | str | TextIO) -> None:
    """The rejected rows as a catalogue file: the columns as given, plus `reason`."""
    write_rejected_rows(rows, COLUMNS, target)


def from_record(record: Any) -> CatalogueItem:
    """The catalogue row of a stored item (an ORM row or a plain row with its columns)."""
    return CatalogueItem(**{name: getattr(record, name) for name in COLUMNS})


REGISTER = Register("key", items_by_key, CatalogueItemRecord, copying(COLUMNS),
                    CHAIN_PREFIX, "catalogue", write_rejected)


def import_catalogue(uow: UnitOfWork, path: Path | str, actor: str, skip_invalid: bool = False,
                     rejected_out: Path | str | TextIO | None = None, encoding: str | None = None,
                     unit: str | None = None, progress: Callable[[int], None] | None = None) -> ImportResult:
    """Import a catalogue file in the caller's unit of work (the caller commits), all or nothing as
    engine/registers/imports.py says; each stored change is an event of the chain `cat:<key>`.

    Raises InputError (nothing stored) for an unreadable file, a bad header, or — without
    `skip_invalid` — any bad row; PermissionDeniedError unless the actor may edit the catalogue.
    """
    return import_file(uow, REGISTER, lambda: read_catalogue(path, encoding), path, actor, EDITOR_ROLES, skip_invalid,
                       rejected_out, unit, progress)


# the register as the CLI, the web and the import jobs know it (engine/registers/kinds.py)
REGISTER_KIND = RegisterKind(
    name="catalogue", noun_zh="目录事项", measure="项", noun_en="catalogue items", file_stem="decision-catalogue",
    import_file=import_catalogue, read_file=read_catalogue, table=TABLE, example=EXAMPLE,
    export=queries.export_catalogue, iterate=queries.iter_items, count=queries.item_count)
