"""Which database, how to connect to it, and how to bring its schema up to date.

`DATABASE_URL` selects the database (`postgresql://…` means PostgreSQL through psycopg 3);
without it, SQLite in the instance folder (`$YIFA_INSTANCE`, default `./instance`).
"""
from __future__ import annotations

import functools
import os
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_MS = 30_000
PING_AFTER_IDLE_SECONDS = 2.0  # a pooled connection idle this long is tested before use
_IDLE_SINCE = "yifa_idle_since"
READ_ONLY = "yifa_read_only"  # execution option: a transaction that only reads (see UnitOfWork)


def instance_dir() -> Path:
    """The instance folder (`$YIFA_INSTANCE`, default `./instance`), created if missing."""
    folder = Path(os.environ.get("YIFA_INSTANCE") or "instance")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def database_url() -> str:
    """The database to use: `$DATABASE_URL`, else SQLite at `$YIFA_INSTANCE/yifa.sqlite3`."""
    configured = os.environ.get("DATABASE_URL", "").strip()
    if configured:
        return normalize_url(configured)
    return f"sqlite:///{(instance_dir() / 'yifa.sqlite3').resolve()}"


SUPPORTED = ("sqlite", "postgresql")


def normalize_url(url: str) -> str:
    """Point `postgres://` and `postgresql://` URLs at the psycopg 3 driver; refuse any other
    database (InputError naming DATABASE_URL) before a driver is looked for."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    from engine.core.errors import InputError  # core, not a domain: the store stays domain-free
    try:
        parsed = make_url(url)
    except Exception:       # sqlalchemy.exc.ArgumentError and friends: not a URL at all
        raise InputError.single("DATABASE_URL", "不是有效的数据库地址 / not a valid database URL") from None
    if parsed.get_backend_name() not in SUPPORTED or parsed.get_driver_name() not in ("psycopg", "pysqlite"):
        raise InputError.single(
            "DATABASE_URL", f"不支持的数据库 {parsed.drivername}，只支持 sqlite:/// 和 postgresql:// / "
                            f"unsupported database {parsed.drivername}: only sqlite:/// and postgresql:// are")
    return url


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """Create an engine: SQLite with foreign keys, WAL and a busy timeout; PostgreSQL in UTC."""
    url = normalize_url(url or database_url())
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_MS / 1000}, **kwargs)
        _configure_sqlite(engine)
        return engine
    engine = create_engine(url, **kwargs)
    event.listen(engine, "connect", _postgresql_session)
    _ping_when_idle(engine)
    return engine


@functools.lru_cache(maxsize=8)
def default_engine(url: str | None = None) -> Engine:
    """One engine (and connection pool) per database for the whole process."""
    return make_engine(url or database_url())


def _ping_when_idle(engine: Engine) -> None:
    """Test a pooled connection before use when it has lain idle PING_AFTER_IDLE_SECONDS or more
    (the server restarted overnight, a firewall dropped it): one that does not answer is replaced,
    as `pool_pre_ping` would (SQLAlchemy's "pessimistic" disconnect handling, on the pool's checkout
    event). A connection handed back a moment ago is used as it is: a busy server would otherwise
    pay a round trip per request for the ping. Should the server go away within that moment, the
    request that finds out fails and SQLAlchemy replaces every pooled connection at once."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is not None and time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise DisconnectionError(str(error)) from error    # the pool connects afresh
            raise


def _postgresql_session(dbapi_connection: Any, _record: Any) -> None:
    from psycopg.types.array import ListBinaryDumper

    from engine.store.bulk import BinaryList
    dbapi_connection.adapters.register_dumper(BinaryList, ListBinaryDumper)    # bulk.array_parameter
    # Timestamps come back in UTC whatever the server's default zone is.
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'UTC'")
    dbapi_connection.commit()


def _configure_sqlite(engine: Engine) -> None:
    """Let SQLAlchemy, not the sqlite3 module, begin transactions, so writers can BEGIN IMMEDIATE.

    A deferred transaction that reads and then writes fails at once with "database is locked"
    when another writer committed meanwhile (WAL snapshot); BEGIN IMMEDIATE takes the write
    lock first and waits its turn (busy_timeout). Read-only work keeps a deferred BEGIN.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def alembic_config(connection: Any = None) -> Any:
    """An Alembic configuration built in code (no alembic.ini), pointing at the shipped migrations."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(url: str | None = None, revision: str = "head") -> str:
    """Apply the migrations up to `revision` (default: the newest); give the revision reached."""
    from alembic import command

    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), revision)
        return current_revision(engine) or "base"
    finally:
        engine.dispose()


def head_revision() -> str:
    """The newest migration shipped with this version of yifa."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None when it was never migrated."""
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_initialised(engine: Engine) -> bool:
    """Whether the schema exists (the trail table is there)."""
    with engine.connect() as connection:
        return inspect(connection).has_table("trail_events")


def ready_engine(url: str | None = None) -> Engine:
    """An engine on a database whose schema is at the newest migration (applied on first use)."""
    engine = make_engine(url)
    if current_revision(engine) != head_revision():
        upgrade(url)
    return engine
