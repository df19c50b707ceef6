"""Scan the decision catalogue as of a day (Decree 713 Art. 3(3); the shape of CASE_FORMAT §5).

    catalogue items + stored cases ─ entries ─ checker (domain decision_catalogue) ─▶ findings ─▶ summary
                                                                                  ─▶ JSON · table · CSV

The entries (engine/catalogue/facts.py): each catalogue (year/unit), each of its items with the
case that carries it out — the row's `case_id`, else a stored case whose `in_catalogue` names the
item — and each stored case that names an item (found or not; a case a row's `case_id` names counts
as naming that row's item) or that names none while its
decision body (`decision_body.name`) keeps a catalogue for the case's year (the year of
`initiation.started_on`, else `proposed_on`, else the collective decision). A case excluded by
Art. 3(2) is not a catalogue matter and is left out. Every entry lists every rule of the
catalogue's rulebook in the §2 finding shape; an entry *needs action* when one of its findings is
`violated` with severity warning or above.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Iterable, Iterator, TextIO

from engine.catalogue.facts import Entry
from engine.catalogue.record import CatalogueItem, catalogue_name, parse_catalogue_name
from engine.core.check import Checker, checker_for
from engine.core.domains import CATALOGUE
from engine.core.findings import Finding
from engine.core.report import SEVERITY_ZH, cite
from engine.registers.scanned import write_actions_csv
from engine.rulebook.model import SEVERITY_RANK

ACTION_RANK = SEVERITY_RANK["warning"]


@dataclass(frozen=True)
class StoredCase:
    """What the scan reads of a decision case file (CASE_FORMAT §1)."""

    id: str
    unit: str | None
    year: int | None
    decided_on: date | None
    excluded: bool
    catalogue: str | None
    item: str | None

    @classmethod
    def of(cls, case_id: str, document: dict) -> "StoredCase":
        def day(*path: str) -> date | None:
            value: Any = document
            for part in path:
                value = value.get(part) if isinstance(value, dict) else None
            try:
                return date.fromisoformat(value) if isinstance(value, str) else value if isinstance(value, date) else None
            except ValueError:
                return None
        started = day("initiation", "started_on") or day("initiation", "proposed_on") or day("collective_decision", "held_on")
        body: Any = document.get("decision_body")
        ref: Any = document.get("in_catalogue")
        body, ref = (body if isinstance(body, dict) else {}), (ref if isinstance(ref, dict) else {})
        item = ref.get("item")
        return cls(case_id, body.get("name"), started.year if started else None, day("collective_decision", "held_on"),
                   bool(document.get("exclusion")), ref.get("catalogue"), None if item is None else str(item))


def entries(items: Iterable[CatalogueItem], cases: Iterable[tuple[str, dict]]) -> list[Entry]:
    """The scan's entries: each catalogue and its items, then the cases (by id) that concern a catalogue."""
    by_catalogue: dict[str, list[CatalogueItem]] = defaultdict(list)
    for item in items:
        by_catalogue[item.catalogue].append(item)
    stored = {c.id: c for c in (StoredCase.of(i, d) for i, d in cases)}
    naming: dict[tuple[str, str], list[str]] = defaultdict(list)
    for c in sorted(stored.values(), key=lambda c: c.id):
        if c.catalogue and c.item:
            naming[(c.catalogue.strip(), c.item.strip())].append(c.id)
    out: list[Entry] = []
    for name, rows in by_catalogue.items():
        out.append(_catalogue_entry(name, rows))
        out += [_item_entry(row, stored, naming) for row in rows]
    keys = {(i.catalogue, i.item) for rows in by_catalogue.values() for i in rows}
    row_cases = {i.case_id: i for rows in by_catalogue.values() for i in rows if i.case_id}
    for c in sorted(stored.values(), key=lambda c: c.id):
        if not (c.catalogue and c.item) and c.id in row_cases:      # the catalogue's row names the case
            row = row_cases[c.id]
            c = StoredCase(c.id, c.unit, c.year, c.decided_on, c.excluded, row.catalogue, row.item)
        entry = _case_entry(c, by_catalogue, keys)
        if entry is not None:
            out.append(entry)
    return out


def _earliest(values: Iterable[date | None]) -> date | None:
    return min((v for v in values if v is not None), default=None)


def _catalogue_entry(name: str, rows: list[CatalogueItem]) -> Entry:
    first = rows[0]
    return Entry("catalogue", first.year, first.unit, name, published_on=_earliest(r.published_on for r in rows),
                 party_consent_on=_earliest(r.party_consent_on for r in rows))


def _item_entry(row: CatalogueItem, stored: dict[str, StoredCase], naming: dict) -> Entry:
    case_id = row.case_id or next(iter(naming.get((row.catalogue, row.item), [])), None)
    case = stored.get(case_id) if case_id else None
    return Entry("item", row.year, row.unit, row.catalogue, item=row.item, title=row.title, category=row.category,
                 planned=row.planned, published_on=row.published_on, party_consent_on=row.party_consent_on,
                 case_id=case_id, adjusted_reason=row.adjusted_reason, case_found=case is not None,
                 case_decided_on=case.decided_on if case else None)


def _case_entry(c: StoredCase, by_catalogue: dict, keys: set) -> Entry | None:
    if c.excluded:
        return None
    if c.catalogue and c.item:
        named = parse_catalogue_name(c.catalogue)
        year, unit = named if named else (c.year or 0, c.unit or "")
        return Entry("case", year, unit, c.catalogue.strip(), item=c.item.strip(), case_id=c.id, in_catalogue=True,
                     item_found=(c.catalogue.strip(), c.item.strip()) in keys,
                     catalogue_found=c.catalogue.strip() in by_catalogue, case_decided_on=c.decided_on)
    if c.unit and c.year and catalogue_name(c.year, c.unit) in by_catalogue:
        return Entry("case", c.year, c.unit, catalogue_name(c.year, c.unit), case_id=c.id, in_catalogue=False,
                     catalogue_found=True, case_decided_on=c.decided_on)
    return None


class EntryScan:
    """One entry's verdicts on the scan date."""

    def __init__(self, entry: Entry, findings: list[Finding]):
        self.entry, self.findings = entry, findings

    def actions(self) -> list[Finding]:
        """The violated findings of severity warning or above, most severe first."""
        hits = [f for f in self.findings if f.verdict == "violated" and SEVERITY_RANK[f.severity] >= ACTION_RANK]
        return sorted(hits, key=lambda f: -SEVERITY_RANK[f.severity])

    def to_json(self, lang: str = "zh") -> dict[str, Any]:
        e = self.entry
        return {"kind": e.kind, "catalogue": e.catalogue, "item": e.item, "case": e.case_id,
                "findings": [f.to_json(lang) for f in self.findings]}


@dataclass
class Summary:
    """Counts over the scan (the `summary` of CASE_FORMAT §5, per kind of entry)."""
    catalogues: int = 0
    items: int = 0
    cases: int = 0
    needing_action: int = 0
    by_rule: Counter = field(default_factory=Counter)
    blocking: bool = False            # a blocker or error is violated (exit status 1, as in §2)

    def add(self, scan: EntryScan) -> None:
        kind = scan.entry.kind
        self.catalogues += kind == "catalogue"
        self.items += kind == "item"
        self.cases += kind == "case"
        actions = scan.actions()
        if actions:
            self.needing_action += 1
            self.by_rule.update(f.rule for f in actions)
            self.blocking = self.blocking or any(f.severity in ("blocker", "error") for f in actions)

    def to_json(self) -> dict[str, Any]:
        return {"catalogues": self.catalogues, "items": self.items, "cases": self.cases,
                "needing_action": self.needing_action, "by_rule": dict(sorted(self.by_rule.items()))}


class CatalogueScanner:
    """The catalogue rules of one jurisdiction's rulebook, applied as of one day."""

    def __init__(self, as_of: date, jurisdiction: str = "CN", engine: str = "native", checker: Checker | None = None):
        self.as_of, self.engine = as_of, engine
        self.checker = checker or checker_for(jurisdiction, domain=CATALOGUE)

    @property
    def rulebook(self) -> dict[str, str]:
        return {"jurisdiction": self.checker.book.jurisdiction, "version": self.checker.book.version}

    def scan(self, items: Iterable[Entry]) -> Iterator[EntryScan]:
        for entry in items:
            facts, branches = self.checker.verdicts(entry, self.as_of, self.engine)
            yield EntryScan(entry, self.checker.findings(facts, branches))


@dataclass(frozen=True)
class Action:
    """A finding that needs action, as the scan page lists it: plain values (a job keeps it)."""
    rule: str
    severity: str
    message: dict[str, str] | None      # {"zh", "en"}
    verified: bool
    due_on: str | None


@dataclass(frozen=True)
class EntryActions:
    """An entry and its findings that need action, most severe first."""
    entry: Entry
    actions: tuple[Action, ...]


@dataclass(frozen=True)
class CatalogueScan:
    """A whole scan as the scan page shows it: how many entries of each kind, and those that need
    action. Plain values, made in the request or kept by a job for a large register
    (engine/jobs/scans.py) — not the findings themselves, which hold their compiled rulebook."""
    rulebook: dict[str, str]
    counts: dict[str, int]              # entries of each kind: catalogue, item, case
    todo: tuple[EntryActions, ...]


def scan_catalogue(scanner: CatalogueScanner, items: Iterable[CatalogueItem], cases: Iterable[tuple[str, dict]],
                   progress: Callable[[int], None] | None = None) -> CatalogueScan:
    """Every entry of the items and the stored cases judged (`read_entries`)."""
    counts = dict.fromkeys(("catalogue", "item", "case"), 0)
    todo = []
    for scan in scanner.scan(read_entries(items, cases, progress)):
        counts[scan.entry.kind] += 1
        actions = tuple(_action(f) for f in scan.actions())
        if actions:
            todo.append(EntryActions(scan.entry, actions))
    return CatalogueScan(scanner.rulebook, counts, tuple(todo))


def read_entries(items: Iterable[CatalogueItem], cases: Iterable[tuple[str, dict]],
                 progress: Callable[[int], None] | None = None) -> list[Entry]:
    """The scan's entries (`entries`); `progress(n)` is told how many items and cases have been read
    (reading the cases' files is most of a scan's work)."""
    read = 0

    def counted(rows: Iterable[Any]) -> Iterator[Any]:
        nonlocal read
        for row in rows:
            read += 1
            if progress is not None:
                progress(read)
            yield row
    return entries(list(counted(items)), counted(cases))


def _action(f: Finding) -> Action:
    message = f.message
    return Action(f.rule, f.severity, None if message is None else {"zh": message["zh"], "en": message["en"]},
                  f.verified, f.due_on)


def write_json(scanner: CatalogueScanner, scans: Iterable[EntryScan], out: TextIO, lang: str = "zh") -> Summary:
    """Write the scan as JSON (CASE_FORMAT §5's shape, entries under `items`); gives the summary."""
    summary = Summary()
    items = []
    for scan in scans:
        summary.add(scan)
        items.append(scan.to_json(lang))
    report = {"as_of": scanner.as_of.isoformat(), "rulebook": scanner.rulebook, "items": items,
              "summary": summary.to_json()}
    out.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    return summary


CSV_COLUMNS = ("kind", "catalogue", "item", "case", "rule", "severity", "verified", "article", "message")


def write_csv(scans: Iterable[EntryScan], out: TextIO, lang: str = "zh") -> Summary:
    """One row per finding that needs action."""
    def row(scan: EntryScan, f: Finding) -> list:
        e = scan.entry
        return [e.kind, e.catalogue, e.item or "", e.case_id or "", f.rule, f.severity,
                str(f.verified).lower(), _article(f.citation, lang), (f.message or {}).get(lang, "")]
    return write_actions_csv(scans, out, CSV_COLUMNS, Summary(), row)


def _severity(severity: str, zh: bool) -> str:
    return f"【{SEVERITY_ZH[severity]}】" if zh else f"[{severity}]"


def _article(citation: dict, lang: str) -> str:
    return cite(citation, lang == "zh")


KIND_LABEL = {"catalogue": ("目录", "catalogue"), "item": ("事项", "item"), "case": ("案件", "case")}


def entry_label(entry: Entry, zh: bool) -> str:
    """How the text report and the web page name an entry."""
    kind = KIND_LABEL[entry.kind][0 if zh else 1]
    if entry.kind == "catalogue":
        return f"{kind} {entry.catalogue}"
    if entry.kind == "item":
        return f"{kind} {entry.catalogue} 第{entry.item}项　{entry.title}" if zh else \
            f"{kind} {entry.catalogue} #{entry.item}  {entry.title}"
    return f"{kind} {entry.case_id}"


def write_table(scanner: CatalogueScanner, scans: Iterable[EntryScan], out: TextIO, lang: str = "zh") -> Summary:
    """The text report: each entry needing action with what and why, then the summary."""
    zh = lang == "zh"
    summary = Summary()
    book = scanner.rulebook
    out.write(f"决策事项目录扫描 · 截至 {scanner.as_of} · 规则集 {book['jurisdiction']} {book['version'][:19]}\n\n" if zh else
              f"Decision catalogue scan · as of {scanner.as_of} · rulebook {book['jurisdiction']} {book['version'][:19]}\n\n")
    for scan in scans:
        summary.add(scan)
        actions = scan.actions()
        if not actions:
            continue
        out.write(f"■ {entry_label(scan.entry, zh)}\n")
        for f in actions:
            flag = "" if f.verified else ("　〔含未核实参数或条文〕" if zh else "  [unverified]")
            out.write(f"  {_severity(f.severity, zh)} {f.rule} {_article(f.citation, lang)}：{(f.message or {}).get(lang, '')}{flag}\n")
        out.write("\n")
    s = summary
    out.write(f"目录 {s.catalogues} 个，事项 {s.items} 项，相关案件 {s.cases} 件；需处理 {s.needing_action} 条\n" if zh else
              f"{s.catalogues} catalogues, {s.items} items, {s.cases} cases; {s.needing_action} needing action\n")
    for rule, n in s.to_json()["by_rule"].items():
        out.write(f"  {rule}　{n}\n")
    return summary


__all__ = ["CatalogueScanner", "EntryScan", "StoredCase", "Summary", "entries", "entry_label", "write_csv",
           "write_json", "write_table"]
