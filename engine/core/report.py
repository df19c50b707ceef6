"""The check report: the public JSON of CASE_FORMAT §2 and the text an official reads (Chinese first)."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from engine.core.check import CheckResult
from engine.core.findings import Finding, findings_json, json_object, json_value
from engine.rulebook.stages import load_stages

VERDICTS = ("violated", "missing", "satisfied", "not_applicable", "pending")
BREACHES = ("violated", "missing")      # what stops a procedure and sets the exit status (CASE_FORMAT §2)
REASON_ZH = {"not_in_force": "当时未施行", "excluded": "不适用本条例（第三条第二款）",
             "special_procedure": "适用特别程序", "condition_not_met": "条件不具备",
             "stage_not_reached": "尚未到该环节", "calendar_unknown": "工作日安排未知",
             "running": "期限未届满", "discretionary": "可以条款，未采用", "not_binding": "该文件不约束本决策机关"}
SEVERITY_ZH = {"blocker": "阻断", "error": "违法", "warning": "警示", "info": "提示"}


def exit_status(result: CheckResult) -> int:
    """0 when no blocker or error is violated or missing, 1 when one is (CASE_FORMAT §2)."""
    for f in result.findings:
        if f.verdict in BREACHES and f.severity in ("blocker", "error"):
            return 1
    return 0


def summary(findings: list[Finding]) -> dict[str, Any]:
    """Count the verdicts; `blocking` is true when a blocker is violated or missing."""
    out: dict[str, Any] = dict.fromkeys(VERDICTS, 0)
    blocking = False
    for f in findings:
        verdict = f.verdict
        if verdict in out:
            out[verdict] += 1
            if verdict in BREACHES and not blocking and f.severity == "blocker":
                blocking = True
    out["blocking"] = blocking
    return out


def to_json(result: CheckResult, lang: str = "zh") -> dict[str, Any]:
    """The report as CASE_FORMAT §2 prints it."""
    return {
        "case": result.case_id,
        "as_of": result.as_of.isoformat(),
        "rulebook": {"jurisdiction": result.jurisdiction, "version": result.version},
        "stage": result.stage,
        "findings": [f.to_json(lang) for f in result.findings],
        "summary": summary(result.findings),
        **({"notes": [n[lang] for n in result.notes]} if result.notes else {}),
    }


def to_json_text(result: CheckResult, lang: str = "zh") -> str:
    """The report as one line of JSON, non-ASCII text as is (what `yifa check --format json` prints):
    the bytes of `json.dumps(to_json(result, lang), ensure_ascii=False)`, written in one pass."""
    text = (f'{{"case": {json_value(result.case_id)}, "as_of": {json_value(result.as_of.isoformat())}, '
            f'"rulebook": {{"jurisdiction": {json_value(result.jurisdiction)}, "version": {json_value(result.version)}}}, '
            f'"stage": {json_value(result.stage)}, "findings": [{findings_json(result.findings, lang)}], '
            f'"summary": {json_object(summary(result.findings))}')
    if result.notes:
        text += f', "notes": {json.dumps([n[lang] for n in result.notes], ensure_ascii=False)}'
    return text + "}"


def to_text(result: CheckResult, title: str = "", lang: str = "zh") -> str:
    """The report for an official: by stage, what is violated with its article, what is still needed."""
    zh = lang == "zh"
    s = summary(result.findings)
    stage_names = {st.id: (st.zh if zh else st.en) for st in load_stages()}
    lines = [_heading(result, title, stage_names, zh), _summary_line(s, zh), ""]
    reasons = {f.reason for f in result.findings if f.verdict == "not_applicable"}
    if all(f.verdict == "not_applicable" for f in result.findings):
        if reasons <= {"not_in_force"}:
            lines.append("本案所涉行为发生时，规则均未施行（如《条例》自2019年9月1日起施行）。" if zh
                         else "No rule was in force for the acts of this case (Decree 713 took effect on 2019-09-01).")
        else:
            lines.append("本案所列规则均不适用（排除事项、特别程序或条件不具备）。" if zh
                         else "No rule applies to this case (excluded matter, special procedure or conditions not met).")
    lines += [f"※ {n['zh' if zh else 'en']}" for n in result.notes] + ([""] if result.notes else [])
    by_stage: dict[str, list[Finding]] = {}
    for f in result.findings:
        by_stage.setdefault(f.stage, []).append(f)
    for stage in load_stages():
        lines += _stage_block(by_stage.get(stage.id, []), stage_names[stage.id], zh)
    unverified = [f.rule for f in result.findings if f.verdict != "not_applicable" and not f.verified]
    if unverified:
        lines.append(("※ 未经核实的规则或参数（仅供参考）：" if zh else "※ Unverified rules or parameters (for reference): ")
                     + "、".join(unverified))
    return "\n".join(lines).rstrip() + "\n"


def _heading(result: CheckResult, title: str, stage_names: dict, zh: bool) -> str:
    stage = stage_names.get(result.stage, "尚未启动" if zh else "not started") if result.stage else ("尚未启动" if zh else "not started")
    if zh:
        return (f"案件 {result.case_id} {title}\n核查日期 {result.as_of.isoformat()} · 规则库 {result.jurisdiction} "
                f"{result.version[:19]} · 当前阶段：{stage}")
    return (f"Case {result.case_id} {title}\nAs of {result.as_of.isoformat()} · rulebook {result.jurisdiction} "
            f"{result.version[:19]} · stage: {stage}")


def _summary_line(s: dict, zh: bool) -> str:
    if zh:
        text = (f"违反 {s['violated']} · 未见记录 {s['missing']} · 符合 {s['satisfied']} · 待办 {s['pending']}"
                f" · 不适用 {s['not_applicable']}")
        return text + (" · ⛔ 存在阻断性问题，程序不得继续" if s["blocking"] else "")
    text = (f"violated {s['violated']} · missing {s['missing']} · satisfied {s['satisfied']} · pending {s['pending']}"
            f" · n/a {s['not_applicable']}")
    return text + (" · ⛔ blocked: the procedure may not go on" if s["blocking"] else "")


def _stage_block(findings: list[Finding], name: str, zh: bool) -> list[str]:
    """A stage's lines: violations (✗), absent records (？), advice (建议, the `info` findings,
    never among the violations) and what is still needed (○)."""
    violated: list[Finding] = []
    missing: list[Finding] = []
    advice: list[Finding] = []
    pending: list[Finding] = []
    for f in findings:              # one pass, in the order of the rules
        verdict = f.verdict
        if verdict in BREACHES:
            (advice if f.severity == "info" else violated if verdict == "violated" else missing).append(f)
        elif verdict == "pending":
            pending.append(f)
    if not violated and not missing and not advice and not pending:
        return []
    order = ("blocker", "error", "warning", "info").index
    violated.sort(key=lambda f: order(f.severity))          # stable: by severity, then rule order
    missing.sort(key=lambda f: order(f.severity))
    lines = [f"【{name}】"]
    lang = "zh" if zh else "en"
    for f in violated:
        label = SEVERITY_ZH[f.severity] if zh else f.severity
        lines.append(f"  ✗ [{label}] {f.rule} {_cited(f.citation, zh)}：{f.message[lang]}")
    for f in missing:
        label = SEVERITY_ZH[f.severity] if zh else f.severity
        lines.append(f"  ？ [{label}·{'未见记录' if zh else 'no record'}] {f.rule} {_cited(f.citation, zh)}：{f.message[lang]}")
    for f in advice:
        lines.append(f"  ☆ {'建议' if zh else 'advice'}：{f.rule} {_cited(f.citation, zh)}：{f.message[lang]}")
    for f in pending:
        why = REASON_ZH[f.reason] if zh else f.reason
        lines.append(f"  ○ {'尚需' if zh else 'still needed'}：{f.rule} {f.title['zh' if zh else 'en']}（{_cited(f.citation, zh)}；{why}）"
                     + _due_note(f, zh))
    lines.append("")
    return lines


def _due_note(f: Finding, zh: bool) -> str:
    """The deadline's last day, for a deadline rule whose period has started."""
    due = f.due_on
    if due is None:
        return ""
    return f"（期限 {due}）" if zh else f" (due {due})"


# Notices and opinions (通知, 意见, and a document number 〔YYYY〕N号) are written in numbered parts,
# not articles: their `article: N` is part (N) (rules/CN/normative-documents.yaml).
IN_PARTS = re.compile(r"(通知|意见)(（[^）]*）)?$|〔\d{4}〕\d+号")


_CITED: dict[int, tuple[dict, str, str]] = {}     # id(a rule's citation) → (it, in Chinese, in English)


def _cited(citation: dict, zh: bool) -> str:
    """`cite(citation, zh)` of a rule's citation (the same dict for every finding of the rule), written once."""
    known = _CITED.get(id(citation))
    if known is None or known[0] is not citation:
        if len(_CITED) >= 4096:
            _CITED.clear()
        known = _CITED[id(citation)] = (citation, cite(citation, True), cite(citation, False))
    return known[1] if zh else known[2]


def cite(citation: dict, zh: bool = True) -> str:
    """Render a citation: 《重大行政决策程序暂行条例》第二十六条第二款 (or Art. 26(2))."""
    in_parts = bool(IN_PARTS.search(citation["instrument"]))
    if not zh:
        text = f"{citation['instrument']} {'part' if in_parts else 'Art.'} {citation['article']}"
        text += f"({citation['paragraph']})" if "paragraph" in citation else ""
        return text + (f" item {citation['item']}" if "item" in citation else "")
    if in_parts:
        return f"《{citation['instrument']}》第（{chinese_number(citation['article'])}）部分"
    text = f"《{citation['instrument']}》第{chinese_number(citation['article'])}条"
    if "paragraph" in citation:
        text += f"第{chinese_number(citation['paragraph'])}款"
    if "item" in citation:
        text += f"第（{chinese_number(citation['item'])}）项"
    return text


@lru_cache(maxsize=256)
def chinese_number(n: int) -> str:
    """Write 1–99 as Chinese numerals (26 → 二十六), as articles are cited."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    if n >= 100:
        return str(n)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")
