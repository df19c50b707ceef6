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
    if known or not unit:
        data["by_unit"] = units_compared(session, scope, known.code if known else None, year)
    return data


BY_UNIT = ("decisions.total", "documents.issued", "documents.evaluated", "penalties.decided", "penalties.repaired")


def units_compared(session: Any, scope: Any, unit: str | None, year: int) -> list[dict[str, Any]]:
    """The headline figures of each unit directly below `unit` (the top of the tree when None), each
    with the units below it, that the scope covers (the unit's own records first): [{"unit", "code",
    "figures"}], for
    the report's comparison by unit ("figures": key, zh, en, count of BY_UNIT). Empty when there is only one unit to show."""
    from datetime import date

    from engine.report import figures
    from engine.units.queries import unit_tree
    from engine.units.scope import narrowed, within
    tree = unit_tree(session)
    top = unit or next((u.code for u in tree if u.parent_code is None), None)
    below = [u for u in tree if u.parent_code == top and scope.covers(u.code)]
    if top is None or not below:
        return []
    rows = []
    for child in [next(u for u in tree if u.code == top), *below]:
        part = narrowed(session, scope, child.code)
        if child.code == top:                      # the unit's own records, without those below it
            part = type(scope)(frozenset({top}) & part.units if part.units is not None else frozenset({top}))
        with within(session, part):
            documents, penalties = stored_records(session)
            decisions = stored_decisions(session)
        counted = figures.report(year, None, date(year, 12, 31), "", documents, penalties, (), (), decisions)
        found = {f["key"]: f for section in counted["sections"].values() for f in section}
        rows.append({"unit": child.name + ("（本级）" if child.code == top else ""), "code": child.code,
                     "figures": [{"key": key, "zh": found[key]["zh"], "en": found[key]["en"],
                                  "count": found[key]["count"]} for key in BY_UNIT if key in found]})
    return rows
