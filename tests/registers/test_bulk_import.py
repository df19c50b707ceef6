"""Big penalty-register imports (CASE_FORMAT §4) on SQLite and PostgreSQL: no statement with a
parameter per row (PostgreSQL refuses more than 65,535), a verifiable trail, all or nothing."""
from __future__ import annotations

import csv

import pytest

from engine.core.errors import InputError
from engine.credit.models import PenaltyRecordRow
from engine.store.models import TrailEvent
from engine.trail import verify_all
from tests.credgen import write_csv
from tests.registers.test_penalties_import import count, do_import

pytestmark = pytest.mark.slow


@pytest.fixture
def postgresql_only(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("the 65,535-parameter limit is PostgreSQL's")


def test_70000_rows_import_on_postgresql_past_the_parameter_limit(postgresql_only, uow, clerk, tmp_path):
    path = tmp_path / "penalties.csv"
    write_csv(path, 70_000)
    result = do_import(uow, path, clerk)
    assert len(result.imported) == 70_000
    assert count(uow) == 70_000 and count(uow, TrailEvent) == 70_000


def test_the_trail_verifies_after_a_bulk_import(uow, clerk, tmp_path):
    path = tmp_path / "penalties.csv"
    write_csv(path, 12_000)                       # more than two write batches
    do_import(uow, path, clerk)
    with uow(read_only=True) as u:
        statuses = [s for s in verify_all(u.session) if s.case_id.startswith("penalty:")]
    assert len(statuses) == 12_000 and all(s.ok for s in statuses)


def test_a_bad_row_in_the_middle_of_a_big_file_writes_nothing(uow, clerk, tmp_path):
    path = tmp_path / "penalties.csv"
    write_csv(path, 12_000)
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    rows[6_001][header.index("decided_on")] = "not a date"   # line 6,002 of the file
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)
    with pytest.raises(InputError) as caught:
        do_import(uow, path, clerk)
    message = str(caught.value)
    assert "penalties.csv" in message and "6002" in message.replace(",", "") and "decided_on" in message
    assert count(uow, PenaltyRecordRow) == 0 and count(uow, TrailEvent) == 0


def test_a_bulk_write_meeting_a_row_stored_meanwhile_is_refused_whole_naming_the_table(uow, clerk, tmp_path):
    """What an import of the same register running at the same time leaves: the first one's rows.
    The second's bulk insert meets them (PostgreSQL waits for the first to commit, then refuses the
    key): said as what it is, not as an internal error, and nothing of the second is stored."""
    from engine.core.errors import WrittenMeanwhileError
    from engine.credit.use_cases import import_penalties
    from engine.store.bulk import insert_many
    path = tmp_path / "penalties.csv"
    write_csv(path, 10)
    with uow() as u:
        import_penalties(u, path, clerk)
        stored = u.session.query(PenaltyRecordRow).first()
        columns = {a.columns[0].name: getattr(stored, a.key) for a in PenaltyRecordRow.__mapper__.column_attrs
                   if a.key not in ("id", "created_at", "updated_at")}
        u.commit()
    with uow() as u, pytest.raises(WrittenMeanwhileError) as caught:
        insert_many(u.session, PenaltyRecordRow.__table__, [columns])
    assert caught.value.status == 409 and caught.value.exit == 1
    assert "penalty_records" in str(caught.value) and "请稍后重试" in str(caught.value)
    assert count(uow, PenaltyRecordRow) == 10


def test_events_of_one_chain_appended_together_advance_its_head_one_by_one(uow):
    from engine.store.trail_rows import chain_heads
    from engine.trail import append_event, append_events
    with uow() as u:
        append_event(u.session, "bulk:1", "a", "made", {"n": 0})
        append_events(u.session, [("bulk:1", "a", "more", {"n": 1}), ("bulk:2", "a", "made", {"n": 0}),
                                  ("bulk:1", "a", "more", {"n": 2})])
        u.commit()
    with uow(read_only=True) as u:
        heads = chain_heads(u.session)
        statuses = {s.case_id: s for s in verify_all(u.session) if s.case_id.startswith("bulk:")}
    assert heads["bulk:1"][0] == 3 and heads["bulk:2"][0] == 1
    assert statuses["bulk:1"].ok and statuses["bulk:2"].ok


def test_a_batch_s_lookups_on_postgresql_go_by_the_indexes_and_the_planner_is_left_as_it_was(
        db_url, uow, clerk, tmp_path, monkeypatch):
    """The tables grow by the import itself, unanalysed: the planner takes them for small and would
    read each whole for each batch's lookup (a million rows: 36 s of sequential scans). Every
    batch's records and heads are looked up by their indexes, whatever the planner thinks of the
    tables' sizes; the transaction plans as before once the import is over."""
    from sqlalchemy import text

    from engine.credit.use_cases import import_penalties
    from engine.registers import imports
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's planner")
    plans: list[str] = []
    write_batch = imports._write_batch

    def explained(session, register, batch, *args, **kwargs):
        keys = [r[imports.KEY] for r in batch]
        for query, wanted in (("SELECT * FROM penalty_records WHERE case_number = ANY(:keys)", keys),
                              ("SELECT * FROM trail_heads WHERE case_id = ANY(:keys) FOR UPDATE",
                               ["penalty:" + k for k in keys])):
            for _ in range(6):           # past psycopg's preparing and the server's generic plan
                plan = "\n".join(session.execute(text("EXPLAIN " + query), {"keys": wanted}).scalars())
            plans.append(plan)
        return write_batch(session, register, batch, *args, **kwargs)

    monkeypatch.setattr(imports, "_write_batch", explained)
    path = tmp_path / "penalties.csv"
    write_csv(path, 12_000)                       # three batches, the second and third into 5,000 rows
    with uow() as u:
        import_penalties(u, path, clerk)
        after = u.session.execute(text("SHOW enable_seqscan")).scalar_one()
        u.commit()
    assert len(plans) == 6 and not [p for p in plans if "Seq Scan" in p], plans
    assert after == "on"


def test_on_sqlite_the_import_has_its_page_cache_and_the_connection_its_own_afterwards(
        db_url, uow, clerk, tmp_path, monkeypatch):
    """SQLite's page cache is SQLITE_CACHE_KIB while the rows are written, then what it was: also
    after a refused file."""
    from sqlalchemy import text

    from engine.credit.use_cases import import_penalties
    from engine.registers import imports
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's page cache")
    during: list[int] = []
    write_batch = imports._write_batch

    def watched(session, *args, **kwargs):
        during.append(session.execute(text("PRAGMA cache_size")).scalar_one())
        return write_batch(session, *args, **kwargs)

    monkeypatch.setattr(imports, "_write_batch", watched)
    path = tmp_path / "penalties.csv"
    write_csv(path, 6_000)
    with uow() as u:
        before = u.session.execute(text("PRAGMA cache_size")).scalar_one()
        import_penalties(u, path, clerk)
        assert u.session.execute(text("PRAGMA cache_size")).scalar_one() == before
        path.write_text(path.read_text(encoding="utf-8") + "broken,row\n", encoding="utf-8")
        with pytest.raises(InputError):
            import_penalties(u, path, clerk)
        assert u.session.execute(text("PRAGMA cache_size")).scalar_one() == before
    assert during and set(during) == {-imports.SQLITE_CACHE_KIB} and before != -imports.SQLITE_CACHE_KIB
