"""A batch of keys looked up at once (engine/store/bulk.array_parameter): on PostgreSQL sent as a binary
array, finding exactly the rows the keys name whatever characters they hold."""
from __future__ import annotations

from sqlalchemy import select

from engine.store import trail_rows
from engine.store.bulk import BinaryList
from engine.store.models import TrailHead
from engine.trail import append_event

KEYS = ["甲1号", 'quo"te', "back\\slash", "{brace},comma", "NULL", "", " blank ", "𠀀号", "tab\there", "a" * 300]


def test_heads_are_found_by_keys_of_any_characters(uow) -> None:
    with uow() as u:
        for key in KEYS:
            append_event(u.session, "penalty:" + key, "keeper", "penalty.imported", {"n": key})
        u.commit()
    with uow() as u:
        wanted = ["penalty:" + k for k in KEYS] + ["penalty:甲1", "penalty:null", "penalty:", "penalty:{brace}"]
        heads = trail_rows.lock_heads(u.session, wanted)
        assert sorted(heads) == sorted("penalty:" + k for k in KEYS)
        stored = dict(u.session.execute(select(TrailHead.case_id, TrailHead.hash)).tuples().all())
        assert all(heads[c] == (1, stored[c]) for c in heads)


def test_postgresql_takes_the_keys_as_a_binary_array(uow) -> None:
    with uow() as u:
        driver = u.session.connection().connection.driver_connection
        if u.session.get_bind().dialect.name != "postgresql":
            assert trail_rows.lock_heads(u.session, ["penalty:x"]) == {}
            return
        from psycopg.adapt import PyFormat
        from psycopg.types.array import ListBinaryDumper
        assert driver.adapters.get_dumper(BinaryList, PyFormat.AUTO) is ListBinaryDumper
