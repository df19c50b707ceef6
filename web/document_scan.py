"""The clean-up scan (engine/documents/scan.py, CASE_FORMAT §5) as the register's pages show it.

    scan_params(args)                   as_of (default today) and jurisdiction (default CN), or the
                                        problems, each naming its field
    scan_findings(session, numbers, …)  a few documents judged (a list page, a document page)
    register_scan(session, params)      the whole register judged once per register state, date,
                                        jurisdiction and rulebook version, and kept in this process
    scan_download(session, params, ext, lang)
                                        the whole register's scan as a download (CSV, §5 JSON): written
                                        in the request, or by the job worker for a register of more than
                                        SCAN_JOB_ROWS documents (the request waits, then sends its file)
    instrument_numbers(params)          each cited instrument's full title → its number, so that a page
                                        names a long title once (`cited_instruments`) and cites by number
                                        (`short_cite`) in each item

The engine judges; this module only shapes its findings for the templates and remembers the
whole-register scan so that paging through its results and reloading do not scan again.

The register's state is (number of documents, number of events on the `doc:` chains). Every change
the domain makes to a document (import, update, clean-up review) appends one event to that
document's chain in the same transaction, so the second figure grows with each of them, whatever
the clocks of several hosts say (a newest `updated_at` would miss a change stamped by a host whose
clock is behind); the first also sees a row deleted beside the domain. Two aggregate queries:
≈ 0.02–0.07 s at 100,000 documents on SQLite. The kept scans are per process: each gunicorn worker
scans once for itself.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import Any, Hashable, Iterable, Mapping, Sequence

from flask import Response
from sqlalchemy.orm import Session

from engine.core import clock
from engine.core.findings import Finding
from engine.documents.facts import TOPICS
from engine.documents.models import NormativeDocumentRecord
from engine.documents.queries import documents_by_number, iter_documents
from engine.documents.queries import register_state as document_register_state
from engine.documents.scan import (
    SEVERITIES,
    DocumentScanner,
    RegisterScan,
    scan_register,
)
from engine.documents.use_cases import CHAIN_PREFIX, from_record
from engine.jobs.scans import DOCUMENTS
from engine.units.scope import limit_of
from web import scan_jobs
from web.i18n import both, cite
from web.scan_jobs import by_job, scanned_by_job

DEFAULT_JURISDICTION = "CN"
VERDICT_ORDER = ("violated", "pending", "satisfied", "not_applicable")
MAX_SCANS = 4                    # whole-register scans kept (≈ 6.5 MB for 35,000 documents needing action)
DOWNLOAD_NAME = "normative-documents-scan-{as_of}.{ext}"
LONG_TITLE = 16                  # characters: a longer instrument title is named once a page, cited by number


# ---------------------------------------------------------------- the parameters
@dataclass(frozen=True)
class ScanParams:
    as_of: date
    jurisdiction: str

    def args(self) -> dict[str, str]:
        """The query arguments that name this scan (defaults left out)."""
        out = {}
        if self.as_of != clock.today():
            out["as_of"] = self.as_of.isoformat()
        if self.jurisdiction != DEFAULT_JURISDICTION:
            out["jurisdiction"] = self.jurisdiction
        return out


def scan_params(args: Mapping[str, str]) -> tuple[ScanParams, dict[str, list[str]]]:
    """The scan's date and rulebook from the query string; a value that cannot be read is a problem
    under its field's name (the page answers 400: nothing is judged on a day nobody asked for)."""
    from engine.rulebook.loader import known_jurisdictions
    problems: dict[str, list[str]] = {}
    raw_day = (args.get("as_of") or "").strip()
    as_of = clock.today()
    if raw_day:
        try:
            as_of = clock.parse_day(raw_day)
        except ValueError:
            problems["as_of"] = [both(f"as_of：日期无效 {raw_day[:20]!r}，应为 YYYY-MM-DD",
                                      f"as_of: invalid date {raw_day[:20]!r}, expected YYYY-MM-DD")]
    jurisdiction = (args.get("jurisdiction") or "").strip() or DEFAULT_JURISDICTION
    known = known_jurisdictions()
    if jurisdiction not in known:
        problems["jurisdiction"] = [both(f"jurisdiction：未知的管辖区 {jurisdiction[:60]!r}，应为 {'、'.join(known)} 之一",
                                         f"jurisdiction: unknown jurisdiction {jurisdiction[:60]!r}; "
                                         f"one of {', '.join(known)}")]
        jurisdiction = DEFAULT_JURISDICTION
    return ScanParams(as_of, jurisdiction), problems


def scanner_for(params: ScanParams) -> DocumentScanner:
    """The scanner of that day under that jurisdiction's rulebook (compiled once per version)."""
    return DocumentScanner(params.as_of, params.jurisdiction, "native")


# ---------------------------------------------------------------- citations, each long title once a page
def instrument_numbers(params: ScanParams) -> dict[str, str]:
    """The full title of each instrument of the rulebook with a document number (国办发〔2018〕37号, 第58号)
    → that number, for the titles too long to repeat in every item (a short title, 《公平竞争审查条例》, is
    cited as it is); a law's `number` that is its revision (2021年1月22日修订) names no document."""
    book = scanner_for(params).checker.book
    return {r.instrument.title: r.instrument.number for r in book.rules
            if r.instrument.number and r.instrument.number.endswith("号") and len(r.instrument.title) > LONG_TITLE}


def short_cite(citation: dict, numbers: Mapping[str, str]) -> str:
    """A citation naming a numbered instrument by its number (第（十）部分 of 国办发〔2018〕37号), the
    page naming its full title once (`cited_instruments`); any other citation as `cite` writes it."""
    number = numbers.get((citation or {}).get("instrument", ""))
    if not number:
        return cite(citation)
    return cite({**citation, "instrument": number}).replace(f"《{number}》", number + " ")


def cited_instruments(citations: Iterable[dict], numbers: Mapping[str, str]) -> list[tuple[str, str]]:
    """(number, full title) of each numbered instrument these citations name, in order of first citation."""
    found = dict.fromkeys(c["instrument"] for c in citations if c and c.get("instrument") in numbers)
    return [(numbers[title], title) for title in found]


# ---------------------------------------------------------------- findings, as the templates read them
def finding_view(f: Finding) -> dict[str, Any]:
    """A finding in the §5 shape, with both languages of its message and its rule's title and topic
    (web/findings_html.py reads the same keys off a Finding)."""
    return {"rule": f.rule, "verdict": f.verdict, "severity": f.severity, "citation": f.citation,
            "message": f.message, "verified": f.verified, "facts": f.facts, "reason": f.reason,
            "title": f.title, "topic": f.stage}


def needs_action(findings: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The findings that put a document on the to-do list (§5: violated, severity warning or above),
    most severe first."""
    hits = [f for f in findings if f.get("verdict") == "violated" and f.get("severity") in SEVERITIES[:3]]
    return sorted(hits, key=lambda f: SEVERITIES.index(f["severity"]))


def worst(findings: Iterable[Mapping[str, Any]]) -> str | None:
    """The most severe severity among these findings (None for none)."""
    seen = {f["severity"] for f in findings}
    return next((s for s in SEVERITIES if s in seen), None)


def by_topic(findings: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The findings under the register's topics (content, legality review, publication, filing,
    validity, clean-up), each split by verdict, violated most severe first."""
    groups = []
    for topic in TOPICS:
        mine = [f for f in findings if f["topic"] == topic.id]
        if not mine:
            continue
        group: dict[str, Any] = {"topic": topic, "stage": topic.id}
        for verdict in VERDICT_ORDER:
            group[verdict] = [f for f in mine if f["verdict"] == verdict]
        group["violated"].sort(key=lambda f: SEVERITIES.index(f["severity"]))
        groups.append(group)
    return groups


def scan_records(records: Iterable[NormativeDocumentRecord], params: ScanParams,
                 actions_only: bool = False) -> dict[str, list[dict[str, Any]]]:
    """These stored documents' findings as of `params.as_of`, by number (every finding, or only those
    that need action)."""
    scanner = scanner_for(params)
    out: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        scan = scanner.scan_one(from_record(record))
        out[record.number] = [finding_view(f) for f in (scan.actions() if actions_only else scan.findings)]
    return out


def scan_findings(session: Session, numbers: list[str], as_of: date, jurisdiction: str = DEFAULT_JURISDICTION,
                  actions_only: bool = False) -> dict[str, list[dict[str, Any]]]:
    """The findings of the documents with these numbers as of a day, by number (a number not in the
    register is left out)."""
    records = documents_by_number(session, numbers)
    return scan_records((records[n] for n in numbers if n in records), ScanParams(as_of, jurisdiction), actions_only)


# ---------------------------------------------------------------- the whole register, once
def register_state(session: Session) -> tuple[int, int]:
    """(documents, events on their chains): changes whenever the register does (see the module's docstring)."""
    return document_register_state(session, CHAIN_PREFIX)


def _scan_register(session: Session, scanner: DocumentScanner, params: ScanParams) -> RegisterScan:
    """Scan every document of the session's register (what the session's units cover)."""
    return scan_register(scanner, iter_documents(session))


_lock = threading.Lock()
_scans: OrderedDict[Hashable, RegisterScan] = OrderedDict()
_building: dict[Hashable, threading.Lock] = {}


def register_scan(session: Session, params: ScanParams) -> tuple[RegisterScan, bool]:
    """The whole register judged as of `params.as_of` under `params.jurisdiction` — scanned once per
    (database, units the session covers, register state, day, jurisdiction, rulebook version); gives
    (scan, whether it was kept)."""
    scanner = scanner_for(params)
    key = (str(session.get_bind().engine.url), limit_of(session), register_state(session), params.as_of,
           params.jurisdiction, scanner.rulebook["version"])
    with _lock:
        hit = _scans.get(key)
        if hit is not None:
            _scans.move_to_end(key)
            return hit, True
        gate = _building.setdefault(key, threading.Lock())
    with gate:                                      # one scan per key at a time; the others wait for it
        with _lock:
            hit = _scans.get(key)
        if hit is not None:
            return hit, True
        try:
            result = _scan_register(session, scanner, params) if not by_job(key[2][0]) else \
                scanned_by_job(session, DOCUMENTS, key[2], params.as_of, params.jurisdiction, key[5])
        except BaseException:
            with _lock:
                _building.pop(key, None)
            raise
        with _lock:
            _scans[key] = result
            _building.pop(key, None)
            while len(_scans) > MAX_SCANS:
                _scans.popitem(last=False)
    return result, False


# ---------------------------------------------------------------- the downloads
def scan_download(session: Session, params: ScanParams, ext: str, lang: str) -> Response:
    """The session's whole register judged as of `params.as_of`, as the worklist CSV (`ext` csv) or
    §5 JSON (json) in `lang` (web/scan_jobs.scan_download: by the job worker for a large register)."""
    return scan_jobs.scan_download(session, DOCUMENTS, register_state(session), params.as_of, params.jurisdiction,
                                   scanner_for(params).rulebook["version"], {"format": ext, "lang": lang},
                                   DOWNLOAD_NAME.format(as_of=params.as_of.isoformat(), ext=ext))


def clear() -> None:
    """Forget every kept scan (tests)."""
    with _lock:
        _scans.clear()


__all__ = ["DEFAULT_JURISDICTION", "RegisterScan", "ScanParams", "by_topic", "clear", "finding_view",
           "needs_action", "register_scan", "register_state", "scan_download", "scan_findings", "scan_params",
           "scan_records", "worst"]
