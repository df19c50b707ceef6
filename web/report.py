"""Blueprint `report` (/report): the annual rule-of-law report (法治政府建设年度报告).
    GET /report/annual?year=YYYY&unit=CODE&as_of=YYYY-MM-DD&format=html|json|docx|pdf
`unit` is a unit's code (its records and those of every unit below it, within what the user's roles
cover), or else a prefix of the issuers' and authorities' names (engine/report/queries.report_of). The PDF is the
page printed by headless chromium (engine/decisions/pdf.py); 501 without chromium.
Roles: auditor, secretary and admin.
"""
from __future__ import annotations

import json
from datetime import date
from typing import Any

from flask import Blueprint, Response, render_template, request

from engine.core import clock
from engine.report import render
from engine.report.queries import report_of
from web.auth import role_required
from web.db import get_uow
from web.errors import refuse

bp = Blueprint("report", __name__, url_prefix="/report")
READERS = ("auditor", "secretary", "admin")
FORMATS = ("html", "json", "docx", "pdf")


def _year() -> int:
    text = request.args.get("year") or str(clock.today().year - 1)
    if not text.isdigit() or not 1900 < int(text) < 3000:
        refuse(400, f"参数 year：“{text}”不是年份", f"parameter year: '{text}' is not a year")
    return int(text)


def _as_of() -> date:
    text = request.args.get("as_of")
    if not text:
        return clock.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        refuse(400, f"参数 as_of：“{text}”不是 YYYY-MM-DD 日期", f"parameter as_of: '{text}' is not a YYYY-MM-DD day")


def _report(year: int, unit: str | None) -> dict[str, Any]:
    return report_of(get_uow().session, year, unit, _as_of())


def _download(body: str | bytes, mimetype: str, filename: str) -> Response:
    """The body as an attachment named `filename`."""
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/annual")
@role_required(*READERS)
def annual() -> Any:
    """The report of one year (the last one by default) in the format asked."""
    year, unit, fmt = _year(), request.args.get("unit") or None, request.args.get("format", "html")
    if fmt not in FORMATS:
        refuse(400, f"参数 format：“{fmt}”不是 {'、'.join(FORMATS)} 之一", f"parameter format: '{fmt}' is not one of {FORMATS}")
    data = _report(year, unit)
    name = f"report-{year}"
    if fmt == "json":
        return _download(json.dumps(data, ensure_ascii=False, indent=2) + "\n", "application/json", f"{name}.json")
    if fmt == "docx":
        from engine.report.docx import as_docx
        return _download(as_docx(data), "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                         f"{name}.docx")
    if fmt == "pdf":
        pdf = render.as_pdf(data)
        if pdf is None:
            refuse(501, "无法生成 PDF：本机未安装 chromium 或打印失败", "no PDF: chromium is missing or failed")
        return _download(pdf, "application/pdf", f"{name}.pdf")
    return render_template("report/annual.html", year=year, unit=unit, body=render.html_body(data))

