"""Scan the normative-document register as of a day (CASE_FORMAT §5).

    documents ─ checker (domain normative_document) ─▶ findings per document ─▶ summary
                                                                              ─▶ JSON · table · CSV

Every document lists every machine-checked rule of the register's rulebook, in the §2 finding
shape. A document *needs action* when one of its findings is `violated` with severity warning or
above; `summary.by_issuer` counts those documents per issuing organ. The scan is a stream: a
register of any size is judged one document at a time, and the JSON is written as it goes.
"""
from __future__ import annotations

import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Callable, Iterable, Iterator, TextIO

from engine.core.check import Checker, checker_for
from engine.core.domains import DOCUMENT
from engine.core.findings import Finding
from engine.registers.scanned import Scanned, write_actions_csv
from engine.rulebook.model import SEVERITY_RANK

ACTION_RANK = SEVERITY_RANK["warning"]


class DocumentScan(Scanned):
    """One document's verdicts on the scan date; its findings are built when first asked for."""

    __slots__ = ("document",)
    scanner: "DocumentScanner"

    def __init__(self, document: Any, scanner: "DocumentScanner", facts: dict, branches: list[int]):
        super().__init__(scanner, facts, branches)
        self.document = document

    def action_rules(self) -> list[str]:
        """The rules violated with severity warning or above (what needs action), in rulebook order."""
        acts = self.scanner.acts
        return [acts[i][1] for i, b in enumerate(self.branches) if acts[i][0][b]]

    @property
    def needs_action(self) -> bool:
        acts = self.scanner.acts
        return any(acts[i][0][b] for i, b in enumerate(self.branches))

    def gaps(self) -> list[Finding]:
        """The `missing` findings of severity warning or above (a process column not recorded: CASE_FORMAT
        §3, extended), most severe first. They do not make the document need action (§5), but a
        blocker or error among them makes the scan's exit status 1 (§2)."""
        gaps = self.scanner.gaps
        hits = [f for i, (f, b) in enumerate(zip(self.findings, self.branches)) if gaps[i][b]]
        return sorted(hits, key=lambda f: -SEVERITY_RANK[f.severity])

    def actions(self) -> list[Finding]:
        """The violated findings of severity warning or above, most severe first."""
        acts = self.scanner.acts
        hits = [f for i, (f, b) in enumerate(zip(self.findings, self.branches)) if acts[i][0][b]]
        return sorted(hits, key=lambda f: -SEVERITY_RANK[f.severity])

    def to_json(self, lang: str = "zh") -> dict[str, Any]:
        return {"number": self.document.number, "findings": [f.to_json(lang) for f in self.findings]}


@dataclass
class Summary:
    """Counts over the whole register (CASE_FORMAT §5 `summary`)."""
    documents: int = 0
    needing_action: int = 0
    by_rule: Counter = field(default_factory=Counter)
    by_issuer: Counter = field(default_factory=Counter)
    blocking: bool = False            # a blocker or error is violated or missing (exit status 1, as in §2)
    unrecorded: int = 0               # documents with a `missing` finding (text report only; not in §5's JSON)

    def add(self, scan: DocumentScan) -> None:
        self.documents += 1
        gaps = scan.gaps() if scan.scanner.can_miss else []
        if gaps:
            self.unrecorded += 1
            self.blocking = self.blocking or any(f.severity in ("blocker", "error") for f in gaps)
        rules = scan.action_rules()
        if not rules:
            return
        self.needing_action += 1
        self.by_issuer[scan.document.issuer] += 1
        self.by_rule.update(rules)
        if not self.blocking:
            self.blocking = any(scan.scanner.blocking_rule[r] for r in rules)

    def to_json(self) -> dict[str, Any]:
        return {"documents": self.documents, "needing_action": self.needing_action,
                "by_rule": dict(sorted(self.by_rule.items())),
                "by_issuer": dict(sorted(self.by_issuer.items(), key=lambda kv: (-kv[1], kv[0])))}


class DocumentScanner:
    """The rules of one jurisdiction's rulebook for documents, applied as of one day."""

    def __init__(self, as_of: date, jurisdiction: str = "CN", engine: str = "native",
                 checker: Checker | None = None):
        self.as_of, self.engine = as_of, engine
        self.checker = checker or checker_for(jurisdiction, domain=DOCUMENT)
        # per rule: (for each branch, does it need action?, the rule id)
        self.acts = [(tuple(b.verdict == "violated" and SEVERITY_RANK[cr.rule.severity] >= ACTION_RANK
                            for b in cr.branches), cr.rule.id) for cr in self.checker.compiled]
        self.blocking_rule = {cr.rule.id: cr.rule.severity in ("blocker", "error") for cr in self.checker.compiled}
        # per rule: for each branch, is it a `missing` finding of severity warning or above?
        self.gaps = [tuple(b.verdict == "missing" and SEVERITY_RANK[cr.rule.severity] >= ACTION_RANK
                           for b in cr.branches) for cr in self.checker.compiled]
        self.can_miss = any(any(g) for g in self.gaps)

    @property
    def rulebook(self) -> dict[str, str]:
        return {"jurisdiction": self.checker.book.jurisdiction, "version": self.checker.book.version}

    def scan_one(self, document: Any) -> DocumentScan:
        facts, branches = self.checker.verdicts(document, self.as_of, self.engine)
        return DocumentScan(document, self, facts, branches)

    def scan(self, documents: Iterable[Any], progress: Callable[[int], None] | None = None) -> Iterator[DocumentScan]:
        """Judge each document in turn (`progress(n)` after each)."""
        for n, document in enumerate(documents, 1):
            yield self.scan_one(document)
            if progress is not None:
                progress(n)


def write_json(scanner: DocumentScanner, scans: Iterable[DocumentScan], out: TextIO, lang: str = "zh") -> Summary:
    """Write CASE_FORMAT §5's JSON, one document at a time; gives the summary."""
    summary = Summary()
    head = {"as_of": scanner.as_of.isoformat(), "rulebook": scanner.rulebook}
    out.write(json.dumps(head, ensure_ascii=False, indent=2)[:-2] + ',\n  "documents": [')
    for i, scan in enumerate(scans):
        summary.add(scan)
        out.write(("," if i else "") + "\n    " + json.dumps(scan.to_json(lang), ensure_ascii=False))
    out.write("\n  ],\n  \"summary\": " + json.dumps(summary.to_json(), ensure_ascii=False) + "\n}\n")
    return summary


def _said(finding: Any, lang: str) -> str:
    """A finding's message in the language asked (every judged finding has one)."""
    return finding.message[lang] if finding.message else ""


CSV_COLUMNS = ("number", "title", "issuer", "rule", "severity", "verified", "instrument", "article", "message")


def write_csv(scans: Iterable[DocumentScan], out: TextIO, lang: str = "zh") -> Summary:
    """One row per finding that needs action (what a clean-up worklist in Excel wants)."""
    def row(scan: DocumentScan, f: Finding) -> list:
        d = scan.document
        return [d.number, d.title, d.issuer, f.rule, f.severity, str(f.verified).lower(),
                f.citation["instrument"], _article(f.citation, lang), _said(f, lang)]
    return write_actions_csv(scans, out, CSV_COLUMNS, Summary(), row)


DOWNLOADS = ("csv", "json")       # the register's scan as the web offers it


def write_download(scanner: DocumentScanner, documents: Iterable[Any], fmt: str, out: TextIO, lang: str = "zh",
                   progress: Callable[[int], None] | None = None) -> Summary:
    """The scan of these documents as a download: `csv` the worklist (write_csv), `json` CASE_FORMAT §5
    (write_json) — the same text whether a web request or the job worker writes it."""
    if fmt not in DOWNLOADS:
        raise ValueError(f"no scan download {fmt!r}")
    scans = scanner.scan(documents, progress)
    return write_csv(scans, out, lang) if fmt == "csv" else write_json(scanner, scans, out, lang)


def write_table(scanner: DocumentScanner, scans: Iterable[DocumentScan], out: TextIO, lang: str = "zh") -> Summary:
    """The text report: each document needing action with what and why, then the summary."""
    zh = lang == "zh"
    summary = Summary()
    out.write((f"行政规范性文件清理扫描 · 截至 {scanner.as_of} · 规则集 {scanner.rulebook['jurisdiction']} "
               f"{scanner.rulebook['version'][:19]}\n\n") if zh else
              f"Normative-document scan · as of {scanner.as_of} · rulebook {scanner.rulebook['jurisdiction']} "
              f"{scanner.rulebook['version'][:19]}\n\n")
    for scan in scans:
        summary.add(scan)
        actions = scan.actions()
        gaps = scan.gaps() if scanner.can_miss else []
        if not actions and not gaps:
            continue
        d = scan.document
        out.write(f"■ {d.number}　{d.title}（{d.issuer}）\n")
        for f in actions:
            flag = "" if f.verified else ("　〔含未核实参数或条文〕" if zh else "  [unverified]")
            out.write(f"  {_severity(f.severity, zh)} {f.rule} {_article(f.citation, lang)}：{_said(f, lang)}{flag}\n")
        for f in gaps:
            out.write(f"  {'【未见记录】' if zh else '[not recorded]'}{_severity(f.severity, zh)} {f.rule} "
                      f"{_article(f.citation, lang)}：{_said(f, lang)}\n")
        out.write("\n")
    out.write(_summary_text(summary, zh))
    return summary


def _summary_text(summary: Summary, zh: bool) -> str:
    lines = [f"共 {summary.documents} 件，需处理 {summary.needing_action} 件" if zh else
             f"{summary.documents} documents, {summary.needing_action} needing action"]
    if summary.unrecorded:
        lines.append(f"制定程序未见记录 {summary.unrecorded} 件（须补充登记，不计入需处理）" if zh else
                     f"{summary.unrecorded} with drafting steps not recorded (to be completed; not counted as needing action)")
    if summary.by_issuer:
        lines.append("按制定机关：" if zh else "By issuer:")
        lines += [f"  {issuer}　{n}" for issuer, n in summary.to_json()["by_issuer"].items()]
    if summary.by_rule:
        lines.append("按问题（规则）：" if zh else "By problem (rule):")
        lines += [f"  {rule}　{n}" for rule, n in summary.to_json()["by_rule"].items()]
    return "\n".join(lines) + "\n"


SEVERITY_ZH = {"blocker": "【阻断】", "error": "【违法】", "warning": "【警示】", "info": "【提示】"}


def _severity(severity: str, zh: bool) -> str:
    return SEVERITY_ZH[severity] if zh else f"[{severity}]"


def _article(citation: dict, lang: str) -> str:
    from engine.core.report import cite
    return cite(citation, lang == "zh")


class ProgressBar:
    """A one-line progress bar on stderr for large registers (only on a terminal, or when forced)."""

    def __init__(self, total: int | None, stream: TextIO = sys.stderr, force: bool = False, every: int = 500,
                 label: str = "扫描 scanning"):
        self.total, self.stream, self.every, self.label = total, stream, every, label
        self.on = force or (stream.isatty() and (total is None or total >= 2000))

    def __call__(self, n: int) -> None:
        if not self.on or (n % self.every and n != self.total):
            return
        if self.total:
            filled = min(30, int(30 * n / self.total))
            self.stream.write(f"\r{self.label} [{'█' * filled}{'·' * (30 - filled)}] {n:,}/{self.total:,}")
        else:
            self.stream.write(f"\r{self.label} {n:,}")
        self.stream.flush()

    def done(self) -> None:
        if self.on:
            self.stream.write("\n")
            self.stream.flush()


__all__ = ["DocumentScan", "DocumentScanner", "ProgressBar", "Summary", "write_csv", "write_download", "write_json",
           "write_table"]


# ---------------------------------------------------------------- the whole register, as its pages keep it
SEVERITIES = ("blocker", "error", "warning", "info")          # most severe first


@dataclass(frozen=True)
class RuleInfo:
    id: str
    title: dict[str, str]
    citation: dict[str, Any]
    severity: str
    topic: str


@dataclass(frozen=True, slots=True)
class Todo:
    """A document that needs action: its number, issuer and the rules it violates (rulebook order)."""
    number: str
    issuer: str
    rules: tuple[str, ...]
    worst: str


@dataclass(frozen=True)
class RegisterScan:
    """The whole register judged on one day: what the scan page shows and keeps (web/document_scan.py,
    or the queue's store when a worker scanned it, engine/jobs/scans.py)."""
    as_of: date
    rulebook: dict[str, str]         # {"jurisdiction", "version"}, as §5 writes it
    summary: dict[str, Any]          # Summary.to_json(): documents, needing_action, by_rule, by_issuer
    todo: tuple[Todo, ...]           # register order
    rules: dict[str, RuleInfo]       # every rule the scan judged, rulebook order
    seconds: float                   # how long the scan took
    scanned_at: datetime             # when (UTC)

    def by_rule(self) -> list[tuple[RuleInfo, int]]:
        """The rules violated, most documents first (ties: rulebook order)."""
        order = {rid: i for i, rid in enumerate(self.rules)}
        counts = self.summary["by_rule"]
        return [(self.rules[rid], counts[rid]) for rid in sorted(counts, key=lambda r: (-counts[r], order[r]))]


def scan_register(scanner: DocumentScanner, documents: Iterable[Any],
                  progress: Callable[[int], None] | None = None) -> RegisterScan:
    """Judge every document (a stream of register rows) and keep what the scan page shows: the
    summary and, for each document needing action, its number, issuer and rules."""
    compiled = scanner.checker.compiled
    severity = {cr.rule.id: cr.rule.severity for cr in compiled}
    rules = {cr.rule.id: RuleInfo(cr.rule.id, cr.rule.rule.title.model_dump(), cr.rule.citation, cr.rule.severity,
                                  cr.rule.rule.stage) for cr in compiled}
    shared: dict[Any, Any] = {}                     # one copy of each issuer and each combination of rules
    summary = Summary()
    todo = []
    start = time.perf_counter()
    for scan in scanner.scan(documents, progress):
        summary.add(scan)
        hits = scan.action_rules()
        if hits:
            hit_rules = shared.setdefault(tuple(hits), tuple(hits))
            issuer = shared.setdefault(scan.document.issuer, scan.document.issuer)
            todo.append(Todo(scan.document.number, issuer, hit_rules,
                             next(s for s in SEVERITIES if any(severity[r] == s for r in hit_rules))))
    return RegisterScan(scanner.as_of, scanner.rulebook, summary.to_json(), tuple(todo), rules,
                        time.perf_counter() - start, datetime.now(timezone.utc))
