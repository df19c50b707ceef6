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
