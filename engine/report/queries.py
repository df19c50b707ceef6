"""The report's reads: the stored registers (streamed through each domain's queries)."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session


def stored_records(session: Session) -> tuple[list[Any], list[Any]]:
    """(normative documents, penalties) as stored, in register order."""
    from engine.credit.queries import iter_penalties
    from engine.documents.queries import iter_documents
    return list(iter_documents(session)), list(iter_penalties(session))


def stored_decisions(session: Session) -> list[tuple[str, dict[str, Any], Any]]:
    """(case id, case file, its latest stored check report or None) of every stored decision."""
    from engine.decisions.queries import case_files, latest_finding
    out = []
    for case_id, document in case_files(session):
        finding = latest_finding(session, case_id)
        out.append((case_id, document, finding.report if finding is not None else None))
    return out
