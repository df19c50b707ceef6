"""Errors as pages in Chinese with English — or, under /api/, as JSON — never a traceback.

    {"error": {"code": "not_found", "message_zh": "…", "message_en": "…", "problems": [...]}}

The domain's errors reaching a view unhandled get their status here (a view that wants to
re-show its form catches them itself): InputError 400 · PermissionDeniedError 403 ·
UnknownCaseError 404 · ConflictError / StageOrderError / GateClosedError 409.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from engine.accounts.access import PermissionDeniedError
from engine.core.errors import InputError
from engine.decisions.sections import UnknownStageError
from engine.decisions.use_cases import GateClosedError, StageOrderError
from engine.core.errors import ConflictError, UnknownCaseError

# status: (code, Chinese, English)
MESSAGES = {
    400: ("bad_request", "请求无效", "Bad request"),
    401: ("unauthorized", "请先登录", "Please sign in"),
    403: ("forbidden", "无权进行此操作", "You are not allowed to do this"),
    404: ("not_found", "页面不存在", "Page not found"),
    405: ("method_not_allowed", "不支持此请求方法", "Method not allowed"),
    409: ("conflict", "操作与案件当前状态冲突", "This conflicts with the current state of the case"),
    413: ("too_large", "上传内容过大（上限 20 MB）", "The upload is too large (limit 20 MB)"),
    429: ("too_many_requests", "尝试次数过多，请稍后再试", "Too many attempts; please try again later"),
    500: ("internal_error", "服务器内部错误，已记录，请稍后再试", "Internal error; it has been logged, please try again later"),
}


@dataclass
class ErrorInfo:
    """What an error page or JSON error says."""

    status: int
    code: str
    message_zh: str
    message_en: str
    problems: list[Any] = field(default_factory=list)


def split_bilingual(text: str) -> tuple[str, str]:
    """Split the domain's "中文 / English" message into its two halves."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    zh, _, en = first.partition(" / ")
    return zh.strip(), (en or zh).strip().rstrip(":")


def info_for_status(status: int, detail_zh: str = "", detail_en: str = "") -> ErrorInfo:
    """The standard message of a status, with an optional detail."""
    code, zh, en = MESSAGES.get(status, MESSAGES[500] if status >= 500 else MESSAGES[400])
    return ErrorInfo(status, code, detail_zh or zh, detail_en or en)


def wants_json() -> bool:
    """Whether the answer is JSON: the API, always."""
    return request.path.startswith("/api/")


def respond(info: ErrorInfo, headers: dict[str, str] | None = None) -> Response:
    """Answer with the error as JSON (API) or as a page (everything else)."""
    if wants_json():
        body = {"error": {"code": info.code, "message_zh": info.message_zh,
                          "message_en": info.message_en, "problems": info.problems}}
        response = jsonify(body)
    else:
        response = Response(_page(info), mimetype="text/html")
    response.status_code = info.status
    response.headers.update(headers or {})
    return response


def _page(info: ErrorInfo) -> str:
    try:
        return render_template("errors/error.html", error=info, title=MESSAGES.get(info.status, MESSAGES[500]))
    except Exception:  # the page itself failed (e.g. the database is down): a plain page, still no traceback
        current_app.logger.exception("rendering the error page failed")
        return (f"<!doctype html><html lang=zh-CN><meta charset=utf-8><title>{info.status}</title>"
                f"<h1>{info.status} {info.message_zh}</h1><p lang=en>{info.message_en}</p></html>")


# ---------------------------------------------------------------- handlers
def handle_http(e: HTTPException) -> Response:
    """Werkzeug's HTTP errors (abort(404), 413 …), with a description given to abort() if any."""
    status = e.code or 500
    zh, en = split_bilingual(e.description or "") if _own_description(e) else ("", "")
    retry_after = getattr(e, "retry_after", None)
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    if status == 405 and e.valid_methods:  # type: ignore[attr-defined]
        headers["Allow"] = ", ".join(e.valid_methods)  # type: ignore[attr-defined]
    return respond(info_for_status(status, zh, en), headers)


def _own_description(e: HTTPException) -> bool:
    """A description given to abort(), not werkzeug's stock English sentence."""
    return bool(e.description) and e.description != type(e).description


def handle_csrf(e: CSRFError) -> Response:
    """A form without a valid CSRF token."""
    return respond(ErrorInfo(400, "csrf", "表单已过期或缺少安全令牌，请刷新页面后重试",
                             "The form has expired or lacks its security token; reload the page and try again"))


def handle_internal(e: Exception) -> Response:
    """Anything unexpected: logged (by Flask) with its traceback, shown as a plain apology."""
    return respond(info_for_status(500))


def handle_input(e: InputError) -> Response:
    """Input the domain refused: every problem, with its field path."""
    problems = [{"file": p.file, "path": p.path, "message": p.message, "line": p.line} for p in e.problems]
    zh, en = ("输入有误，请按下列问题修改", "The input has problems; please correct them")
    return respond(ErrorInfo(400, "invalid_input", zh, en, problems))


def handle_domain(e: Exception) -> Response:
    """A domain refusal: permission, unknown case or stage, conflict, stage order, closed gate."""
    status, code = _DOMAIN[type(e)] if type(e) in _DOMAIN else _domain_status(e)
    zh, en = split_bilingual(str(e))
    problems = getattr(e, "blockers", None) or getattr(e, "changes", None) or []
    return respond(ErrorInfo(status, code, zh, en, list(problems)))


_DOMAIN: dict[type, tuple[int, str]] = {
    PermissionDeniedError: (403, "forbidden"),
    UnknownCaseError: (404, "unknown_case"),
    UnknownStageError: (400, "unknown_stage"),
    ConflictError: (409, "conflict"),
    StageOrderError: (409, "stage_order"),
    GateClosedError: (409, "gate_closed"),
}


def _domain_status(e: Exception) -> tuple[int, str]:
    return next((v for cls, v in _DOMAIN.items() if isinstance(e, cls)), (500, "internal_error"))


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(InputError, handle_input)
    for cls in _DOMAIN:
        app.register_error_handler(cls, handle_domain)
    app.register_error_handler(500, handle_internal)
