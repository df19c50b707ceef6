"""`yifa rules list`: every rule with its citation and verification status."""
from __future__ import annotations

import json

VERIFIED_ZH = {"V1": "已核实(全文)", "V2": "已核实(转载)", False: "未核实"}


def list_unverified(jurisdictions: list[str], fmt: str = "text") -> str:
    """Every rule and parameter marked `verified: false`, with its file, id and note (the reason),
    for a legal advisor to confirm; each is listed once, under the jurisdiction whose file holds it."""
    rows = unverified_items(jurisdictions)
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1)
    lines = [f"未核实的规则和参数：{len(rows)} 项 / unverified rules and parameters: {len(rows)}"]
    for r in rows:
        kind = "规则 rule" if r["kind"] == "rule" else "参数 parameter"
        where = f"{r['file']}:{r['line']}" if r["line"] else r["file"]
        lines.append(f"{where}  {kind}  {r['id']}  {r['title']}")
        lines.append(f"    理由 / reason: {r['note'] or '（未写明 / none given）'}")
    return "\n".join(lines)


def unverified_items(jurisdictions: list[str]) -> list[dict]:
    from engine.rulebook.loader import read_rulebook
    rows, seen = [], set()
    for j in jurisdictions:
        for level in read_rulebook(j).chain:
            for source in level.files:
                if source.rel in seen or source.parsed is None:
                    continue
                seen.add(source.rel)
                parsed = source.parsed
                for section in ("parameters", "parameter_overrides"):
                    for name, p in getattr(parsed, section).items():
                        if p.verified is False:
                            rows.append(_row(level.folder, source, "parameter", name, p.title.zh,
                                             _reason(p), source.line((section, name))))
                for i, rule in enumerate(parsed.rules):
                    if rule.verified is False:
                        rows.append(_row(level.folder, source, "rule", rule.id, rule.title.zh,
                                         _reason(rule), source.line(("rules", i))))
    return rows


def _reason(item) -> object:
    """Why it is unverified: its note, else the note of its citation."""
    return item.note if item.note is not None else getattr(item.citation, "note", None)


def _row(jurisdiction: str, source, kind: str, ident: str, title: str, note, line) -> dict:
    if note is not None and not isinstance(note, str):
        note = f"{note.zh} / {note.en}"
    return {"jurisdiction": jurisdiction, "file": source.rel, "line": line, "kind": kind, "id": ident,
            "title": title, "note": note}


def list_rules(jurisdictions: list[str], fmt: str = "text") -> str:
    """List the rules of each jurisdiction (rules of an ancestor once, under the ancestor)."""
    from engine.core.check import checker_for
    from engine.core.report import cite
    rows = []
    for j in jurisdictions:
        for rd in checker_for(j).book.rules:
            if rd.jurisdiction == j:
                rows.append({"jurisdiction": j, "rule": rd.id, "title": rd.rule.title.zh,
                             "severity": rd.severity, "verified": rd.rule.verified,
                             "checked": rd.rule.checked, "citation": rd.citation,
                             "stage": rd.rule.stage})
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1)
    lines = []
    for r in rows:
        checked = "" if r["checked"] else " 〔非机器核查 not machine-checked〕"
        lines.append(f"{r['jurisdiction']:<22} {r['rule']:<18} {r['severity']:<8} {VERIFIED_ZH[r['verified']]:<8} "
                     f"{cite(r['citation'])} {r['title']}{checked}")
    return "\n".join(lines)
