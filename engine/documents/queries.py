"""Reads of the normative-document register (CASE_FORMAT §3): one page of the list, the issuers,
one document, documents by number, every document in register order (and the CSV export of them),
the register's state. Each takes the session and plain values."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from engine.documents.models import NormativeDocumentRecord
from engine.registers.csvio import write_table
from engine.registers.queries import (
    StoredRegister,
    chain_events,
    distinct_values,
    where_contains,
    where_equal,
)

if TYPE_CHECKING:
    pass

# sort key → (column, descending); the default first. Ties keep register order (id).
SORTS = {"-issued_on": ("issued_on", True), "issued_on": ("issued_on", False),
         "number": ("number", False), "-number": ("number", True),
         "-expires_on": ("expires_on", True), "expires_on": ("expires_on", False),
         "-last_reviewed_on": ("last_reviewed_on", True), "last_reviewed_on": ("last_reviewed_on", False)}
DEFAULT_SORT = "-issued_on"


def document_filters(issuer: str = "", status: str = "", kind: str = "", q: str = "") -> list[Any]:
    """The WHERE clauses of the list's filters (empty: any); `q` is contained in the number or title."""
    d = NormativeDocumentRecord
    return where_equal(d, issuer=issuer, status=status, kind=kind) + where_contains(q, d.number, d.title)


DOCUMENTS = StoredRegister(NormativeDocumentRecord, "number", SORTS, "engine.documents.use_cases")
all_documents = DOCUMENTS.every
document_page, document_count, document_digests = DOCUMENTS.page, DOCUMENTS.count, DOCUMENTS.digests
document_by_number, documents_by_number, iter_documents = DOCUMENTS.by_key, DOCUMENTS.by_keys, DOCUMENTS.records


def document_issuers(session: Session, limit: int) -> list[str]:
    """The distinct issuers, alphabetical, at most `limit`."""
    return distinct_values(session, NormativeDocumentRecord.issuer, limit)


def export_documents(session: Session, stream: Any, bom: bool = True, headers: str = "en",
                     fmt: str = "csv") -> int:
    """Write the register in the §3 format: CSV (UTF-8 with BOM unless `bom=False`, to a text
    stream) or .xlsx (to a binary stream), English or Chinese headers; gives the number of rows.
    The optional process columns follow the §3 columns, all five, when any document records one of
    them, so a register that does not keep the process exports as it always did."""
    from engine.documents.use_cases import PROCESS_COLUMNS, TABLE
    rows = [d.to_row() for d in iter_documents(session)]
    process = any(name in row for row in rows for name in PROCESS_COLUMNS)
    columns = tuple(c for c in TABLE if process or not c.optional)
    return write_table(rows, columns, stream, fmt, headers, bom, title="规范性文件登记表", every_column=True)


def register_state(session: Session, chain_prefix: str) -> tuple[int, int]:
    """(documents, events on their trail chains): changes whenever the register does."""
    return int(document_count(session)), chain_events(session, chain_prefix)


__all__ = ["DEFAULT_SORT", "SORTS", "all_documents", "document_by_number", "document_count", "document_filters",
           "document_issuers", "document_page", "documents_by_number", "export_documents", "iter_documents",
           "register_state"]
