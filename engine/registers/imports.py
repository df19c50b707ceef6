"""The one all-or-nothing import both registers share (CASE_FORMAT §3, §4): read rows in, every row
stored or none, each stored change an event of the row's chain in the same transaction.

A file with a bad row is refused whole (InputError, nothing stored) unless the caller skips the
bad rows, which are then written to `rejected_out`. A good row whose record is not stored yet is
inserted (`<kind>.imported`), one that differs from the stored record updates it
(`<kind>.updated`, with the digest before), one that is the same is left as it is. The writes are
batched: new records and all the events go in by executemany, a thousand rows a statement, and the
stored records are looked up a thousand keys a query (no statement has a parameter per row of a file). The payload is
`{"row": {column: text}, "sha256": …, "source_row": n}` and the row's warnings, if any.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import insert, inspect
from sqlalchemy.orm import Session

from engine.core.errors import InputError, Problem
from engine.registers.csvio import ImportResult, Row, where
from engine.trail import append_events
from engine.units.scope import EVERYTHING, Scope, unscoped

INSERT_CHUNK = 1000
WRITE_BATCH = 5000           # rows written (and their events sealed) at a time


@dataclass(frozen=True)
class Register:
    """What the import needs of one register: the record's key, its table's rows, its chain and events."""

    key: str                                                   # the record's number field
    stored: Callable[[Session, list[str]], dict[str, Any]]     # stored rows by number
    new_row: Callable[[], Any]                                 # an empty stored row
    apply: Callable[[Any, Any, str], None]                     # (stored row, record, actor): copy it in
    chain_prefix: str                                          # "doc:", "penalty:"
    kind: str                                                  # "document", "penalty": the events' names
    write_rejected: Callable[[list[Row[Any]], Path | str | TextIO], None]


def import_rows(session: Session, register: Register, rows: list[Row[Any]], actor: str, skip_invalid: bool,
                rejected_out: Path | str | TextIO | None, unit: str | None = None,
                scope: Scope = EVERYTHING, file: str = "") -> ImportResult:
    """Store the read rows all or nothing (the module says how); the caller commits. New records go
    to `unit`; a row that would change a record of a unit outside `scope` is refused."""
    _refuse_other_units(session, register, rows, scope, file)
    bad = [r for r in rows if not r.ok]
    result = ImportResult(rejected=[p for r in bad for p in r.problems],
                          warnings=[w for r in rows if r.ok for w in r.warnings])
    if bad and not skip_invalid:
        raise InputError(result.rejected)
    if rejected_out is not None and bad:
        register.write_rejected(bad, rejected_out)
    good = [r for r in rows if r.ok]
    for start in range(0, len(good), WRITE_BATCH):   # a batch at a time: what is written is let go
        batch = good[start:start + WRITE_BATCH]
        existing = register.stored(session, [getattr(r.record, register.key) for r in batch])
        inserts: list[Any] = []
        events: list[tuple[str, str, str, Any]] = []
        for row in batch:
            _store_row(session, register, row, existing.get(getattr(row.record, register.key)), actor, result,
                       inserts, events, unit)
        if inserts:
            _insert_rows(session, inserts)
        session.flush()                              # the updated rows
        append_events(session, events)           # the session keeps flushed rows weakly: they go
    return result


def _refuse_other_units(session: Session, register: Register, rows: list[Row[Any]], scope: Scope,
                        file: str) -> None:
    """Mark as bad each good row whose record is stored in a unit the importer's roles do not cover."""
    if scope.units is None:
        return
    good = [r for r in rows if r.ok]
    for start in range(0, len(good), WRITE_BATCH):
        batch = good[start:start + WRITE_BATCH]
        with unscoped(session):
            existing = register.stored(session, [getattr(r.record, register.key) for r in batch])
        for row in batch:
            number = getattr(row.record, register.key)
            stored = existing.get(number)
            if stored is not None and not scope.covers(stored.unit_code):
                row.problems.append(Problem(file, where(row.number, register.key),
                                            f"{number} 已登记在其他单位，本单位无权修改 / "
                                            f"{number} is registered by another unit: this unit may not change it"))
                row.record = None


def _store_row(session: Session, register: Register, row: Row[Any], stored: Any, actor: str,
               result: ImportResult, inserts: list[Any], events: list[tuple[str, str, str, Any]],
               unit: str | None = None) -> None:
    """Insert (queued in `inserts`), update or leave one record; its trail event queued in `events`."""
    record = row.record
    assert record is not None            # a good row holds its record
    number = getattr(record, register.key)
    digest = record.sha256()
    payload: dict[str, Any] = {"row": record.to_row(), "sha256": digest, "source_row": row.number}
    if row.warnings:
        payload["warnings"] = [f"{w.path}: {w.message}" for w in row.warnings]
    chain = register.chain_prefix + number
    if stored is None:
        stored = register.new_row()
        register.apply(stored, record, actor)
        if unit is not None:
            stored.unit_code = unit
        inserts.append(stored)
        events.append((chain, actor, f"{register.kind}.imported", payload))
        result.imported.append(number)
    elif stored.row_sha256 == digest:
        result.unchanged.append(number)
    else:
        payload["previous_sha256"] = stored.row_sha256
        register.apply(stored, record, actor)
        events.append((chain, actor, f"{register.kind}.updated", payload))
        result.updated.append(number)


def _insert_rows(session: Session, rows: list[Any]) -> None:
    """Insert new records in chunks (executemany), not one ORM flush each: their columns as set by
    `apply`, the columns' defaults (created_at, …) filled by the insert."""
    model = type(rows[0])
    table = model.__table__
    attrs = [(a.key, a.columns[0].name) for a in inspect(model).column_attrs]
    filled = {name for name, column in table.columns.items()            # left to the insert when unset
              if column.default is not None or column.server_default is not None or column.autoincrement is True}
    values = [{key: value for key, name in attrs
               if (value := getattr(r, key, None)) is not None or name not in filled} for r in rows]
    by_keys: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for v in values:                               # executemany needs the same columns in each row
        by_keys.setdefault(tuple(sorted(v)), []).append(v)
    for group in by_keys.values():
        for i in range(0, len(group), INSERT_CHUNK):
            session.execute(insert(table), group[i:i + INSERT_CHUNK])
