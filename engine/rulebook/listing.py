"""`yifa rules list`: every rule with its citation and verification status."""
from __future__ import annotations

import json

VERIFIED_ZH = {"V1": "已核实(全文)", "V2": "已核实(转载)", False: "未核实"}


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
