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


def report_of(session: Any, year: int, unit: str | None, as_of: Any) -> dict[str, Any]:
    """The annual report's figures from the stored records the session sees. `unit`: a unit's code
    (engine/units) — its records and those of every unit below it — or, for a word that is no
    unit's code, a prefix of the names and jurisdiction paths (figures.report)."""
    from engine.report import figures, followups
    from engine.units.queries import unit_by_code
    from engine.units.scope import current_scope, narrowed, within
    known = unit_by_code(session, unit) if unit else None
    scope = narrowed(session, current_scope(session), known.code) if known else current_scope(session)
    with within(session, scope):
        documents, penalties = stored_records(session)
        decisions = stored_decisions(session)
    data = figures.report(year, None if known else unit, as_of, followups.rulebook_version(), documents, penalties,
                          followups.done_in_year(penalties, year), followups.open_on(penalties, as_of), decisions)
    if known:
        data["unit"] = known.name
    return data
