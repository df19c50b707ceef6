"""A large register file is read and made ready in a process of its own (engine/registers/imports._reader)
while the importing process writes: what it stores, says and refuses is exactly what reading the file
in the importing process gives — records and their digests, event payloads, warnings, bad rows, errors."""
from __future__ import annotations

import csv

import pytest
from sqlalchemy import select

from engine.accounts.use_cases import create_user
from engine.core.errors import InputError
from engine.credit.models import PenaltyRecordRow
from engine.credit.use_cases import from_record
from engine.registers import imports
from engine.store.db import make_engine, upgrade
from engine.store.models import TrailEvent
from engine.store.uow import UnitOfWork
from engine.trail import verify_all
from tests.credgen import write_csv
from tests.registers.test_penalties_import import do_import

pytestmark = pytest.mark.slow


def _files(tmp_path):
    """A register, then the same with rows changed (updates), warned rows and bad rows."""
    first = tmp_path / "penalties.csv"
    write_csv(first, 700)
    with open(first, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    column = header.index
    for row in rows[1:200]:
        row[column("category")] = "minor" if row[column("category")] != "minor" else "general"
    for row in rows[200:260]:
        row[column("commitment_on")] = "2016-01-01"              # before the decision: a warning
    rows[300][column("repair_result")] = "granted"              # a result without its decision: refused
    rows[301][column("party")] = "=HYPERLINK()"
    rows[302][0] = rows[5][0]                                      # a case number twice
    second = tmp_path / "changed.csv"
    with open(second, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return first, second


def _imports(uow, clerk, first, second, rejected):
    results = []
    for path, options in ((first, {}), (second, {"skip_invalid": True, "rejected_out": rejected})):
        result = do_import(uow, path, clerk, **options)
        results.append((result.imported, result.updated, result.unchanged, [str(w) for w in result.warnings],
                        [str(p) for p in result.rejected]))
    with pytest.raises(InputError) as caught:
        do_import(uow, second, clerk)
    with uow(read_only=True) as u:
        records = [(from_record(r).to_row(), r.row_sha256, r.updated_by, r.unit_code)
                   for r in u.session.scalars(select(PenaltyRecordRow).order_by(PenaltyRecordRow.id))]
        events = [(e.case_id, e.seq, e.actor, e.action, e.payload, e.payload_sha256) for e in u.session.scalars(
            select(TrailEvent).where(TrailEvent.case_id.like("penalty:%")).order_by(TrailEvent.case_id, TrailEvent.seq))]
        assert all(s.ok for s in verify_all(u.session))
    return results, str(caught.value), records, events, rejected.read_text(encoding="utf-8")


def test_the_reader_process_stores_and_says_what_reading_in_process_does(uow, clerk, tmp_path, monkeypatch):
    first, second = _files(tmp_path)
    monkeypatch.setattr(imports, "READER_BYTES", 0)              # every file read in a process of its own
    monkeypatch.setattr(imports, "_may_fork", lambda: True)      # (whatever threads the suite left running)
    assert imports._large(first)
    with_reader = _imports(uow, clerk, first, second, tmp_path / "rejected-reader.csv")

    monkeypatch.setattr(imports, "READER_BYTES", 1 << 62)        # the same, read in this process
    url = f"sqlite:///{tmp_path / 'in-process.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    with UnitOfWork(engine) as u:
        create_user(u.session, "sifasuo", "岳龙镇司法所", ["legality_reviewer"])
        u.commit()
    in_process = _imports(lambda **options: UnitOfWork(engine, **options), clerk, first, second,
                          tmp_path / "rejected-in-process.csv")
    engine.dispose()

    assert with_reader == in_process
    results, _, records, events, _ = with_reader
    assert len(records) == len(results[0][0]) == 700 and len(events) == 700 + len(results[1][1])
    assert results[1][1] and results[1][3] and results[1][4]      # updated, warned and refused rows were met


def test_an_error_in_the_reader_process_is_raised_as_it_is(uow, clerk, tmp_path, monkeypatch):
    path = tmp_path / "penalties.csv"
    write_csv(path, 300)
    with open(path, "a", encoding="utf-8", newline="") as f:
        f.write('"unterminated,quote\n')                         # the csv module's error, at the end
    monkeypatch.setattr(imports, "READER_BYTES", 0)
    monkeypatch.setattr(imports, "_may_fork", lambda: True)
    with pytest.raises(InputError) as caught:
        do_import(uow, path, clerk)
    monkeypatch.setattr(imports, "READER_BYTES", 1 << 62)
    with pytest.raises(InputError) as in_process:
        do_import(uow, path, clerk)
    assert str(caught.value) == str(in_process.value) and "penalties.csv" in str(caught.value)


def test_a_new_record_whose_chain_has_events_is_sealed_after_them(uow, clerk, tmp_path, monkeypatch, engine):
    """The reader process seals each new record's event as the first of its chain; a chain that has
    events already (its record deleted since) gets it sealed again, after them, by the importer."""
    path = tmp_path / "penalties.csv"
    write_csv(path, 300)
    monkeypatch.setattr(imports, "READER_BYTES", 0)
    monkeypatch.setattr(imports, "_may_fork", lambda: True)
    do_import(uow, path, clerk)
    with engine.begin() as connection:
        connection.execute(PenaltyRecordRow.__table__.delete())
    result = do_import(uow, path, clerk)
    assert len(result.imported) == 300
    with uow(read_only=True) as u:
        statuses = [s for s in verify_all(u.session) if s.case_id.startswith("penalty:")]
    assert len(statuses) == 300 and all(s.ok and s.verified == 2 for s in statuses)


def test_a_process_running_threads_reads_the_file_itself(tmp_path, monkeypatch):
    """The job worker runs its jobs in threads: forking there could copy a lock another thread holds
    into a child that never gets it back, so a large file is read in the importing process."""
    import threading
    path = tmp_path / "penalties.csv"
    write_csv(path, 50)
    monkeypatch.setattr(imports, "READER_BYTES", 0)
    seen: list[bool] = []
    go = threading.Event()
    other = threading.Thread(target=go.wait)
    other.start()
    try:
        worker = threading.Thread(target=lambda: seen.append(imports._large(path)))
        worker.start()
        worker.join()
    finally:
        go.set()
        other.join()
    assert seen == [False]


def test_a_reader_process_that_dies_is_said_and_nothing_is_imported(uow, clerk, tmp_path, monkeypatch, engine):
    """A reader process killed (the machine out of memory) ends the import with a sentence, and stores nothing."""
    import os
    path = tmp_path / "penalties.csv"
    write_csv(path, 50)
    monkeypatch.setattr(imports, "READER_BYTES", 0)
    monkeypatch.setattr(imports, "_may_fork", lambda: True)
    monkeypatch.setattr(imports, "_reader", lambda *args: os._exit(9))
    with pytest.raises(RuntimeError, match="子进程意外终止.*nothing imported"):
        do_import(uow, path, clerk)
    with engine.connect() as connection:
        assert connection.execute(select(PenaltyRecordRow.case_number)).first() is None
