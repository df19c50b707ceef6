"""The report's reads: the stored registers (streamed through each domain's queries)."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session


def stored_records(session: Session) -> tuple[list[Any], list[Any]]:
    """(normative documents, penalties) as stored, in register order."""
    from engine.credit.queries import iter_penalties
    from engine.documents.queries import iter_documents
    return list(iter_documents(session)), list(iter_penalties(session))
