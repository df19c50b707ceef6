"""The one all-or-nothing import every register shares (CASE_FORMAT §3, §4): rows read in, every row
stored or none, each stored change an event of the row's chain in the same transaction.

A file with a bad row is refused whole (InputError, nothing stored) unless the caller skips the
bad rows, which are then written to `rejected_out`. A good row whose record is not stored yet is
inserted (`<kind>.imported`), one that differs from the stored record updates it
(`<kind>.updated`, with the digest before), one that is the same is left as it is.

Streamed, in bounded memory: the rows come one at a time (engine/registers/csvio.iter_rows) and are
written WRITE_BATCH at a time — their stored records looked up a batch per query, the new ones and
all the events inserted together (COPY on PostgreSQL, executemany elsewhere: engine/store/bulk.py),
the updated ones flushed — and let go. The writes go inside a savepoint: at the first bad row
(unless bad rows are skipped) writing stops, the rest of the file is still read so that the message
names every bad row, and the savepoint is rolled back: nothing of the file is stored. No statement
has a parameter per row of a file. The payload is `{"row": {column: text}, "sha256": …,
"source_row": n}` and the row's warnings, if any.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import text
from sqlalchemy.orm import Session

from engine.accounts.access import require_role
from engine.core.errors import InputError, Problem
from engine.registers.csvio import ImportResult, Row, where
from engine.store.bulk import insert_many
from engine.store.uow import UnitOfWork
from engine.trail import append_events, canonical
from engine.units.scope import EVERYTHING, Scope, acting_unit, scope_of, unscoped

WRITE_BATCH = 5000           # rows written (and their events sealed) at a time


def row_digest(row: dict[str, str]) -> str:
    """The digest of a record's row, `record.sha256()` of most registers: SHA-256 of its canonical JSON."""
    return hashlib.sha256(canonical(row).encode()).hexdigest()


@dataclass(frozen=True)
class Register:
    """What the import needs of one register: the record's key, its table's rows, its chain and events."""

    key: str                                                   # the record's number field
    stored: Callable[[Session, list[str]], dict[str, Any]]     # stored rows by number
    new_row: Callable[[], Any]                                 # the stored table's model (an empty row)
    apply: Callable[..., None]                                 # (stored row, record, actor[, digest]): copy it in
    chain_prefix: str                                          # "doc:", "penalty:"
    kind: str                                                  # "document", "penalty": the events' names
    write_rejected: Callable[[list[Row[Any]], Path | str | TextIO], None]
    digest: Callable[[dict[str, str]], str] = row_digest       # a record's sha256 from its row (to_row())


def copying(columns: Iterable[str]) -> Callable[..., None]:
    """A register's `apply` that copies these columns of the record into the stored row, with the
    record's digest and who changed it."""
    names = tuple(columns)

    def apply(stored: Any, record: Any, actor: str, digest: str | None = None) -> None:
        """Copy the record in; `digest` is its `sha256()`, when already known."""
        for name in names:
            setattr(stored, name, getattr(record, name))
        stored.row_sha256 = digest or record.sha256()
        stored.updated_by = actor
    return apply


def import_file(uow: UnitOfWork, register: Register, read: Callable[[], Iterable[Row[Any]]], path: Path | str,
                actor: str, editors: tuple[str, ...], skip_invalid: bool,
                rejected_out: Path | str | TextIO | None, unit: str | None,
                progress: Callable[[int], None] | None) -> ImportResult:
    """Import a register file's rows (`read()`) in the caller's unit of work, all or nothing as
    import_rows does; refused unless the actor holds one of the editors' roles, and only over the
    units those roles cover. New records go to `unit` (default: the actor's own)."""
    require_role(uow.session, actor, editors)
    rows = read()
    unit = acting_unit(uow.session, actor, editors, unit)
    return import_rows(uow.session, register, rows, actor, skip_invalid, rejected_out, unit,
                       scope_of(uow.session, actor, editors), str(path), progress)


class _Columns:
    """A plain row `Register.apply` fills: the columns of a new record, without an ORM object."""


def import_rows(session: Session, register: Register, rows: Iterable[Row[Any]], actor: str, skip_invalid: bool,
                rejected_out: Path | str | TextIO | None, unit: str | None = None,
                scope: Scope = EVERYTHING, file: str = "",
                progress: Callable[[int], None] | None = None) -> ImportResult:
    """Store the rows all or nothing (the module says how); the caller commits. New records go
    to `unit`; a row that would change a record of a unit outside `scope` is refused. `progress(n)`
    is told the rows read so far after each batch."""
    result = ImportResult()
    bad: list[Row[Any]] = []
    read = 0
    _plan_each_lookup(session)
    savepoint = session.begin_nested()
    for batch in _batches(rows, WRITE_BATCH):
        read += len(batch)
        _refuse_other_units(session, register, batch, scope, file)
        good = [r for r in batch if r.ok]
        bad.extend(r for r in batch if not r.ok)
        result.warnings.extend(w for r in good for w in r.warnings)
        if skip_invalid or not bad:
            _write_batch(session, register, good, actor, result, unit)
        if progress is not None:
            progress(read)
    result.rejected = [p for r in bad for p in r.problems]
    if bad and not skip_invalid:
        savepoint.rollback()
        raise InputError(result.rejected)
    savepoint.commit()
    if rejected_out is not None and bad:
        register.write_rejected(bad, rejected_out)
    return result


def _batches(rows: Iterable[Row[Any]], size: int) -> Iterator[list[Row[Any]]]:
    batch: list[Row[Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _plan_each_lookup(session: Session) -> None:
    """On PostgreSQL, plan each batch's lookup for the table as it is now: a plan cached while the
    table was small (a sequential scan) would otherwise be reused as it grows by the import itself,
    and a 100,000-row import took minutes instead of seconds. Until the transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def _write_batch(session: Session, register: Register, batch: list[Row[Any]], actor: str,
                 result: ImportResult, unit: str | None) -> None:
    """Insert, update or leave each good row of a batch, and append their events."""
    existing = register.stored(session, [getattr(r.record, register.key) for r in batch])
    inserts: list[dict[str, Any]] = []
    events: list[tuple[str, str, str, Any]] = []
    for row in batch:
        _store_row(register, row, existing.get(getattr(row.record, register.key)), actor, result,
                   inserts, events, unit)
    insert_many(session, register.new_row.__table__, inserts)    # type: ignore[attr-defined]
    session.flush()                              # the updated rows
    append_events(session, events)               # the session keeps flushed rows weakly: they go


def _refuse_other_units(session: Session, register: Register, rows: list[Row[Any]], scope: Scope,
                        file: str) -> None:
    """Mark as bad each good row of a batch whose record is stored in a unit the importer's roles do not cover."""
    if scope.units is None:
        return
    good = [r for r in rows if r.ok]                 # one batch of the file (import_rows)
    with unscoped(session):
        existing = register.stored(session, [getattr(r.record, register.key) for r in good])
    for row in good:
        number = getattr(row.record, register.key)
        stored = existing.get(number)
        if stored is not None and not scope.covers(stored.unit_code):
            row.problems.append(Problem(file, where(row.number, register.key),
                                        f"{number} 已登记在其他单位，本单位无权修改 / "
                                        f"{number} is registered by another unit: this unit may not change it"))
            row.record = None


def _store_row(register: Register, row: Row[Any], stored: Any, actor: str, result: ImportResult,
               inserts: list[dict[str, Any]], events: list[tuple[str, str, str, Any]],
               unit: str | None = None) -> None:
    """Insert (its columns queued in `inserts`), update or leave one record; its event queued in `events`."""
    record = row.record
    assert record is not None            # a good row holds its record
    number = getattr(record, register.key)
    chain = register.chain_prefix + number
    cells = record.to_row()              # once: the digest is of these cells, the event holds them
    digest = register.digest(cells)
    if stored is None:
        columns = _Columns()
        register.apply(columns, record, actor, digest)
        if unit is not None:
            columns.unit_code = unit     # type: ignore[attr-defined]
        inserts.append(columns.__dict__)
        events.append((chain, actor, f"{register.kind}.imported", _payload(cells, digest, row)))
        result.imported.append(number)
        return
    if stored.row_sha256 == digest:
        result.unchanged.append(number)
        return
    payload = _payload(cells, digest, row)
    payload["previous_sha256"] = stored.row_sha256
    register.apply(stored, record, actor, digest)
    events.append((chain, actor, f"{register.kind}.updated", payload))
    result.updated.append(number)


def _payload(cells: dict[str, str], digest: str, row: Row[Any]) -> dict[str, Any]:
    """An imported row's event payload: its cells, their digest, its row in the file, its warnings."""
    payload: dict[str, Any] = {"row": cells, "sha256": digest, "source_row": row.number}
    if row.warnings:
        payload["warnings"] = [f"{w.path}: {w.message}" for w in row.warnings]
    return payload
