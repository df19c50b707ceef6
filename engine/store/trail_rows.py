"""How the trail is read and its heads are locked — the SQL side of engine.trail.

Rows are plain tuples in the order of `COLUMNS`, with `at` already as the canonical ISO text
(computed by the database), so verification never builds a datetime or an ORM object per event.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Table,
    Text,
    any_,
    bindparam,
    func,
    insert,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from engine.store.bulk import array_parameter, insert_many
from engine.store.models import TrailEvent, TrailHead, iso_utc

EventRow = tuple[str, int, str, str, str, str, str, str, str]
COLUMNS = ("case_id", "seq", "at", "actor", "action", "payload", "payload_sha256", "prev_hash", "hash")
STREAM_BATCH = 20_000
_events = cast(Table, TrailEvent.__table__)
_heads = cast(Table, TrailHead.__table__)


def _at_text(dialect: str) -> ColumnElement[Any] | None:
    """`at` as ISO 8601 UTC text with microseconds, exactly as engine.store.models.iso_utc writes it."""
    if dialect == "sqlite":  # stored as that very text (models.UTCDateTime)
        return type_coerce(_events.c.at, Text)
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", _events.c.at), 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')
    return None


def _select(session: Session):
    at = _at_text(session.get_bind().dialect.name)
    columns = [_events.c[name] if name != "at" or at is None else at.label("at") for name in COLUMNS]
    return select(*columns).order_by(_events.c.case_id, _events.c.seq), at is None


def _rows(result: Any, convert: bool) -> Iterator[EventRow]:
    if not convert:
        yield from result.tuples()
        return
    for row in result.tuples():
        yield (row[0], row[1], iso_utc(row[2]), *row[3:])


def stream_events(session: Session, case_id: str | None = None) -> Iterator[EventRow]:
    """Every event (of one chain, or of all), ordered by chain and seq, streamed in batches.

    On SQLite and PostgreSQL the rows come straight from the driver's cursor (a server-side
    cursor on PostgreSQL), in the session's transaction: SQLAlchemy's result layer would double
    the cost per row of the fastest part of verification.
    """
    stmt, convert = _select(session)
    if case_id is not None:
        stmt = stmt.where(_events.c.case_id == case_id)
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name not in ("sqlite", "postgresql"):
        result = connection.execute(stmt, execution_options={"yield_per": STREAM_BATCH})
        try:
            yield from _rows(result, convert)
        finally:
            result.close()
        return
    compiled = stmt.compile(dialect=dialect)
    params: Any = compiled.params
    if dialect.paramstyle == "qmark":
        params = tuple(compiled.params[name] for name in compiled.positiontup or ())
    driver = connection.connection.driver_connection
    assert driver is not None
    cursor = driver.cursor(name="yifa_trail_stream") if dialect.name == "postgresql" else driver.cursor()
    try:
        if dialect.name == "postgresql":
            cursor.itersize = STREAM_BATCH
        cursor.execute(compiled.string, params)
        yield from cursor
    finally:
        cursor.close()


def chain_events(session: Session, case_id: str, after: int = 0) -> list[EventRow]:
    """The events of one chain with seq > `after`, in order."""
    stmt, convert = _select(session)
    stmt = stmt.where(_events.c.case_id == case_id, _events.c.seq > after)
    return list(_rows(session.connection().execute(stmt), convert))


def last_payloads(session: Session, case_id: str | None = None) -> list[tuple[str, str]]:
    """(chain, payload) of the newest event of every chain, or of one."""
    e = TrailEvent
    newest = select(e.case_id, func.max(e.seq).label("seq")).group_by(e.case_id)
    if case_id is not None:
        newest = newest.where(e.case_id == case_id)
    last = newest.subquery()
    return list(session.execute(select(e.case_id, e.payload).join(
        last, (e.case_id == last.c.case_id) & (e.seq == last.c.seq))).tuples())


def payloads_newest_first(session: Session, case_id: str) -> Iterator[str]:
    """The payloads of one chain's events, the newest first."""
    return iter(session.scalars(select(TrailEvent.payload).where(TrailEvent.case_id == case_id)
                                .order_by(TrailEvent.seq.desc())))


def chain_ids(session: Session, case_id: str | None = None) -> set[str]:
    """Every chain that has an event (or the one asked for, if it has)."""
    stmt = select(TrailEvent.case_id).distinct()
    if case_id is not None:
        stmt = stmt.where(TrailEvent.case_id == case_id)
    return set(session.scalars(stmt))


def event_seals(session: Session) -> Iterator[tuple[str, int, str, Any]]:
    """(chain, seq, hash, at) of every event, by chain and seq, read in batches."""
    e = TrailEvent
    stmt = select(e.case_id, e.seq, e.hash, e.at).order_by(e.case_id, e.seq)
    return iter(session.execute(stmt.execution_options(yield_per=STREAM_BATCH)).tuples())


def chain_heads(session: Session, case_id: str | None = None) -> dict[str, tuple[int, str]]:
    """The recorded head (seq, hash) of every chain, or of one."""
    stmt = select(_heads.c.case_id, _heads.c.seq, _heads.c.hash)
    if case_id is not None:
        stmt = stmt.where(_heads.c.case_id == case_id)
    return {c: (s, h) for c, s, h in session.connection().execute(stmt)}


def lock_head(session: Session, case_id: str, genesis: str) -> tuple[int, str]:
    """Lock a chain's head row until the transaction ends (creating it at seq 0), and read it.

    PostgreSQL: SELECT … FOR UPDATE makes a concurrent appender of the same chain wait for this
    transaction, then read the head it left. SQLite: FOR UPDATE is not needed, the writer holds
    the database write lock from BEGIN IMMEDIATE (engine.store.db). Either way the primary key
    (case_id, seq) of trail_events is the backstop: a duplicate seq fails, never forks.
    """
    dialect = session.get_bind().dialect.name
    genesis_head = {"case_id": case_id, "seq": 0, "hash": genesis}
    if dialect == "postgresql":
        session.execute(postgresql_insert(_heads).values(genesis_head).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite_insert(_heads).values(genesis_head).on_conflict_do_nothing())
    elif session.get(TrailHead, case_id) is None:
        session.execute(insert(_heads).values(genesis_head))
    query = select(_heads.c.seq, _heads.c.hash).where(_heads.c.case_id == case_id).with_for_update()
    seq, head = session.execute(query).one()
    return seq, head


def advance_head(session: Session, case_id: str, seq: int, hash_: str) -> None:
    """Move a chain's head onto its newest event (the database refuses any other move)."""
    session.execute(update(_heads).where(_heads.c.case_id == case_id).values(seq=seq, hash=hash_))


# ---------------------------------------------------------------- many events at once (a register import)
WRITE_CHUNK = 1000          # rows per executemany, and heads per IN (…) when they are locked


def lock_heads(session: Session, chains: list[str]) -> dict[str, tuple[int, str]]:
    """Lock the heads of those chains that have one (SELECT … FOR UPDATE, in chunks) and read them;
    a chain without a head has no event yet (its head is inserted with its first events)."""
    found: dict[str, tuple[int, str]] = {}
    columns = select(_heads.c.case_id, _heads.c.seq, _heads.c.hash)
    if session.get_bind().dialect.name == "postgresql":     # the chains as one array parameter, at once
        wanted = array_parameter("chains", chains, _heads.c.case_id.type)
        found.update((c, (s, h)) for c, s, h in session.execute(
            columns.where(_heads.c.case_id == any_(wanted)).with_for_update()))
        return found
    query = columns.where(_heads.c.case_id.in_(bindparam("chains", expanding=True))).with_for_update()
    for i in range(0, len(chains), WRITE_CHUNK):            # one statement, compiled once
        found.update((c, (s, h)) for c, s, h in session.execute(query, {"chains": chains[i:i + WRITE_CHUNK]}))
    return found


def insert_events(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert sealed events (engine.trail.seal): COPY on PostgreSQL, executemany elsewhere."""
    insert_many(session, _events, rows)


def insert_heads(session: Session, heads: list[dict[str, Any]]) -> None:
    """Insert the heads of new chains, each onto its last inserted event."""
    insert_many(session, _heads, heads)


def advance_heads(session: Session, heads: list[dict[str, Any]]) -> None:
    """Move chains' heads one event forward each ({case_id, seq, hash}), an executemany."""
    if heads:
        stmt = (update(_heads).where(_heads.c.case_id == bindparam("head_case_id"))
                .values(seq=bindparam("head_seq"), hash=bindparam("head_hash")))
        session.connection().execute(stmt, [{"head_case_id": h["case_id"], "head_seq": h["seq"],
                                             "head_hash": h["hash"]} for h in heads])
