"""Blueprint `api` (/api): the JSON API over the same services as the CLI and the pages.

Authentication: `Authorization: Bearer yifa_…` (engine.accounts.use_cases.issue_token), or the session
cookie plus the header `X-CSRFToken` on state-changing calls. Errors have one shape
(web/errors.py): {"error": {"code", "message_zh", "message_en", "problems": [...]}}; a case
file that does not follow the format gives 400 with every problem {file, path, message, line},
exactly as the CLI words them. The OpenAPI document is at /api/openapi.json (web/openapi.py).

POST /api/check and POST /api/cases/<id>/trail/verify write nothing: their unit of work is
read-only (opened before the user is loaded), so on SQLite they never queue for the write lock.
"""
from __future__ import annotations

import json
from datetime import date
from typing import Any

from flask import Blueprint, jsonify, request

from engine.accounts.access import RECORDERS
from engine.accounts.models import ApiToken
from engine.accounts.queries import token_by_id
from engine.accounts.use_cases import TOKEN_DAYS, is_expired, issue_token, revoke_token, tokens_of
from engine.core import clock
from engine.core.errors import GateClosedError, InputError
from engine.core.yamlio import LoadedYaml
from engine.decisions import use_cases as services
from engine.decisions.queries import case_summaries, get_case, latest_finding, trail_events
from engine.decisions.record import parse_case
from engine.trail import verify_all
from web.auth import EVERYONE, current_user, role_required, safe_for_readers
from web.db import get_uow
from web.errors import ErrorInfo, refuse, respond

bp = Blueprint("api", __name__, url_prefix="/api")

REQUEST = "<request>"                 # the "file" named in the problems of a request body
CREATORS = ("official", "admin")
MOVERS = tuple(RECORDERS)  # record evidence / advance: the recording roles; the services check the stage's role
ADJUSTERS = ("secretary", "admin")
READ_ONLY_POSTS = {"api.check", "api.verify_trail"}


@bp.url_value_preprocessor
def _read_only_unit_of_work(endpoint: str | None, values: Any) -> None:
    """A read-only unit of work for the POSTs that write nothing (runs before the user is loaded)."""
    if endpoint in READ_ONLY_POSTS:
        get_uow(read_only=True)


# ---------------------------------------------------------------- request helpers
def _body() -> dict:
    """The JSON object of the request, or a 400 naming the problem."""
    data = _json_body() if request.is_json else None
    if not isinstance(data, dict):
        raise InputError.single(REQUEST, "请求体应为 JSON 对象（Content-Type: application/json）/ "
                                         "the body must be a JSON object (Content-Type: application/json)")
    return data


def _json_body() -> Any:
    """The body read as the CLI reads a .json file (engine.core.yamlio.load_json): duplicate keys,
    NaN, lone surrogates, too deep nesting and oversized numbers are refused with their reason."""
    from engine.core.yamlio import load_json
    try:
        text = request.get_data().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError.single(REQUEST, f"不是有效的 UTF-8 编码（第 {exc.start + 1} 字节） / "
                                         f"not valid UTF-8 (byte {exc.start + 1})") from None
    return load_json(text, REQUEST).data


def _date(value: Any, field: str, default: date | None = None) -> date:
    if value in (None, "") and default is not None:
        return default
    try:
        return date.fromisoformat(value) if isinstance(value, str) else _bad_date(field, value)
    except ValueError:
        return _bad_date(field, value)


def _bad_date(field: str, value: Any) -> date:
    raise InputError.single(REQUEST, f"日期无效，应为 YYYY-MM-DD，实际为 {json.dumps(value, ensure_ascii=False)} / "
                                     f"invalid date, expected YYYY-MM-DD, got {json.dumps(value, ensure_ascii=False)}", field)


def _text(data: dict, field: str, required: bool = True) -> str:
    value = data.get(field)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise InputError.single(REQUEST, "缺少必填字段或应为文本 / required text field missing or not text", field)
    return value


def _version(data: dict) -> int | None:
    value = data.get("version")
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InputError.single(REQUEST, "版本号应为正整数 / version must be a positive integer", "version")
    return value


def _jurisdiction_problem(e: InputError, source: str) -> InputError:
    """An unknown jurisdiction is a problem of the case file's `jurisdiction` field (as in the CLI)."""
    if any(p.path == "jurisdiction" for p in e.problems):
        return InputError.single(source, e.problems[0].message, "jurisdiction")
    return e


def _outcome(o: services.Outcome) -> dict:
    return {"case": o.case_id, "version": o.version, "stage": o.stage, "event_seq": o.event_seq,
            "report": o.report, **o.extra}


# ---------------------------------------------------------------- cases
@bp.get("/cases")
@role_required(*EVERYONE)
def list_cases() -> Any:
    """Every case on a day (?as_of=, default today): stage, blocked (with the closing rules), overdue, next due
    date (engine.decisions.queries.case_status), violations at the last check."""
    return jsonify({"cases": [{
        "id": c.id, "title": c.title, "jurisdiction": c.jurisdiction, "stage": c.stage,
        "created_by": c.created_by, "updated_at": c.updated_at.isoformat(),
        "blocked": c.blocked, "blocked_at": c.blocked_at, "blocking_rules": list(c.blocking_rules),
        "overdue": bool(c.overdue), "overdue_rules": [{"rule": o.rule, "due_on": o.due_on} for o in c.overdue],
        "next_due": c.next_due.isoformat() if c.next_due else None,
        "violated": c.violated, "blocking": c.blocking}
        for c in case_summaries(get_uow().session, as_of=_date(request.args.get("as_of"), "as_of", clock.today()))]})


@bp.post("/cases")
@role_required(*CREATORS)
def create_case() -> Any:
    """Create a case from a case file sent as JSON; 201 with its first report."""
    data = _body()
    as_of = _date(request.args.get("as_of"), "as_of", clock.today())
    case = parse_case(LoadedYaml(data), REQUEST, as_of)
    uow = get_uow()
    try:
        outcome = services.create_case(uow, case, current_user.username, as_of)
    except InputError as e:
        raise _jurisdiction_problem(e, REQUEST) from None
    uow.commit()
    response = jsonify(_outcome(outcome))
    response.status_code = 201
    response.headers["Location"] = f"/api/cases/{outcome.case_id}"
    return response


@bp.get("/cases/<case_id>")
@role_required(*EVERYONE)
def show_case(case_id: str) -> Any:
    """The stored case file, its stage and version, and the report of its latest check."""
    session = get_uow().session
    record = get_case(session, case_id)
    last = latest_finding(session, case_id)
    return jsonify({"case": record.id, "title": record.title, "jurisdiction": record.jurisdiction,
                    "stage": record.stage, "version": record.version, "created_by": record.created_by,
                    "workflow": record.workflow or {}, "document": record.document,
                    "report": last.report if last else None})


@bp.get("/cases/<case_id>/report")
@role_required(*EVERYONE)
def case_report(case_id: str) -> Any:
    """Re-check the stored case as of a day (default today): the report of CASE_FORMAT §2.

    `?rulebook=then` gives the report under the rulebook version that last judged the case.
    """
    as_of = _date(request.args.get("as_of"), "as_of", clock.today())
    replay = services.recheck_case(get_uow(), case_id, as_of)
    return jsonify(replay.then if request.args.get("rulebook") == "then" else replay.now)


@bp.put("/cases/<case_id>/stages/<stage>")
@role_required(*MOVERS)
def record_evidence(case_id: str, stage: str) -> Any:
    """Record or amend one stage's evidence: body {section, version}; 409 names what changed meanwhile."""
    data = _body()
    if "section" not in data:
        raise InputError.single(REQUEST, "缺少必填字段 / required field is missing", "section")
    uow = get_uow()
    try:
        outcome = services.record_evidence(uow, case_id, stage, data["section"], current_user.username,
                                           expected_version=_version(data),
                                           as_of=_date(data.get("as_of"), "as_of", clock.today()), source=REQUEST)
    except GateClosedError as refused:   # evidence that enters a closed stage; kept in the trail
        return _gate_closed(case_id, refused)
    uow.commit()
    return jsonify(_outcome(outcome))


def _gate_closed(case_id: str, refused: GateClosedError) -> Any:
    """409 naming the stage refused and each blocking rule with its article."""
    blockers = [{"rule": b["rule"], "severity": b.get("severity"), "citation": b.get("citation"),
                 "message": b.get("message", ""), "stage": b.get("stage")} for b in refused.blockers]
    return respond(ErrorInfo(refused.status, refused.code, f"案件 {case_id} 不得进入「{refused.stage}」阶段",
                             f"Case {case_id} may not enter stage {refused.stage}", blockers))


@bp.post("/cases/<case_id>/advance")
@role_required(*MOVERS)
def advance(case_id: str) -> Any:
    """Enter a stage on a day: {stage, on, version}; 409 with the blocking rules and their articles."""
    data = _body()
    stage = _text(data, "stage")
    on = _date(data.get("on"), "on", clock.today())
    uow = get_uow()
    try:
        outcome = services.advance_stage(uow, case_id, stage, current_user.username, on,
                                         expected_version=_version(data))
    except GateClosedError as refused:   # the refusal is already in the trail (committed)
        return _gate_closed(case_id, refused)
    uow.commit()
    return jsonify(_outcome(outcome))


@bp.post("/cases/<case_id>/adjust")
@role_required(*ADJUSTERS)
def adjust(case_id: str) -> Any:
    """Suspend, change or stop a decided matter (Art. 37): {kind, reason, on, urgent, version}."""
    data = _body()
    urgent = data.get("urgent", False)
    if not isinstance(urgent, bool):
        raise InputError.single(REQUEST, "应为布尔值 true 或 false / expected a boolean (true or false)", "urgent")
    uow = get_uow()
    outcome = services.adjust_decision(uow, case_id, _text(data, "kind"), _text(data, "reason"),
                                       current_user.username, _date(data.get("on"), "on", clock.today()),
                                       urgent=urgent, expected_version=_version(data))
    uow.commit()
    return jsonify(_outcome(outcome))


# ---------------------------------------------------------------- the trail
@bp.get("/cases/<case_id>/trail")
@role_required(*EVERYONE)
def trail(case_id: str) -> Any:
    """The case's trail events, in order, with their hashes."""
    session = get_uow().session
    get_case(session, case_id)
    events = trail_events(session, case_id)
    return jsonify({"case": case_id, "events": [{
        "seq": e.seq, "at": e.at.isoformat(), "actor": e.actor, "action": e.action,
        "payload": json.loads(e.payload), "payload_sha256": e.payload_sha256,
        "prev_hash": e.prev_hash, "hash": e.hash} for e in events]})


@bp.post("/cases/<case_id>/trail/verify")
@role_required(*EVERYONE)
@safe_for_readers
def verify_trail(case_id: str) -> Any:
    """Recompute the case's hash chain: ok, how many events verified, the head, the first break."""
    session = get_uow().session
    get_case(session, case_id)
    statuses = verify_all(session, case_id)
    status = statuses[0] if statuses else None
    broken = status.broken if status else None
    return jsonify({"case": case_id, "ok": broken is None, "verified": status.verified if status else 0,
                    "head": status.head if status else None,
                    "broken": None if broken is None else {"where": broken.where, "seq": broken.seq,
                                                           "kind": broken.kind, "message_zh": broken.zh,
                                                           "message_en": broken.en}})


# ---------------------------------------------------------------- the stateless check
@bp.post("/check")
@role_required(*EVERYONE)
@safe_for_readers
def check() -> Any:
    """Check a case file sent as JSON, storing nothing: exactly `yifa check --format json`.

    ?as_of=YYYY-MM-DD (default today) · ?jurisdiction= (default the file's) · ?engine=durable|native
    · ?lang=zh|en (the language of the findings' messages).
    """
    from engine.core.check import check_case
    from engine.core.report import exit_status, to_json
    engine = request.args.get("engine", "durable")
    if engine not in ("durable", "native"):
        raise InputError.single(REQUEST, f"求值器应为 durable | native，实际为 {engine!r} / engine must be durable or native",
                                "engine")
    lang = request.args.get("lang", "zh")
    lang = lang if lang in ("zh", "en") else "zh"
    as_of = _date(request.args.get("as_of"), "as_of", clock.today())
    case = parse_case(LoadedYaml(_body()), REQUEST, as_of)
    jurisdiction = request.args.get("jurisdiction") or None
    try:
        result = check_case(case, as_of, jurisdiction, _engine(engine))
    except InputError as e:
        raise (_jurisdiction_problem(e, REQUEST) if jurisdiction is None else e) from None
    response = jsonify(to_json(result, lang))
    response.headers["X-Yifa-Exit-Status"] = str(exit_status(result))
    return response


def _engine(engine: str) -> str:
    if engine == "durable":
        from engine.evaluate.durable import durable_available
        if durable_available() is not None:
            return "native"
    return engine


# ---------------------------------------------------------------- the OpenAPI document
@bp.get("/openapi.json")
def openapi() -> Any:
    """The OpenAPI 3.1 document of this API (public: it describes, it holds no data)."""
    from flask import current_app

    from web.openapi import openapi_document
    return jsonify(openapi_document(current_app))


# ---------------------------------------------------------------- my tokens
def _token_json(token: ApiToken) -> dict:
    return {"id": token.id, "label": token.label, "created_at": token.created_at.isoformat(),
            "expires_at": token.expires_at.isoformat() if token.expires_at else None,
            "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
            "active": token.revoked_at is None and not is_expired(token)}


@bp.get("/me/tokens")
@role_required(*EVERYONE)
def my_tokens() -> Any:
    """The signed-in user's tokens (never their plaintext)."""
    return jsonify({"tokens": [_token_json(t) for t in tokens_of(get_uow().session, current_user.username)]})


@bp.post("/me/tokens")
@role_required(*EVERYONE)
@safe_for_readers          # one's own credential, not case data: auditors need tokens to read
def issue_my_token() -> Any:
    """Issue a token for the signed-in user: body {label, days (1–365, default 90)}; the plaintext is in
    this answer only. A browser session only: a bearer token gets 403."""
    if current_user.via_token:      # a leaked token must not be able to outlive its revocation
        refuse(403, "只能在浏览器登录后签发令牌，不能用令牌签发令牌",
               "Tokens are issued from a signed-in browser session, not with a token")
    data = request.get_json(silent=True) or {}
    label = data.get("label", "") if isinstance(data, dict) else ""
    if not isinstance(label, str) or len(label) > 200:
        raise InputError.single(REQUEST, "标签应为不超过200字的文本 / label must be text of at most 200 characters", "label")
    days = data.get("days", TOKEN_DAYS) if isinstance(data, dict) else TOKEN_DAYS
    uow = get_uow()
    plaintext = issue_token(uow.session, current_user.username, label, current_user.username, days)
    token = tokens_of(uow.session, current_user.username)[0]
    uow.commit()
    response = jsonify({**_token_json(token), "token": plaintext})
    response.status_code = 201
    return response


@bp.delete("/me/tokens/<int:token_id>")
@role_required(*EVERYONE)
@safe_for_readers
def revoke_my_token(token_id: int) -> Any:
    """Revoke one of the signed-in user's tokens (another's: 404, as if unknown)."""
    uow = get_uow()
    token = token_by_id(uow.session, token_id)
    if token is None or token.username != current_user.username:
        return respond(ErrorInfo(404, "unknown_token", f"未知令牌 {token_id}", f"Unknown token {token_id}"))
    revoke_token(uow.session, token_id, current_user.username)
    uow.commit()
    return jsonify(_token_json(token))
