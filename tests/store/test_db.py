"""Choosing the database, migrating it, and the unit of work."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.orm.exc import StaleDataError

from engine.core import schema
from engine.core.errors import ConflictError, UnknownCaseError
from engine.decisions.models import CaseRecord, FindingRecord
from engine.decisions.queries import get_case
from engine.store import db
from engine.store.db import current_revision, database_url, head_revision, normalize_url, upgrade
from engine.store.models import RulebookVersion
from engine.store.uow import UnitOfWork
from tests.conftest import _admin_connection

TABLES = {"cases", "catalogue_items", "stage_evidence", "attachments", "findings", "rulebook_versions", "users",
          "unit_roles", "units", "api_tokens", "trail_events", "trail_heads", "digest_claims", "alembic_version"}


def test_a_postgresql_url_is_pointed_at_psycopg_3(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db:5432/yifa")
    assert database_url() == "postgresql+psycopg://u:p@db:5432/yifa"
    assert normalize_url("postgres://h/db") == "postgresql+psycopg://h/db"
    assert normalize_url("postgresql+psycopg://h/db") == "postgresql+psycopg://h/db"


def test_without_database_url_sqlite_lives_in_the_instance_folder_which_is_created(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("YIFA_INSTANCE", str(tmp_path / "inst"))
    assert database_url() == f"sqlite:///{tmp_path / 'inst' / 'yifa.sqlite3'}"
    assert (tmp_path / "inst").is_dir()


def test_migrations_create_every_table_and_running_them_again_changes_nothing(db_url, engine):
    assert TABLES <= set(inspect(engine).get_table_names())
    assert upgrade(db_url) == head_revision() == current_revision(engine)
    with engine.connect() as connection:
        trail = {c["name"] for c in inspect(connection).get_columns("trail_events")}
        assert trail == {"case_id", "seq", "at", "actor", "action", "payload", "payload_sha256", "prev_hash", "hash"}


def test_the_migrated_schema_is_exactly_what_the_models_describe(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, schema.metadata) == []


def test_a_unit_of_work_keeps_nothing_unless_committed(uow):
    with uow() as u:
        u.session.add(CaseRecord(id="A", title="t", jurisdiction="CN", document={}))
    with uow() as u:
        u.session.add(CaseRecord(id="B", title="t", jurisdiction="CN", document={}))
        u.commit()
    with pytest.raises(RuntimeError), uow() as u:
        u.session.add(CaseRecord(id="C", title="t", jurisdiction="CN", document={}))
        u.session.flush()
        raise RuntimeError("a use case failed half way")
    with uow(read_only=True) as u:
        assert u.session.scalars(select(CaseRecord.id)).all() == ["B"]


def test_an_editor_who_read_an_older_version_gets_a_conflict_naming_both_versions(uow):
    with uow() as u:
        u.session.add(CaseRecord(id="A", title="原标题", jurisdiction="CN", document={"id": "A"}))
        u.commit()
    with uow() as first:
        get_case(first.session, "A", expected_version=1).title = "第一人修改"
        first.commit()
    with uow() as second, pytest.raises(ConflictError, match="version 1, now 2"):
        get_case(second.session, "A", expected_version=1)
    with uow(read_only=True) as u, pytest.raises(UnknownCaseError):
        get_case(u.session, "B")


def test_two_transactions_updating_one_case_without_its_lock_the_second_is_refused(uow, engine):
    """The version column is the backstop behind the row lock (get_case(for_update=True)): a writer
    that changed the case without taking the lock fails, it never overwrites."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite writers hold the write lock from BEGIN IMMEDIATE: they cannot interleave")
    with uow() as u:
        u.session.add(CaseRecord(id="A", title="原标题", jurisdiction="CN", document={"id": "A"}))
        u.commit()
    with uow() as first, uow() as second:
        mine, theirs = first.session.get(CaseRecord, "A"), second.session.get(CaseRecord, "A")
        mine.title = "第一人修改"
        first.commit()
        theirs.title = "第二人修改"
        with pytest.raises(StaleDataError):
            second.commit()
    with uow(read_only=True) as u:
        case = u.session.get(CaseRecord, "A")
        assert (case.title, case.version) == ("第一人修改", 2)


@pytest.mark.parametrize("expected", [None, 1], ids=["without-version", "read-at-version-1"])
def test_two_writers_loading_one_case_for_update_take_turns_on_both_databases(uow, expected):
    """The second writer waits for the first (PostgreSQL: the row lock; SQLite: BEGIN IMMEDIATE), then
    reads what the first left: without an expected version it writes on top, with one it is refused."""
    with uow() as u:
        u.session.add(CaseRecord(id="A", title="原标题", jurisdiction="CN", document={"id": "A"}))
        u.commit()
    first_loaded, first_may_commit = threading.Event(), threading.Event()

    def first() -> None:
        with uow() as u:
            get_case(u.session, "A", 1, for_update=True).title = "第一人修改"
            u.session.flush()
            first_loaded.set()
            first_may_commit.wait(10)
            u.commit()

    def second() -> int:
        assert first_loaded.wait(10)
        with uow() as u:
            case = u.session.get(CaseRecord, "A")       # an older copy in the session does not hide the change
            case = get_case(u.session, "A", expected, for_update=True)
            case.title += "，第二人再改"
            u.commit()
            return case.version

    with ThreadPoolExecutor(2) as pool:
        done_first, done_second = pool.submit(first), pool.submit(second)
        assert first_loaded.wait(10)
        time.sleep(0.3)
        assert not done_second.done()           # waiting for the first writer's lock
        first_may_commit.set()
        done_first.result(10)
        if expected is None:
            assert done_second.result(35) == 3
        else:
            with pytest.raises(ConflictError, match="version 1, now 2"):
                done_second.result(35)
    with uow(read_only=True) as u:
        case = u.session.get(CaseRecord, "A")
        title = "第一人修改" + ("，第二人再改" if expected is None else "")
        assert (case.title, case.version) == (title, 3 if expected is None else 2)


def test_a_finding_keeps_the_rulebook_version_that_produced_it(uow):
    with uow() as u:
        u.session.add(CaseRecord(id="A", title="t", jurisdiction="CN", document={}))
        u.session.add(RulebookVersion(version="sha256:" + "a" * 64, jurisdiction="CN", files={"CN/x.yaml": "规则"}))
        u.session.flush()
        u.session.add(FindingRecord(case_id="A", as_of=date(2024, 1, 2), rulebook_version="sha256:" + "a" * 64,
                                    jurisdiction="CN", report={"summary": {"violated": 0}}))
        u.commit()
    with uow(read_only=True) as u:
        finding = u.session.scalars(select(FindingRecord)).one()
        assert finding.as_of == date(2024, 1, 2)
        assert u.session.get(RulebookVersion, finding.rulebook_version).files == {"CN/x.yaml": "规则"}


def test_the_rulebook_chain_name_cannot_be_taken_by_a_case(uow):
    from sqlalchemy.exc import IntegrityError
    with uow() as u, pytest.raises(IntegrityError):
        u.session.add(CaseRecord(id="rulebook", title="t", jurisdiction="CN", document={}))
        u.session.flush()


def test_a_token_from_before_expiries_is_given_one_by_the_migration(db_url):
    """0006 added `expires_at` empty; 0007 gives such a token the default 90 days from the upgrade."""
    from datetime import timedelta

    from sqlalchemy import text

    from engine.accounts.models import ApiToken
    from engine.core import clock
    from engine.store.db import make_engine

    assert upgrade(db_url, "0006") == "0006"
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO users (username, display_name, active, session_version, created_at) "
                                    "VALUES ('old', 'old', true, 0, :at)"), {"at": "2020-01-01T00:00:00+00:00"})
            connection.execute(text("INSERT INTO api_tokens (username, token_hash, created_at) "
                                    "VALUES ('old', :digest, :at)"),
                               {"digest": "0" * 64, "at": "2020-01-01T00:00:00+00:00"})
        before = clock.now()
        assert upgrade(db_url) == head_revision()
        with engine.connect() as connection:
            expires = connection.execute(select(ApiToken.expires_at)).scalar_one()
        assert before + timedelta(days=90) <= expires <= clock.now() + timedelta(days=90)
    finally:
        engine.dispose()


# ---------------------------------------------------------------- a pooled connection that went away
def _backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()


def _kill_backend(pid: int) -> None:
    with _admin_connection() as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0] is True
    time.sleep(0.2)                                  # the backend is gone once it has read the signal


@pytest.fixture
def one_connection(postgresql_url) -> Iterator[Engine]:
    """An engine on a fresh PostgreSQL database whose pool holds one connection."""
    engine = db.make_engine(postgresql_url, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def test_a_pooled_connection_killed_while_idle_is_replaced_before_the_next_request_uses_it(
        one_connection, monkeypatch):
    """The server dropped a connection that lay idle in the pool (a restart, a firewall): the next
    unit of work gets a fresh one instead of an error."""
    pid = _backend_pid(one_connection)
    _kill_backend(pid)
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)          # it has lain idle "long enough"
    with UnitOfWork(one_connection, read_only=True) as u:
        assert u.session.execute(text("SELECT 1")).scalar_one() == 1
    assert _backend_pid(one_connection) != pid


def test_a_connection_handed_back_a_moment_ago_is_used_without_a_ping(one_connection, monkeypatch):
    """No round trip is spent testing a connection that was in use a moment ago (a busy server
    would pay one per request); one idle longer than PING_AFTER_IDLE_SECONDS is tested."""
    pings: list[object] = []
    real_ping = one_connection.dialect.do_ping
    monkeypatch.setattr(one_connection.dialect, "do_ping", lambda conn: pings.append(conn) or real_ping(conn))
    _backend_pid(one_connection)                      # a new connection: tested once
    tested_when_new = len(pings)
    for _ in range(3):
        _backend_pid(one_connection)
    assert len(pings) == tested_when_new
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)
    _backend_pid(one_connection)
    assert len(pings) == tested_when_new + 1
