"""The dossier of a case (立卷归档, Decree 713 Art. 33): its file, trail, evidence and verdicts, as JSON and HTML.

Event payloads are read by convention (the use cases write them): a dict holding `sha256`
(with `filename` or `name`) is an evidence digest; `rulebook` {jurisdiction, version} or
`rulebook_version` names the rules; `summary` (CASE_FORMAT §2), `report.summary` or `findings`
give the verdicts.
"""
from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from engine.core.clock import BEIJING
from engine.core.errors import UnknownCaseError
from engine.decisions.models import Attachment, CaseRecord, FindingRecord, StageEvidence
from engine.decisions.queries import (
    case_attachments,
    case_findings,
    find_case,
    stage_evidence_of,
    trail_events,
)
from engine.store.models import TrailEvent, iso_utc, utcnow
from engine.trail import KIND_ZH, ChainStatus, verify_all

FORMAT = "yifa-dossier/1"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
ACTION_ZH = {"case.create": "创建案件", "case.import": "导入案件", "case.amend": "修改案卷",
             "stage.record": "记录环节材料", "stage.amend": "更正环节材料", "stage.advance": "进入环节",
             "case.check": "合规检查", "case.adjust": "决策调整", "case.suspend": "暂停执行",
             "case.change": "决策变更", "case.stop": "停止执行", "rulebook.version": "规则库版本",
             # the actions engine/decisions/use_cases.py records
             "case.created": "创建案件", "case.imported": "导入案件", "evidence.recorded": "记录环节材料",
             "evidence.amended": "更正环节材料", "stage.advanced": "进入环节",
             "stage.advance_refused": "进入环节被拒绝", "decision.adjusted": "决策调整"}


def build_dossier(session: Session, case_id: str) -> dict[str, Any]:
    """Gather everything the archive keeps of a case, with the trail verified now."""
    case = find_case(session, case_id)
    statuses = verify_all(session, case_id)
    if case is None and not statuses:
        raise UnknownCaseError(case_id)
    events = trail_events(session, case_id)
    return {
        "format": FORMAT,
        "exported_at": iso_utc(utcnow()),
        "case": _case(case) if case else {"id": case_id},
        "document": case.document if case else None,
        "trail": _status(statuses[0] if statuses else ChainStatus(case_id, 0, "0" * 64)),
        "events": [_event(e) for e in events],
        "evidence": [_attachment(a) for a in case_attachments(session, case_id)],
        "stage_evidence": [_stage(s) for s in stage_evidence_of(session, case_id)],
        "findings": [_finding(f) for f in case_findings(session, case_id)],
        "people": _people(session, {e.actor for e in events}),
        "roles": _roles(session, {e.actor for e in events}),
    }


def _people(session: Session, usernames: set[str]) -> dict[str, str]:
    """The display name of each actor that is an account (username → name), for the printed record."""
    from engine.accounts.queries import user_by_name
    names = {}
    for username in sorted(usernames):
        user = user_by_name(session, username)
        if user is not None and user.display_name:
            names[username] = user.display_name
    return names


def _roles(session: Session, usernames: set[str]) -> dict[str, list[str]]:
    """The roles each actor that is an account holds now (username → role ids), for the printed record."""
    from engine.accounts.models import ROLES
    from engine.accounts.queries import role_names
    return {u: [r for r in ROLES if r in held] for u in sorted(usernames) if (held := role_names(session, u))}


def _case(case: CaseRecord) -> dict[str, Any]:
    return {"id": case.id, "title": case.title, "jurisdiction": case.jurisdiction, "stage": case.stage,
            "version": case.version, "created_at": iso_utc(case.created_at), "updated_at": iso_utc(case.updated_at)}


def _status(status: ChainStatus) -> dict[str, Any]:
    broken = status.broken
    return {"status": "intact" if broken is None else "broken", "verified": status.verified, "head": status.head,
            "break": None if broken is None else {"where": broken.where, "seq": broken.seq, "kind": broken.kind,
                                                  "zh": broken.zh, "en": broken.en}}


def _event(event: TrailEvent) -> dict[str, Any]:
    try:
        payload: Any = json.loads(event.payload)
    except ValueError:  # a tampered payload may not even be JSON: keep it as it is
        payload = event.payload
    return {"seq": event.seq, "at": iso_utc(event.at), "actor": event.actor, "action": event.action,
            "payload": payload, "payload_sha256": event.payload_sha256, "prev_hash": event.prev_hash,
            "hash": event.hash}


def _attachment(a: Attachment) -> dict[str, Any]:
    return {"id": a.id, "stage": a.stage, "filename": a.filename, "media_type": a.media_type, "size": a.size,
            "sha256": a.sha256, "stored_path": a.stored_path, "uploaded_by": a.uploaded_by,
            "uploaded_at": iso_utc(a.uploaded_at)}


def _stage(s: StageEvidence) -> dict[str, Any]:
    return {"stage": s.stage, "version": s.version, "recorded_by": s.recorded_by,
            "recorded_at": iso_utc(s.recorded_at), "document": s.document}


def _finding(f: FindingRecord) -> dict[str, Any]:
    return {"checked_at": iso_utc(f.checked_at), "as_of": f.as_of.isoformat(), "jurisdiction": f.jurisdiction,
            "rulebook_version": f.rulebook_version, "report": f.report}


NAMED_DIGESTS = {"document_sha256": "案卷文件 case file", "evidence_sha256": "本环节材料 evidence",
                 "previous_sha256": "修改前材料 previous evidence"}


def digests(payload: Any) -> list[tuple[str, str]]:
    """The evidence digests an event names: (label, sha256) for each dict that holds a `sha256`."""
    found: list[tuple[str, str]] = []
    if isinstance(payload, dict):
        digest = payload.get("sha256")
        if isinstance(digest, str) and _HEX64.match(digest):
            label = payload.get("filename") or payload.get("name") or payload.get("path") or ""
            found.append((str(label), digest))
        for key, label in NAMED_DIGESTS.items():          # what the use cases record (engine/decisions/use_cases.py)
            value = payload.get(key)
            if isinstance(value, str) and _HEX64.match(value):
                found.append((label, value))
        for key, value in sorted(payload.items()):
            if key != "sha256" and key not in NAMED_DIGESTS:
                found += digests(value)
    elif isinstance(payload, list):
        for value in payload:
            found += digests(value)
    return found


def rulebook_of(payload: Any) -> str | None:
    """The rulebook version an event names, if any."""
    if not isinstance(payload, dict):
        return None
    rulebook = payload.get("rulebook")
    if isinstance(rulebook, dict) and isinstance(rulebook.get("version"), str):
        return rulebook["version"]
    version = payload.get("rulebook_version") or (payload.get("version") if payload.get("jurisdiction") else None)
    return version if isinstance(version, str) else None


def verdicts_of(payload: Any) -> dict[str, Any] | None:
    """The verdict counts an event carries (CASE_FORMAT §2 summary), if any."""
    if not isinstance(payload, dict):
        return None
    for summary in (payload.get("summary"), (payload.get("report") or {}).get("summary")
                    if isinstance(payload.get("report"), dict) else None):
        if isinstance(summary, dict):
            return summary
    findings = payload.get("findings")
    if isinstance(findings, list) and all(isinstance(f, dict) for f in findings):
        counts: dict[str, Any] = {v: 0 for v in ("violated", "missing", "satisfied", "pending", "not_applicable")}
        for f in findings:
            if f.get("verdict") in counts:
                counts[f["verdict"]] += 1
        counts["blocking"] = any(f.get("verdict") in ("violated", "missing") and f.get("severity") == "blocker"
                                 for f in findings)
        return counts
    return None


def _beijing(text: str) -> str:
    return datetime.fromisoformat(text).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def stage_of(payload: Any) -> str | None:
    """The stage an event is about: the one an advance entered or was refused, or whose evidence was
    recorded (the trail payload's stage_entered / stage_refused / evidence_stage)."""
    if not isinstance(payload, dict):
        return None
    stage = payload.get("stage_entered") or payload.get("stage_refused") or payload.get("evidence_stage")
    return stage if isinstance(stage, str) else None


def _stage_name(stage: Any) -> str:
    """A stage as people read it, in Chinese with its English name: 合法性审查（Legality review）."""
    from engine.rulebook.stages import load_stages
    found = next((s for s in load_stages() if s.id == stage), None)
    return f"{found.zh}（{found.en}）" if found else str(stage or "")


def _person(actor: str, people: dict[str, str], roles: dict[str, list[str]]) -> str:
    """「赵敏（secretary）· 决策机关秘书」: the display name, the username the trail keeps, the roles."""
    from engine.accounts.models import ROLE_NAMES
    who = f"{people[actor]}（{actor}）" if people.get(actor) else actor
    held = "、".join(ROLE_NAMES[r][0] for r in roles.get(actor, []) if r in ROLE_NAMES)
    return f"{who} · {held}" if held else who


def render_html(dossier: dict[str, Any]) -> str:
    """The printable record: Chinese, with English subtitles."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("engine.decisions", "templates"), autoescape=select_autoescape(["html"]))
    env.filters.update(beijing=_beijing, short=lambda h, n=12: (h or "")[:n], stage=_stage_name)
    people = dossier.get("people", {})
    rows = [{"event": e, "action_zh": ACTION_ZH.get(e["action"], ""), "stage": stage_of(e["payload"]),
             "person": _person(e["actor"], people, dossier.get("roles", {})),
             "digests": digests(e["payload"]), "rulebook": rulebook_of(e["payload"]),
             "verdicts": verdicts_of(e["payload"])}
            for e in dossier["events"]]
    return env.get_template("dossier.html").render(d=dossier, rows=rows, kind_zh=KIND_ZH)


def export_dossier(session: Session, case_id: str, out: Path) -> tuple[Path, Path]:
    """Write `OUT/CASE.json` and `OUT/CASE.html`; give both paths."""
    dossier = build_dossier(session, case_id)
    out.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out / f"{case_id}.json", out / f"{case_id}.html"
    json_path.write_text(json.dumps(dossier, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    html_path.write_text(render_html(dossier), encoding="utf-8")
    return json_path, html_path
