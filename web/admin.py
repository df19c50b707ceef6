"""Blueprint `admin` (/admin): users, their roles, passwords, activation and API tokens (admin only).

Every change is an event of the trail chain USERS_CHAIN ("@users", engine.accounts.use_cases):
engine.trail.verify_all walks every chain in trail_events whatever its id, so the chain is
verified with the others. The id starts with "@" so that no case (ids are [A-Za-z0-9._-]) can
ever share it. The role change is the use case `set_roles` (the CLI's `yifa user roles`). No
password or token plaintext is ever put in an event (nor in the log, nor in a flash).
"""
from __future__ import annotations

from typing import Any, Callable

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from engine.accounts.models import ROLES, User
from engine.accounts.queries import UserSummary, tokens_of, user_by_name, user_summaries
from engine.accounts.use_cases import (
    USERS_CHAIN,
    create_user,
    issue_token,
    revoke_token,
    set_password,
    set_roles,
)
from engine.accounts.use_cases import set_active as set_user_active
from engine.core.errors import InputError
from engine.trail import append_event
from web.auth import current_user, form_days, keep_this_session, role_required
from web.db import get_uow
from web.errors import found, refuse
from web.i18n import both

bp = Blueprint("admin", __name__, url_prefix="/admin")

__all__ = ["USERS_CHAIN", "bp"]


def _log(action: str, payload: dict) -> None:
    current_app.logger.info("user admin: %s by %s: %s", action, current_user.username, payload)


def _record(action: str, payload: dict) -> None:
    """Keep a user-administration change in the users chain and the app log."""
    append_event(get_uow().session, USERS_CHAIN, current_user.username, action, payload)
    _log(action, payload)


def _users() -> list[UserSummary]:
    return user_summaries(get_uow().session)


def _user(username: str) -> User:
    return found(user_by_name(get_uow().session, username), f"未知用户 {username}", f"Unknown user {username}")


def _units() -> list[Any]:
    from engine.units.queries import unit_tree
    return unit_tree(get_uow().session)


def _chosen_unit() -> tuple[str | None, bool | None]:
    """The unit chosen in a roles form (none: as engine/accounts/use_cases decides) and whether the
    roles reach every unit below it."""
    unit = request.form.get("unit", "").strip() or None
    return unit, (request.form.get("subtree") == "yes") if unit else None


def _chosen_roles() -> list[str]:
    return request.form.getlist("roles")  # unknown ones are refused by engine.accounts.use_cases


@bp.get("/users")
@role_required("admin")
def users() -> Any:
    """Every user with their roles and whether active; the form to add one."""
    return render_template("admin/users.html", users=_users(), roles=ROLES, problems=(), form={}, units=_units())


@bp.get("/units")
@role_required("admin")
def units() -> Any:
    """The tree of units (district, departments, townships, streets) and the form to add one."""
    return _units_page((), {})


def _units_page(problems: Any, form: dict, status: int = 200) -> Any:
    from engine.rulebook.loader import known_jurisdictions
    from engine.units.models import LEVELS
    return render_template("admin/units.html", units=_units(), levels=LEVELS, jurisdictions=known_jurisdictions(),
                           problems=problems, form=form), status


@bp.post("/units")
@role_required("admin")
def add_unit() -> Any:
    """Add a unit under another (engine/units/use_cases.add_unit); an event in the users chain."""
    from engine.units.use_cases import add_unit as add
    form = {k: request.form.get(k, "").strip() for k in ("code", "name", "level", "jurisdiction", "parent")}
    uow = get_uow()
    try:
        unit = add(uow.session, form["code"], form["name"], form["level"], form["jurisdiction"],
                   form["parent"] or None, current_user.username)
    except InputError as e:
        uow.rollback()
        return _units_page(e.problems, form, 400)
    uow.commit()
    flash(both(f"已添加单位 {unit.name}", f"Unit {unit.name} added"), "success")
    return redirect(url_for("admin.units"))


@bp.post("/users")
@role_required("admin")
def create() -> Any:
    """Add a user: username, display name, roles, initial password (≥ 10 characters)."""
    form: dict[str, Any] = {"username": request.form.get("username", "").strip().lower(),
            "display_name": request.form.get("display_name", "").strip(), "roles": request.form.getlist("roles")}
    password = request.form.get("password", "")
    uow = get_uow()
    try:
        if not password:
            raise InputError.single("<user>", "须设置初始密码 / an initial password is required", "password")
        unit, subtree = _chosen_unit()
        acct = create_user(uow.session, form["username"], form["display_name"], _chosen_roles(), password,
                           unit=unit, subtree=subtree)
    except InputError as e:
        uow.rollback()
        form |= {"unit": request.form.get("unit", ""), "subtree": request.form.get("subtree") == "yes"}
        return render_template("admin/users.html", users=_users(), roles=ROLES, problems=e.problems, form=form,
                               units=_units()), 400
    _record("user.created", {"username": acct.username, "display_name": acct.display_name,
                             "roles": sorted(acct.roles), "active": True})
    uow.commit()
    flash(both(f"已添加用户 {acct.username}", f"User {acct.username} added"), "success")
    return redirect(url_for("admin.user", username=acct.username))


@bp.get("/users/<username>")
@role_required("admin")
def user(username: str) -> Any:
    """One user: roles, activation, password reset, API tokens."""
    return _user_page(username)


def _user_page(username: str, problems: tuple = (), status: int = 200, new_token: str | None = None) -> Any:
    _user(username)
    info = next(u for u in _users() if u.username == username)
    tokens = tokens_of(get_uow().session, username)
    return render_template("admin/user.html", u=info, roles=ROLES, tokens=tokens, problems=problems,
                           new_token=new_token, myself=username == current_user.username, units=_units(),
                           unit_names={r.code: r.name for r in _units()}), status


class _Refused(Exception):
    def __init__(self, page: Any):
        self.page = page


def _change(username: str, change: Callable[[Any], Any]) -> Any:
    """Run a use case on a user's account in this request's unit of work; a refusal becomes the
    user's page with the problems (400), raised as _Refused."""
    _user(username)
    uow = get_uow()
    try:
        return change(uow.session)
    except InputError as e:
        uow.rollback()
        raise _Refused(_user_page(username, e.problems, 400)) from None


def _done(username: str, message: tuple[str, str]) -> Any:
    if username == current_user.username:      # the admin's own account: their other sessions end,
        keep_this_session(get_uow().session)   # the one that made the change goes on
    get_uow().commit()
    flash(both(*message), "success")
    return redirect(url_for("admin.user", username=username))


@bp.errorhandler(_Refused)
def _refused(refused: _Refused) -> Any:
    return refused.page


@bp.post("/users/<username>/roles")
@role_required("admin")
def update_roles(username: str) -> Any:
    """Replace a user's roles (an admin cannot take the admin role from themselves)."""
    before, after = _change(username, lambda db: set_roles(db, username, request.form.getlist("roles"),
                                                          current_user.username, *_chosen_unit()))
    _log("user.roles_changed", {"username": username, "before": before, "after": after})
    return _done(username, ("角色已更新", "Roles updated"))


@bp.post("/users/<username>/active")
@role_required("admin")
def set_active(username: str) -> Any:
    """Activate or deactivate a user (a deactivated user is out at their next request)."""
    active = request.form.get("active") == "1"
    _change(username, lambda db: set_user_active(db, username, active, current_user.username))
    _log("user.activated" if active else "user.deactivated", {"username": username})
    return _done(username, ("账户已启用", "Account activated") if active else ("账户已停用", "Account deactivated"))


@bp.post("/users/<username>/password")
@role_required("admin")
def reset_password(username: str) -> Any:
    """Set a new password for a user (at least 10 characters)."""
    _change(username, lambda db: set_password(db, username, request.form.get("password", "")))
    _record("user.password_reset", {"username": username})
    return _done(username, ("密码已重置", "Password reset"))


@bp.post("/users/<username>/tokens")
@role_required("admin")
def issue(username: str) -> Any:
    """Issue an API token for a user; its plaintext is shown on this answer only (never flashed)."""
    label = request.form.get("label", "").strip()[:200]
    days = form_days()
    plaintext = _change(username, lambda db: issue_token(db, username, label, current_user.username, days))
    uow = get_uow()
    token = tokens_of(uow.session, username)[0]
    _record("token.issued", {"username": username, "token_id": token.id, "label": label})
    uow.commit()
    return _user_page(username, new_token=plaintext)


@bp.post("/users/<username>/tokens/<int:token_id>/revoke")
@role_required("admin")
def revoke(username: str, token_id: int) -> Any:
    """Revoke one of a user's tokens."""
    _user(username)
    uow = get_uow()
    token = next((t for t in tokens_of(uow.session, username) if t.id == token_id), None)
    if token is None:
        refuse(404, f"未知令牌 {token_id}",
               f"Unknown token {token_id}")
    revoke_token(uow.session, token_id, current_user.username)
    _record("token.revoked", {"username": username, "token_id": token_id})
    return _done(username, ("令牌已撤销", "Token revoked"))
