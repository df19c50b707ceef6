"""Errors as pages in Chinese with English — or, under /api/, as JSON — never a traceback.

    {"error": {"code": "not_found", "message_zh": "…", "message_en": "…", "problems": [...]}}

The domain's errors (engine/core/errors.py) reaching a view unhandled answer with their own status,
code and Chinese and English text (a view that wants to re-show its form catches them itself). A
view stops a request with `refuse(status, zh, en)`; a bug is logged with its traceback and shown as
a plain apology (Flask's debug mode shows the traceback).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NoReturn, TypeVar
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, default_exceptions

from engine.core.errors import InputError, YifaError
from web.config import MAX_UPLOAD_BYTES
from web.i18n import current_lang

# status: (code, Chinese, English)
MESSAGES = {
    400: ("bad_request", "请求无效", "Bad request"),
    401: ("unauthorized", "请先登录", "Please sign in"),
    403: ("forbidden", "无权进行此操作", "You are not allowed to do this"),
    404: ("not_found", "页面不存在", "Page not found"),
    405: ("method_not_allowed", "不支持此请求方法", "Method not allowed"),
    409: ("conflict", "操作与案件当前状态冲突", "This conflicts with the current state of the case"),
    413: ("too_large", f"上传内容过大：文件不能超过 {MAX_UPLOAD_BYTES // 2**20} MB，请拆分或压缩后重新上传",
          f"The upload is too large: a file may be at most {MAX_UPLOAD_BYTES // 2**20} MB; split or shrink it and upload again"),
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


def refuse(status: int, zh: str, en: str) -> NoReturn:
    """Stop the request with an HTTP error status and its message in Chinese and in English."""
    error = default_exceptions[status](description=zh)
    error.zh, error.en = zh, en  # type: ignore[attr-defined]
    raise error


Record = TypeVar("Record")


def found(record: Record | None, zh: str, en: str) -> Record:
    """The record looked up, or a 404 saying in both languages what is not there."""
    if record is None:
        refuse(404, zh, en)
    return record


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


def back_url() -> str | None:
    """Where a refused request came from, to go back to: the referring page of this site (path and
    query only, never another host), else — for a refused form — the form's own address; None when
    neither is known (the page then offers the home page alone)."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    if request.method == "POST" and not wants_json():
        return request.path
    return None


def _page(info: ErrorInfo) -> str:
    try:
        back = back_url() if 400 <= info.status < 500 and info.status not in (401, 403) else None
        return render_template("errors/error.html", error=info, title=MESSAGES.get(info.status, MESSAGES[500]),
                               messages=_in_language_order(info), back=back)
    except Exception:  # the page itself failed (e.g. the database is down): a plain page, still no traceback
        current_app.logger.exception("rendering the error page failed")
        return (f"<!doctype html><html lang=zh-CN><meta charset=utf-8><title>{info.status}</title>"
                f"<h1>{info.status} {info.message_zh}</h1><p lang=en>{info.message_en}</p></html>")


def _in_language_order(info: ErrorInfo) -> list[tuple[str, str]]:
    """The message as (language, text): the user's language first, the other after."""
    both = [("zh", info.message_zh), ("en", info.message_en)]
    return both[::-1] if current_lang() == "en" else both


# ---------------------------------------------------------------- handlers
def handle_http(e: HTTPException) -> Response:
    """Werkzeug's HTTP errors (abort(404), 413 …), with a description given to abort() if any."""
    status = e.code or 500
    zh, en = getattr(e, "zh", ""), getattr(e, "en", "")
    retry_after = getattr(e, "retry_after", None)
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    if status == 413 and not zh:                 # the limit of this request (a register import's is larger)
        limit = request.max_content_length or MAX_UPLOAD_BYTES
        shown = f"{limit // 2**20} MB" if limit >= 2**20 else f"{max(limit // 1024, 1)} KB"
        zh = f"上传内容过大：文件不能超过 {shown}，请拆分或压缩后重新上传"
        en = f"The upload is too large: a file may be at most {shown}; split or shrink it and upload again"
    if status == 405 and e.valid_methods:  # type: ignore[attr-defined]
        headers["Allow"] = ", ".join(e.valid_methods)  # type: ignore[attr-defined]
    return respond(info_for_status(status, zh, en), headers)


def handle_csrf(e: CSRFError) -> Response:
    """A form without a valid CSRF token."""
    return respond(ErrorInfo(400, "csrf", "表单已过期或缺少安全令牌，请刷新页面后重试",
                             "The form has expired or lacks its security token; reload the page and try again"))


def handle_internal(e: Exception) -> Response:
    """Anything unexpected: logged (by Flask) with its traceback, shown as a plain apology."""
    return respond(info_for_status(500))


def handle_domain(e: YifaError) -> Response:
    """A domain error: its status, code and text; the problems, violated gate rules or changes it lists."""
    if e.status >= 500 or current_app.debug:
        current_app.logger.error("%s: %s", type(e).__name__, e, exc_info=e)
    return respond(ErrorInfo(e.status, e.code, e.message_zh, e.message_en, _listed(e)))


def _listed(e: YifaError) -> list[Any]:
    if isinstance(e, InputError):
        return [{"file": p.file, "path": p.path, "message": p.message, "line": p.line} for p in e.problems]
    return list(getattr(e, "blockers", None) or getattr(e, "changes", None) or [])


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(YifaError, handle_domain)
    app.register_error_handler(500, handle_internal)
