"""The database itself refuses to rewrite history: triggers on trail_events and trail_heads."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from engine.trail import append_event


@pytest.fixture
def three_events(uow):
    with uow() as u:
        for n in range(3):
            append_event(u.session, "C", "official", "note", {"n": n})
        u.commit()


@pytest.mark.parametrize("sql", [
    "UPDATE trail_events SET actor = 'mallory' WHERE seq = 2",
    "UPDATE trail_events SET payload = '{}' WHERE case_id = 'nobody'",
    "DELETE FROM trail_events WHERE seq = 3",
    "DELETE FROM trail_events",
])
@pytest.mark.slow
def test_updating_or_deleting_an_event_is_refused_by_the_database(engine, three_events, sql):
    if "nobody" in sql and engine.dialect.name == "sqlite":
        pytest.skip("SQLite row triggers do not fire when no row matches (nothing is changed either)")
    with engine.connect() as connection, pytest.raises(DBAPIError, match="trail_events is append-only"):
        connection.execute(text(sql))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*), min(actor) FROM trail_events")).one() == (3, "official")


def test_truncating_the_trail_is_refused_on_postgresql(engine, three_events):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE (DELETE without WHERE is refused above)")
    with engine.connect() as connection, pytest.raises(DBAPIError, match="trail_events is append-only"):
        connection.execute(text("TRUNCATE trail_events"))


@pytest.mark.parametrize("sql", [
    "UPDATE trail_heads SET seq = 2, hash = (SELECT hash FROM trail_events WHERE seq = 2)",
    "UPDATE trail_heads SET hash = 'f00'",
    "DELETE FROM trail_heads",
])
@pytest.mark.slow
def test_a_chain_head_cannot_be_moved_back_forged_or_removed(engine, three_events, sql):
    with engine.connect() as connection, pytest.raises(DBAPIError, match="trail_heads is append-only"):
        connection.execute(text(sql))


def test_appending_is_still_allowed(uow, three_events):
    with uow() as u:
        assert append_event(u.session, "C", "official", "note", {"n": 3}).seq == 4
        u.commit()
