"""Blueprint `rules` (/rules): legal advisors browse and edit the rulebook.

    GET  /rules                     the rulebook by jurisdiction, instrument and article
    GET  /rules/<jurisdiction>/<f>  a rule file with line numbers (and, for editors, the edit form)
    POST /rules/edit/preview        lint + rule tests + impact on stored cases; changes nothing
    POST /rules/edit/save           refused (400) with the problems, or written to the instance folder
    POST /rules/edit/revert         back to the shipped file
    GET  /rules/history             the rulebook's own trail chain

The decisions are engine/rulebook/edits.py's; this module reads the form, calls it, and renders.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from engine.core.errors import EditConflictError, InputError
from engine.rulebook import edits as rule_edits
from web.auth import EVERYONE, current_user, role_required
from web.db import get_uow
from web.i18n import both

bp = Blueprint("rules", __name__, url_prefix="/rules")

EDITORS = rule_edits.EDITOR_ROLES
VERIFIED = {"V1": ("已核实（全文）", "Verified (full text)", "V1"),
            "V2": ("已核实（转载）", "Verified (reprint)", "V2"),
            False: ("未核实", "Unverified", "U")}
VERDICTS = {"violated": ("违反", "violated"), "missing": ("未见记录", "missing"), "satisfied": ("符合", "satisfied"),
            "not_applicable": ("不适用", "not applicable"), "pending": ("待办", "pending")}
SEVERITIES = {"blocker": ("阻断", "blocker"), "error": ("违法", "error"), "warning": ("警示", "warning"),
              "info": ("提示", "info")}


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"VERIFIED": VERIFIED, "VERDICTS": VERDICTS, "SEVERITIES": SEVERITIES}


def _may_edit() -> bool:
    return current_user.is_authenticated and current_user.has_role(*EDITORS)


@bp.get("")
@bp.get("/")
@role_required(*EVERYONE)
def index() -> Any:
    """Browse the rulebook: instruments, parameters, rules by article, tests, verification."""
    return render_template("rules/index.html", jurisdictions=rule_edits.browse(), may_edit=_may_edit())


@bp.get("/history")
@role_required(*EVERYONE)
def history() -> Any:
    """The rulebook's trail chain: who changed what, when, why, and the version it moved to."""
    return render_template("rules/history.html", events=rule_edits.history(get_uow().session))


@bp.get("/<path:rel>")
@role_required(*EVERYONE)
def show(rel: str) -> Any:
    """A rule file's text with line numbers; the edit form for legal advisors and admins."""
    try:
        rel = rule_edits.check_rel_path(rel)
    except InputError:
        abort(404)
    text = rule_edits.current_text(rel)
    return _file_page(rel, text, text)


def _file_page(rel: str, current: str, candidate: str, status: int = 200, **extra: Any) -> Any:
    context = {"rel": rel, "lines": current.splitlines(), "candidate": candidate,
               "sha256": rule_edits.sha256_text(current), "edited": rule_edits.is_edited(rel),
               "may_edit": _may_edit(), "reason": request.form.get("reason", ""),
               "check": None, "impact": None, "problems": None, "conflict": None}
    context.update(extra)
    return render_template("rules/file.html", **context), status


def _form() -> tuple[str, str]:
    rel = request.form.get("file", "")
    try:
        rel = rule_edits.check_rel_path(rel)
    except InputError:
        abort(404)
    return rel, request.form.get("text", "")


@bp.post("/edit/preview")
@role_required(*EDITORS)
def preview() -> Any:
    """Lint the candidate, run every rule test, list the stored cases whose verdicts would change."""
    rel, text = _form()
    current = rule_edits.current_text(rel)
    try:
        check = rule_edits.propose_edit(rel, text)
        impact = rule_edits.impact_preview(get_uow().session, rel, text) if not check.problems else None
    except InputError as e:
        return _file_page(rel, current, text, 400, problems=list(e.problems))
    return _file_page(rel, current, text, check=check, impact=impact)


@bp.post("/edit/save")
@role_required(*EDITORS)
def save() -> Any:
    """Save the candidate into the instance folder, or refuse it with its problems (400)."""
    rel, text = _form()
    return _change(rel, lambda uow: rule_edits.save_edit(
        uow, rel, text, current_user.username, request.form.get("reason", ""),
        request.form.get("expected_sha256") or None), text)


@bp.post("/edit/revert")
@role_required(*EDITORS)
def revert() -> Any:
    """Remove the edited copy: the shipped file is in force again."""
    rel, _ = _form()
    return _change(rel, lambda uow: rule_edits.revert_edit(
        uow, rel, current_user.username, request.form.get("reason", ""),
        request.form.get("expected_sha256") or None), None)


def _change(rel: str, do, text: str | None) -> Any:
    uow = get_uow()
    current = rule_edits.current_text(rel)
    try:
        saved = do(uow)
    except InputError as e:
        flash(both("未保存：规则文件有问题", "Not saved: the rule file has problems"), "error")
        return _file_page(rel, current, text if text is not None else current, 400, problems=list(e.problems))
    except EditConflictError as e:
        return _file_page(rel, current, text if text is not None else current, 409, conflict=str(e))
    uow.commit()
    version = saved.new_version.removeprefix("sha256:")[:12]
    flash(both(f"已保存，规则库版本 {version}", f"Saved; rulebook version {version}"), "success")
    return redirect(url_for("rules.show", rel=rel))
