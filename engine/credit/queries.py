"""Reads of the administrative-penalty register (CASE_FORMAT §4): one page of the list, the
authorities, one penalty, penalties by number, every penalty in register order (and the CSV export
of them), the register's state. Each takes the session and plain values."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.credit.models import PenaltyRecordRow
from engine.registers.csvio import write_table
from engine.registers.queries import StoredRegister, distinct_values, where_contains, where_equal

if TYPE_CHECKING:
    from engine.credit.use_cases import PenaltyRecord

# sort key → (column, descending); the default first. Ties keep register order (id).
SORTS = {"-decided_on": ("decided_on", True), "decided_on": ("decided_on", False),
         "case_number": ("case_number", False), "-case_number": ("case_number", True),
         "authority": ("authority", False), "-authority": ("authority", True)}
DEFAULT_SORT = "-decided_on"


def penalty_filters(authority: str = "", category: str = "", decided_from: date | None = None,
                    decided_to: date | None = None, q: str = "") -> list[Any]:
    """The WHERE clauses of the list's filters (empty: any); `q` is contained in the number, the
    party or the credit code."""
    p = PenaltyRecordRow
    where = where_equal(p, authority=authority, category=category)
    where += [p.decided_on >= decided_from] if decided_from else []
    where += [p.decided_on <= decided_to] if decided_to else []
    return where + where_contains(q, p.case_number, p.party, p.credit_code)


PENALTIES = StoredRegister(PenaltyRecordRow, "case_number", SORTS, "engine.credit.use_cases")
all_penalties = PENALTIES.every
penalty_page, penalty_count, penalty_digests = PENALTIES.page, PENALTIES.count, PENALTIES.digests
penalty_by_number, penalties_by_number = PENALTIES.by_key, PENALTIES.by_keys


def penalty_authorities(session: Session, limit: int) -> list[str]:
    """The distinct stored authorities (the authority index), alphabetical, at most `limit`."""
    return distinct_values(session, PenaltyRecordRow.authority, limit)


def iter_penalties(session: Session, batch: int = 2000, authority: str | None = None) -> Iterator[PenaltyRecord]:
    """Every stored row (of one authority) in register order, read in batches (a register of any size)."""
    where = [PenaltyRecordRow.authority == authority] if authority is not None else []
    return PENALTIES.records(session, batch, *where)


def export_penalties(session: Session, stream: Any, bom: bool = True, headers: str = "en",
                     fmt: str = "csv") -> int:
    """Write the register in the §4 format: CSV (UTF-8 with BOM unless `bom=False`, to a text
    stream) or .xlsx (to a binary stream), English or Chinese headers; gives the number of rows."""
    from engine.credit.use_cases import TABLE
    rows = [p.to_row() for p in iter_penalties(session)]
    return write_table(rows, TABLE, stream, fmt, headers, bom, title="行政处罚登记表")


def register_state(session: Session) -> tuple[int, int | None, datetime | None]:
    """(rows, newest id, newest change) of penalty_records: changes whenever the register does."""
    p = PenaltyRecordRow
    count, top, changed = session.execute(select(func.count(), func.max(p.id), func.max(p.updated_at))).one()
    return int(count or 0), top, changed
