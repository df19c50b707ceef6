"""Blueprint `reminders`: each user's 待办 (/account/reminders) with their digest address and their
calendar feed, and the feed itself (/calendar/<secret>.ics: no sign-in, the secret is the key).

The to-dos are engine/reminders/todo.py's, read from the registers this process already keeps (the
case statuses, the follow-up list of web/credit_followups.py, the clean-up scan of
web/document_scan.py), so the home page adds no second scan.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from engine.accounts.models import ROLES
from engine.core import clock
from engine.core.errors import InputError
from engine.decisions.queries import CaseSummary, case_summaries
from engine.reminders import ical
from engine.reminders.todo import Register, Todo, todos_for
from web.auth import for_myself, own_account, role_required
from web.config import credit_jurisdiction
from web.credit_followups import follow_up_list
from web.db import get_uow
from web.document_scan import DEFAULT_JURISDICTION, ScanParams, register_scan
from web.i18n import both

bp = Blueprint("reminders", __name__)

HOME_ROWS = 8           # the home page shows the first few; the reminders page all of them


def register_of(session: Any, today: date, cases: list[CaseSummary] | None = None) -> Register:
    """The registers of the day as the reminders read them (`cases`: when the caller has them)."""
    cases = case_summaries(session, as_of=today) if cases is None else cases
    credit = follow_up_list(session, today, credit_jurisdiction())
    documents, _ = register_scan(session, ScanParams(today, DEFAULT_JURISDICTION))
    return Register(today, tuple(cases), credit.items, len(documents.todo))


def my_todos(session: Any, today: date, cases: list[CaseSummary] | None = None) -> list[Todo]:
    """The signed-in user's to-dos on the day."""
    return todos_for(register_of(session, today, cases), current_user.username, current_user.roles)


@bp.get("/account/reminders")
@role_required(*ROLES)
def index() -> Any:
    """Every to-do of the user, their digest address and their calendar feed."""
    return _page()


@bp.post("/account/reminders/email")
@own_account
def set_my_email() -> Any:
    from engine.accounts.use_cases import set_email
    typed = request.form.get("email", "")
    try:
        for_myself(set_email, typed)
    except InputError as refused:        # shown beside the field, what was typed kept
        get_uow().rollback()
        return _page(email_problem="；".join(p.message for p in refused.problems), typed_email=typed), 400
    flash(both("电子邮件地址已保存", "E-mail address saved") if typed.strip()
          else both("电子邮件地址已清除，不再发送摘要", "E-mail address cleared: no more digests"), "success")
    return redirect(url_for("reminders.index"))


@bp.post("/account/reminders/feed")
@own_account
def open_my_feed() -> Any:
    """Open a calendar feed (the old address stops working); its address is shown on this answer only."""
    from engine.reminders.use_cases import open_feed
    secret = for_myself(open_feed)
    return _page(new_feed=url_for("reminders.feed", secret=secret, _external=True))


@bp.post("/account/reminders/feed/revoke")
@own_account
def revoke_my_feed() -> Any:
    from engine.reminders.use_cases import revoke_feed
    flash(both("日历订阅地址已撤销", "Calendar address revoked") if for_myself(revoke_feed)
          else both("没有可撤销的日历订阅", "No calendar feed to revoke"), "success")
    return redirect(url_for("reminders.index"))


@bp.get("/calendar/<secret>.ics")
def feed(secret: str) -> Response:
    """A user's due dates as iCalendar, for their calendar program; 404 for an unknown or revoked secret."""
    from engine.reminders.use_cases import feed_owner
    from engine.units.scope import limit_to, scope_of
    session = get_uow().session
    owner = feed_owner(session, secret)
    if owner is None:
        abort(404)
    limit_to(session, scope_of(session, owner.username))     # the feed shows what its owner may see
    today = clock.today()
    todos = todos_for(register_of(session, today), owner.username, owner.roles)
    body = ical.calendar(todos, today, f"依法 yifa — {owner.display_name}", request.url_root)
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "private, no-store"})


def _page(new_feed: str | None = None, email_problem: str | None = None, typed_email: str | None = None) -> Any:
    from engine.accounts.queries import user_by_name
    from engine.reminders.queries import live_feed_of
    session = get_uow().session
    today = clock.today()
    user = user_by_name(session, current_user.username)
    return render_template("reminders/index.html", todos=my_todos(session, today), today=today,
                           email=typed_email if typed_email is not None else (user.email if user else None),
                           email_problem=email_problem, feed=live_feed_of(session, current_user.username),
                           new_feed=new_feed)
