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

import contextlib
import dataclasses
import gc
import hashlib
import multiprocessing
import os
import pickle
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from json.encoder import encode_basestring  # what canonical JSON writes a text with
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Date, literal, select
from sqlalchemy.orm import Session

from engine.accounts.access import require_role
from engine.core.children import child_process
from engine.core.errors import InputError, Problem
from engine.registers.csvio import ImportResult, Row, where
from engine.store.bulk import insert_many
from engine.store.models import TrailHead, iso_utc, utcnow
from engine.store.uow import UnitOfWork
from engine.trail import Canonical, append_events, canonical, canonical_row, first_seal
from engine.units.scope import EVERYTHING, Scope, acting_unit, scope_of, unscoped

WRITE_BATCH = 5000           # rows written (and their events sealed) at a time
SQLITE_CACHE_KIB = 128 * 1024    # SQLite's page cache during an import (its default is 2 MiB)


def row_digest(row: dict[str, str]) -> str:
    """The digest of a record's row, `record.sha256()` of most registers: SHA-256 of its canonical JSON."""
    return hashlib.sha256(canonical_row(row).encode()).hexdigest()


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
    # the text `digest` is the SHA-256 of, from the row and its canonical JSON (spares writing it twice)
    digest_text: Callable[[dict[str, str], str], str] | None = None


class copying:  # noqa: N801 - a function to its callers: `apply = copying(columns)`
    """A register's `apply` that copies these columns of the record into the stored row, with the
    record's digest and who changed it. (Its new rows are plain columns: they can be made ready in
    the reader process, engine/registers/imports._reader.) With `cells`, the register says that
    each of these columns of a record is its row's cell of that name (`to_row()`), or None for an
    empty cell — a date as its ISO text, what the reader process sends (`from_cells`)."""

    def __init__(self, columns: Iterable[str], cells: bool = False):
        self.names = tuple(columns)
        names = self.names
        self.columns = names + ("row_sha256", "updated_by")        # a new record's, in the order set
        self.values = attrgetter(*names) if len(names) > 1 else lambda record: (getattr(record, names[0]),)
        self.cells = cells
        self._cells = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)

    def from_cells(self, cells: dict[str, str], digest: str, actor: str) -> tuple[Any, ...]:
        """A new record's `columns` from its row's canonical cells (a register copying `cells`): what
        `_plain_columns` gives of the columns `apply` sets, without the record."""
        return (*[cell or None for cell in self._cells(cells)], digest, actor)

    def __call__(self, stored: Any, record: Any, actor: str, digest: str | None = None) -> None:
        """Copy the record in; `digest` is its `sha256()`, when already known."""
        if type(stored) is _Columns:             # a new record's plain row (a million of them)
            vars(stored).update(zip(self.names, self.values(record)))
        else:
            for name, value in zip(self.names, self.values(record)):
                setattr(stored, name, value)
        stored.row_sha256 = digest or record.sha256()
        stored.updated_by = actor


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
                       scope_of(uow.session, actor, editors), str(path), progress,
                       reader_process=_large(path))


class _Columns:
    """A plain row `Register.apply` fills: the columns of a new record, without an ORM object."""


def import_rows(session: Session, register: Register, rows: Iterable[Row[Any]], actor: str, skip_invalid: bool,
                rejected_out: Path | str | TextIO | None, unit: str | None = None,
                scope: Scope = EVERYTHING, file: str = "",
                progress: Callable[[int], None] | None = None, reader_process: bool = False) -> ImportResult:
    """Store the rows all or nothing (the module says how); the caller commits. New records go
    to `unit`; a row that would change a record of a unit outside `scope` is refused. `progress(n)`
    is told the rows read so far after each batch. With `reader_process` the rows are read and made
    ready in a process of their own, where one can be forked (`_reader`)."""
    if _empty_register(session, register):
        register = dataclasses.replace(register, stored=_nothing_stored)
    with _sqlite_cache(session), _lookups_by_index(session), \
            _ready_batches(register, rows, actor, reader_process, scope.units is not None) as batches:
        return _import_batches(session, register, batches, actor, skip_invalid, rejected_out, unit, scope, file,
                               progress)


def _import_batches(session: Session, register: Register, batches: Iterable[Batch],
                    actor: str, skip_invalid: bool, rejected_out: Path | str | TextIO | None, unit: str | None,
                    scope: Scope, file: str, progress: Callable[[int], None] | None) -> ImportResult:
    result = ImportResult()
    bad: list[Row[Any]] = []
    read = 0
    savepoint = session.begin_nested()
    for at, names, batch in batches:         # each row a Ready tuple (good) or a Row (bad)
        read += len(batch)
        batch = _refuse_other_units(session, register, batch, scope, file)
        good = [r for r in batch if type(r) is tuple]
        bad.extend(r for r in batch if type(r) is not tuple)
        result.warnings.extend(w for r in good if r[WARNINGS] for w in r[WARNINGS])
        if skip_invalid or not bad:
            _write_batch(session, register, good, actor, result, unit, at, names)
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


def _sqlite_cache(session: Session) -> contextlib.AbstractContextManager[None]:
    """On SQLite, a page cache of SQLITE_CACHE_KIB for the import, the connection's own afterwards.
    A large import inserts into indexes in no order (the records' numbers, the chains' ids): with
    the default 2 MiB most pages are read back and written to the WAL again and again (1,000,000
    rows: the records' inserts took twice as long). The cache holds no data beyond the transaction
    nor changes when it is durable (that is the journal's business)."""
    return _while_importing(session, "sqlite", "PRAGMA cache_size", f"PRAGMA cache_size = -{int(SQLITE_CACHE_KIB)}",
                            lambda driver, before: driver.execute(f"PRAGMA cache_size = {int(before)}"))


@contextlib.contextmanager
def _while_importing(session: Session, dialect: str, read: str, change: str,
                     restore: Callable[[Any, Any], Any]) -> Iterator[None]:
    """On `dialect`, a setting of the session's connection changed (`change`) as long as the import
    lasts, then put back (`restore(driver, what `read` gave)`); on another database, nothing."""
    if session.get_bind().dialect.name != dialect:
        yield
        return
    driver = session.connection().connection.driver_connection     # whatever becomes of the session
    assert driver is not None
    (before,) = driver.execute(read).fetchone()
    driver.execute(change)
    try:
        yield
    finally:
        restore(driver, before)


def _empty_register(session: Session, register: Register) -> bool:
    """Whether, on SQLite, the register stores no record and none of its chains has an event: the
    import then inserts every record and begins every chain, and need not look any up. Known for
    the whole import because a writer on SQLite holds the database's write lock from its BEGIN
    IMMEDIATE (engine/store/db.py) to its end; a file's keys are unique (a repeated one is refused).
    On PostgreSQL another transaction may store a record meanwhile (it is then updated): looked up."""
    if session.get_bind().dialect.name != "sqlite":
        return False
    table = register.new_row.__table__                           # type: ignore[attr-defined]
    prefix = register.chain_prefix
    after = prefix[:-1] + chr(ord(prefix[-1]) + 1)              # every chain id with the prefix is below
    return session.execute(select(literal(1)).select_from(table).limit(1)).first() is None and \
        session.execute(select(literal(1)).where(TrailHead.case_id >= prefix, TrailHead.case_id < after)
                        .limit(1)).first() is None


def _nothing_stored(session: Session, keys: list[str]) -> dict[str, Any]:
    """`Register.stored` of a register known to be empty (`_empty_register`)."""
    return {}


def _lookups_by_index(session: Session) -> contextlib.AbstractContextManager[None]:
    """On PostgreSQL, each batch's lookups (its stored records, its chains' heads: a few thousand
    keys at once) go by the tables' indexes as long as the import lasts. The tables grow by the
    import itself, in its transaction, unanalysed: the planner takes them for small and read each
    one whole for each batch, a lookup growing with the table (at 1,000,000 rows 200 sequential
    scans of up to 280 MB: 36 s of a 130 s import), where the indexes answer in milliseconds.
    Sequential scans are left out of the plans (enable_seqscan) until the import ends, then set
    back: what the caller does next in the transaction is planned as before. (A plan cached while
    the table was small is an index scan too. Each statement is no longer planned afresh,
    plan_cache_mode = force_custom_plan, as before: the foreign key checks' plans are cached
    plans as well, and each of the million rows inserted planned its unit's check again, a fifth
    of the server's work.)"""
    return _while_importing(session, "postgresql", "SELECT current_setting('enable_seqscan')",
                            "SET LOCAL enable_seqscan = off", _seqscan_back)


def _seqscan_back(driver: Any, before: str) -> None:
    if driver.info.transaction_status.name == "INTRANS":       # not a failed transaction
        driver.execute("SELECT set_config('enable_seqscan', %s, true)", (before,))


# A good row made ready to be stored (`_ready`), a plain tuple (a million cross between processes):
# (row number, key, digest of its row, its new record's event payload (canonical JSON, `_ready`),
#  the columns of its new record (from the reader process, a date as its ISO text: what SQLite
#  stores, what PostgreSQL's COPY reads), the record (None from the reader process: its columns say it all),
#  the cells as read (None from the reader process unless a unit may refuse the row), the row's
#  warnings, the `first_seal` of a new record's event (from the reader process; else None)).
Ready = tuple
# a batch of rows: (the moment their events are sealed at, or None: when written; the names of the
# columns of its Ready rows when tuples, or None: dicts; the rows, Ready or bad Rows)
Batch = tuple[datetime | None, tuple[str, ...] | None, list[Any]]
NUMBER, KEY, DIGEST, PAYLOAD, COLUMNS, RECORD, CELLS, WARNINGS, FIRST = range(9)


def _ready(register: Register, row: Row[Any], actor: str) -> Ready:
    """What storing a good row needs: its record's columns, digest and event payload, worked out
    before it is known whether the record is new, changed or the same (nearly always new).

    The payload is `{"row": cells, "sha256": digest, "source_row": n, "warnings": […]}` (warnings only
    when there are some), with `"previous_sha256": …` first for an update (the keys sorted): it is
    written here as the canonical JSON `engine.trail.canonical` gives (`PAYLOAD`: a new record's)."""
    record = row.record
    assert record is not None            # a good row holds its record
    cells = record.to_row() if row.canonical is None else row.canonical   # the digest is of these cells,
    digest, payload = _digest_and_payload(register, row, cells)            # the event holds them
    columns = _Columns()
    register.apply(columns, record, actor, digest)
    return (row.number, getattr(record, register.key), digest, payload, vars(columns), record, row.cells,
            row.warnings, None)


def _digest_and_payload(register: Register, row: Row[Any], cells: dict[str, str]) -> tuple[str, str]:
    """The digest of a good row's record and its new record's event payload, from the record's row."""
    text = canonical_row(cells)
    digest = register.digest(cells) if register.digest_text is None else \
        hashlib.sha256(register.digest_text(cells, text).encode()).hexdigest()
    payload = '{"row":' + text + ',"sha256":' + encode_basestring(digest) + \
        ',"source_row":' + str(int(row.number))
    if row.warnings:
        payload += ',"warnings":' + canonical([f"{w.path}: {w.message}" for w in row.warnings])
    return digest, payload + "}"


def _write_batch(session: Session, register: Register, batch: list[Ready], actor: str,
                 result: ImportResult, unit: str | None, at: datetime | None = None,
                 names: tuple[str, ...] | None = None) -> None:
    """Insert, update or leave each good row of a batch, and append their events. A row's columns
    are a dict, or (from the reader process) a tuple of the `names` columns' values."""
    existing = register.stored(session, [r[KEY] for r in batch])
    inserts: list[Any] = []
    events: list[tuple[Any, ...]] = []
    imported, updated = register.kind + ".imported", register.kind + ".updated"
    for ready in batch:
        number = ready[KEY]
        chain = register.chain_prefix + number
        stored = existing.get(number)
        if stored is None:
            columns = ready[COLUMNS]
            if unit is not None:
                if names is None:
                    columns["unit_code"] = unit
                else:
                    columns += (unit,)
            inserts.append(columns)
            first = ready[FIRST]             # with a first seal, the payload is known to be canonical
            events.append((chain, actor, imported, ready[PAYLOAD] if first else Canonical(ready[PAYLOAD]), first))
            result.imported.append(number)
        elif stored.row_sha256 == ready[DIGEST]:
            result.unchanged.append(number)
        else:
            payload = Canonical('{"previous_sha256":' + encode_basestring(stored.row_sha256) + ","
                                + ready[PAYLOAD][1:])
            if ready[RECORD] is not None:
                register.apply(stored, ready[RECORD], actor, ready[DIGEST])
            else:                        # a copying register's columns, as its apply sets them
                for name, value in _typed(register, dict(zip(names or (), ready[COLUMNS]))).items():
                    setattr(stored, name, value)
            events.append((chain, actor, updated, payload))
            result.updated.append(number)
    insert_many(session, register.new_row.__table__, inserts,    # type: ignore[attr-defined]
                None if names is None else names + ("unit_code",) * (unit is not None))
    session.flush()                              # the updated rows
    append_events(session, events, at,           # the session keeps flushed rows weakly: they go
                  new_chains=register.stored is _nothing_stored)


def _typed(register: Register, columns: dict[str, Any]) -> dict[str, Any]:
    """A record's columns from the reader process with each date column's ISO text a date again."""
    table = register.new_row.__table__                           # type: ignore[attr-defined]
    return {name: date.fromisoformat(value) if isinstance(value, str) and isinstance(table.c[name].type, Date)
            else value for name, value in columns.items()}


def _refuse_other_units(session: Session, register: Register, batch: list[Any], scope: Scope,
                        file: str) -> list[Any]:
    """The batch with each good row whose record is stored in a unit the importer's roles do not
    cover made a bad one."""
    if scope.units is None:
        return batch
    with unscoped(session):
        existing = register.stored(session, [r[KEY] for r in batch if type(r) is tuple])
    out = []
    for ready in batch:
        stored = existing.get(ready[KEY]) if type(ready) is tuple else None
        if stored is not None and not scope.covers(stored.unit_code):
            number = ready[KEY]
            ready = Row(ready[NUMBER], ready[CELLS], None,
                        [Problem(file, where(ready[NUMBER], register.key),
                                 f"{number} 已登记在其他单位，本单位无权修改 / "
                                 f"{number} is registered by another unit: this unit may not change it")],
                        list(ready[WARNINGS] or ()))
        out.append(ready)
    return out


# ---------------------------------------------------------------- the reader process
READER_BYTES = 1 << 20        # a file this large is read in a process of its own (about 6,000 penalties)


def _large(path: Path | str) -> bool:
    """Whether a register file is large enough to be read and made ready in a process of its own:
    on a machine of more than one core, where a process can be forked (`_may_fork`)."""
    try:
        size = os.path.getsize(path)
    except OSError:
        return False
    return size >= READER_BYTES and (os.cpu_count() or 1) > 1 and _may_fork()


def _may_fork() -> bool:
    """Whether this process may fork the reader: one that runs a single thread (a fork copies every
    lock as it stands, and one held by another thread — logging's, the import system's — would never
    be released in the child: `yifa credit import` forks, the job worker, which runs its jobs in
    threads, reads the file itself), not daemonic (it may have no child), where fork exists."""
    return (threading.active_count() == 1 and not multiprocessing.current_process().daemon
            and "fork" in multiprocessing.get_all_start_methods())


@contextlib.contextmanager
def _ready_batches(register: Register, rows: Iterable[Row[Any]], actor: str, reader_process: bool,
                   keep_cells: bool) -> Iterator[Iterator[Batch]]:
    """The rows WRITE_BATCH at a time, each good one `_ready`, each bad one as read, with the moment
    their events are sealed at (None: when they are written): made here, or (`reader_process`) in a
    forked process while this one writes the batch before. `keep_cells`: a good row may still be
    refused (its cells are then written to the rejected rows)."""
    if not reader_process:
        yield ((None, None, _made_ready(register, batch, actor)) for batch in _batches(rows, WRITE_BATCH))
        return
    with child_process("fork", _reader, register, rows, actor, keep_cells) as (receiver, _):
        yield _received(receiver)        # (killed on leaving, should the import stop before the file's end)


def _made_ready(register: Register, batch: list[Row[Any]], actor: str) -> list[Any]:
    return [_ready(register, row, actor) if row.ok else row for row in batch]


def _reader(register: Register, rows: Iterable[Row[Any]], actor: str, keep_cells: bool, sender: Any) -> None:
    """The reader process: read, check and make ready the rows, a batch at a time, seal their events
    as the first of new chains (nearly all are: the importer seals again any that is not), and send
    each batch pickled — plain tuples: a Row or a record would cost more to unpickle than to make. A
    copying register's record stays here, its columns say it all; when its columns are its row's
    cells (`copying.cells`) and the validator gave the record's row (`Row.canonical`), the row is
    made ready from those cells, the record not written back into cells at all. The process touches nothing of
    its parent's (its database connection above all) and collects no cycles (one holding a copy of
    a connection would close it); an error is sent as it is, for the parent to raise."""
    gc.disable()
    plain = isinstance(register.apply, copying)
    table = register.new_row.__table__                           # type: ignore[attr-defined]
    dates = tuple(c.name for c in table.columns if isinstance(c.type, Date))
    names = register.apply.columns if isinstance(register.apply, copying) else None
    imported = register.kind + ".imported"
    copied = register.apply if isinstance(register.apply, copying) and register.apply.cells else None

    def sent(row: Row[Any], at_text: str) -> Ready:
        """A good row made ready and its event sealed, as sent (the Ready tuple's fields)."""
        if copied is not None and row.canonical is not None:
            digest, payload = _digest_and_payload(register, row, row.canonical)     # no record written back
            columns: Any = copied.from_cells(row.canonical, digest, actor)          # into cells
            record = None
        else:
            made = _ready(register, row, actor)
            digest, payload = made[DIGEST], made[PAYLOAD]
            columns = _plain_columns(made[COLUMNS], dates) if plain else made[COLUMNS]
            record = None if plain else made[RECORD]
        key = getattr(row.record, register.key)
        return (row.number, key, digest, payload, columns, record, row.cells if keep_cells else None,
                row.warnings or None, first_seal(register.chain_prefix + key, at_text, actor, imported, payload))

    try:
        for batch in _batches(rows, WRITE_BATCH):
            at = utcnow()
            at_text = iso_utc(at)
            ready = [sent(row, at_text) if row.ok else row for row in batch]
            sender.send_bytes(pickle.dumps(("rows", (at, names, ready)), pickle.HIGHEST_PROTOCOL))
        sender.send_bytes(pickle.dumps(("end", None)))
    except BaseException as exc:     # noqa: BLE001 - every failure is the parent's to raise
        try:
            message = pickle.dumps(("error", exc))
        except Exception:            # noqa: BLE001 - an exception that does not pickle
            message = pickle.dumps(("error", RuntimeError("".join(traceback.format_exception(exc)))))
        with contextlib.suppress(OSError):
            sender.send_bytes(message)
    finally:
        sender.close()


def _plain_columns(columns: dict[str, Any], dates: tuple[str, ...]) -> tuple[Any, ...]:
    """A copying register's new record's columns as a tuple (in `copying.columns` order, as its apply
    sets them), each date (of the `dates` columns) as its ISO text: unpickled three times faster than
    a dict of dates; the text is what SQLite stores a date as, and what PostgreSQL's COPY reads."""
    for name in dates:
        value = columns.get(name)
        if type(value) is date:
            columns[name] = value.isoformat()
    return tuple(columns.values())


def _received(receiver: Any) -> Iterator[Batch]:
    """The batches the reader process sends, until its end; its error raised here."""
    while True:
        try:
            kind, value = pickle.loads(receiver.recv_bytes())
        except EOFError:
            raise RuntimeError("读取登记表文件的子进程意外终止（内存不足？），未导入任何记录 / the process reading "
                               "the register file ended without a word (out of memory?): nothing imported") from None
        if kind == "end":
            return
        if kind == "error":
            raise value
        yield value
