"""Signing in and out, who the current user is, and the role checks every view uses.

    @bp.get("/cases/new")
    @role_required("official", "admin")        # signed in and holding one of the roles, else 403
    def new_case(): …

    @bp.post("/cases/<id>/verify")
    @role_required(*EVERYONE)
    @safe_for_readers                          # a POST that changes nothing: auditors may use it
    def verify(id): …

The auditor reads everything and changes nothing: any unsafe request (POST, PUT, PATCH,
DELETE) by a user whose only roles are read-only is refused with 403, unless its view is
marked `@safe_for_readers`. The services check roles again, server-side.

Sessions: Flask's signed cookie, HttpOnly, SameSite=Lax, Secure behind TLS; valid for one
working day (8 hours) from sign-in, whatever the activity. API calls under /api/ may instead
carry `Authorization: Bearer <token>` (engine.accounts.use_cases.issue_token); such a call is
authenticated by the token only, never by a cookie sent along with it.
"""
from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import (
    LoginManager,
    UserMixin,
    current_user,
    login_required,
    login_user,
    logout_user,
)
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from engine.accounts.models import ROLES
from engine.accounts.passwords import MAX_LENGTH
from engine.accounts.use_cases import Account, account, user_for_token, verify_password
from web.db import SAFE_METHODS, get_uow
from web.errors import ErrorInfo, refuse, respond
from web.i18n import both
from web.security import is_bearer_api_request, login_throttle, safe_next, throttle_key

__all__ = ["EVERYONE", "READ_ONLY_ROLES", "SignedIn", "bp", "current_user", "for_myself", "login_required",
           "own_account", "role_required", "safe_for_readers"]

EVERYONE = ROLES
READ_ONLY_ROLES = frozenset({"auditor"})
View = TypeVar("View", bound=Callable[..., Any])
Result = TypeVar("Result")

bp = Blueprint("auth", __name__)
login_manager = LoginManager()


class SignedIn(UserMixin):
    """The current user: username, display name, roles; `via_token` for a bearer-token API call."""

    def __init__(self, acct: Account, via_token: bool = False) -> None:
        self.username, self.display_name, self.roles = acct.username, acct.display_name, acct.roles
        self.via_token, self._active = via_token, acct.active
        self.session_version, self.placements = acct.session_version, acct.placements

    def get_id(self) -> str:
        return self.username

    @property
    def is_active(self) -> bool:
        return self._active

    def has_role(self, *roles: str) -> bool:
        """Whether the user holds any of the roles."""
        return bool(self.roles & set(roles))

    @property
    def read_only(self) -> bool:
        """Whether every role of the user only reads (the auditor)."""
        return self.roles <= READ_ONLY_ROLES

    @property
    def sorted_roles(self) -> list[str]:
        """The roles in the order of engine.store.models.ROLES."""
        return [r for r in ROLES if r in self.roles]


# ---------------------------------------------------------------- decorators
def role_required(*roles: str) -> Callable[[View], View]:
    """Let the view run only for a signed-in user holding one of `roles` (else 403, or sign in)."""
    unknown = set(roles) - set(ROLES)
    if not roles or unknown:
        raise ValueError(f"role_required needs roles among {ROLES}, got {roles}")

    def decorator(view: View) -> View:
        @functools.wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.has_role(*roles):
                refuse(403, *_lacking(roles))
            return view(*args, **kwargs)

        wrapped.required_roles = tuple(roles)  # type: ignore[attr-defined]  # for the RBAC matrix test
        return wrapped  # type: ignore[return-value]

    return decorator


def _lacking(roles: tuple[str, ...]) -> tuple[str, str]:
    from web.i18n import ROLE_NAMES
    zh = "、".join(ROLE_NAMES[r][0] for r in roles)
    en = ", ".join(ROLE_NAMES[r][1] for r in roles)
    return f"此操作需要以下角色之一：{zh}", f"This needs one of the roles: {en}"


def safe_for_readers(view: View) -> View:
    """Mark an unsafe-method view that changes no data, so read-only users (auditors) may use it."""
    view.safe_for_readers = True  # type: ignore[attr-defined]
    return view


def own_account(view: View) -> View:
    """Let every signed-in user, auditors too, use a view that changes only their own account (API
    tokens, digest address, calendar feed): one's own credentials are not case data."""
    return role_required(*EVERYONE)(safe_for_readers(view))


def for_myself(use_case: Callable[..., Result], *args: Any, **kwargs: Any) -> Result:
    """Run an account use case on the signed-in user's own account, they the actor, and commit (a
    refused one raises before the commit; the caller rolls back)."""
    uow = get_uow()
    done = use_case(uow.session, current_user.username, *args, current_user.username, **kwargs)
    uow.commit()
    return done


def readers_change_nothing() -> None:
    """Refuse an unsafe request by a read-only user, unless the view is marked safe for readers."""
    if request.method in SAFE_METHODS or not current_user.is_authenticated or not current_user.read_only:
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and not getattr(view, "safe_for_readers", False):
        refuse(403, "审计人员只能查阅，不能修改",
               "Auditors read; they change nothing")


# ---------------------------------------------------------------- Flask-Login
SESSION_VERSION = "session_version"       # the user's version when the session was signed in


@login_manager.user_loader
def load_from_session(username: str) -> SignedIn | None:
    """The user of the session cookie — unless the request is a bearer-token API call."""
    if is_bearer_api_request():
        return None
    uow = get_uow()
    if g.get("_login_user") is not None:       # opening the request's unit of work loaded the user already
        return g._login_user if g._login_user.is_authenticated else None    # (web/db._limit_to_user)
    acct = account(uow.session, username)
    if acct is None or session.get(SESSION_VERSION) != acct.session_version:
        return None                 # signed out, password or roles changed, or deactivated since
    return SignedIn(acct)


@login_manager.request_loader
def load_from_bearer_token(req: Any) -> SignedIn | None:
    """The user of an `Authorization: Bearer` token, on /api/ routes only."""
    if not is_bearer_api_request():
        return None
    token = req.headers["Authorization"][len("Bearer "):].strip()
    uow = get_uow()
    if g.get("_login_user") is not None:       # loaded while the unit of work was opened, as above
        return g._login_user if g._login_user.is_authenticated else None
    acct = user_for_token(uow.session, token)
    return SignedIn(acct, via_token=True) if acct else None


@login_manager.unauthorized_handler
def unauthorized() -> Response:
    """API: 401 JSON. Pages: off to the sign-in page, coming back here afterwards."""
    if request.path.startswith("/api/"):
        return respond(ErrorInfo(401, "unauthorized", "需要登录或有效的 API 令牌",
                                 "Sign in or send a valid API token"), {"WWW-Authenticate": "Bearer"})
    here = request.full_path.rstrip("?") if request.method == "GET" else None
    flash("请先登录 / Please sign in first", "info")
    return redirect(url_for("auth.login", next=here))


def expire_old_sessions() -> None:
    """End a session older than the session lifetime (counted from sign-in, not from the last click)."""
    signed_in_at = session.get("signed_in_at")
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    if signed_in_at is not None and time.time() - signed_in_at > lifetime:
        logout_user()
        session.clear()


def person(username: str | None) -> str:
    """Who did something, as people read it: 「张三（zhang）」 — the display name with the username
    (the trail keeps the username); the username alone for an account without a name, or for an
    actor that is no account (a system job). Looked up once per request."""
    if not username:
        return ""
    names: dict[str, str | None] = g.setdefault("person_names", {})
    if username not in names:
        from engine.accounts.queries import user_by_name
        user = user_by_name(get_uow().session, username)
        names[username] = user.display_name if user is not None and user.display_name else None
    name = names[username]
    return f"{name}（{username}）" if name and name != username else username


def unit_label(code: str | None) -> str:
    """A unit as people read it: its name (the code for a unit no longer there). Read once per request."""
    if not code:
        return ""
    if "unit_names" not in g:
        from engine.units.queries import unit_names
        g.unit_names = unit_names(get_uow().session)
    return g.unit_names.get(code, code)


def init_app(app: Flask) -> None:
    """Install Flask-Login, the session-age and read-only checks, and the blueprint."""
    login_manager.init_app(app)
    # Flask-Login's "strong" protection only marks a *permanent* session non-fresh (ours are
    # permanent), and clears anonymous sessions on every request: it buys nothing here. The session
    # is renewed at sign-in (no fixation), ends 8 hours after it, and a deactivated user is out at once.
    login_manager.session_protection = None
    from engine.accounts.use_cases import is_expired
    app.add_template_global(is_expired, "token_expired")
    app.add_template_global(person)
    app.add_template_global(unit_label)
    app.before_request(expire_old_sessions)
    app.before_request(readers_change_nothing)
    app.register_blueprint(bp)


# ---------------------------------------------------------------- the pages
class LoginForm(FlaskForm):
    username = StringField("用户名 Username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("密码 Password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    next = HiddenField()


GENERIC_FAILURE = "用户名或密码错误，或账户已停用 / Wrong username or password, or the account is disabled"
INCOMPLETE = "请填写用户名和密码 / Enter your username and password"


@bp.route("/login", methods=["GET", "POST"])
@safe_for_readers
def login() -> Any:
    """Show the sign-in form; sign in; refuse a 6th failure within 10 minutes with 429."""
    form = LoginForm(next=request.args.get("next", ""))
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(safe_next(form.next.data, url_for("home.index")))
        return _login_page(form)
    if not form.validate_on_submit():
        return _login_page(form, INCOMPLETE, 400)
    return _attempt(form)


def _login_page(form: LoginForm, failed: str | None = None, status: int = 200,
                headers: dict[str, str] | None = None) -> Any:
    from web.demo import DEMO_USERS
    demo_users = DEMO_USERS if current_app.config.get("DEMO") else ()
    page = render_template("auth/login.html", form=form, failed=failed, demo_users=demo_users)
    return page, status, headers or {}


def _attempt(form: LoginForm) -> Any:
    key = throttle_key(form.username.data)
    wait = login_throttle().retry_after(key)
    if wait:
        return _too_many(form, wait)
    uow = get_uow()
    acct = verify_password(uow.session, form.username.data.strip().lower(), form.password.data)
    if acct is None:
        uow.rollback()       # nothing to keep, and the throttle writes in its own transaction (SQLite: one writer)
        login_throttle().record_failure(key)
        return _login_page(form, GENERIC_FAILURE)
    uow.commit()  # a password hash upgraded to today's parameters, if any
    login_throttle().clear(key)
    _start_session(acct)
    return redirect(safe_next(form.next.data, url_for("home.index")))


def _too_many(form: LoginForm, wait: int) -> Any:
    minutes = max(1, (wait + 59) // 60)
    message = (f"登录失败次数过多，请 {minutes} 分钟后再试 / "
               f"Too many failed sign-ins; try again in {minutes} minute(s)")
    return _login_page(form, message, 429, {"Retry-After": str(wait)})


def keep_this_session(db: Any) -> None:
    """After the signed-in user changed their own account (which ends their sessions), keep this
    one: it takes the new session version, every other cookie stays dead (OWASP Session
    Management: renew on a change of privilege, end the other sessions on a password change)."""
    acct = account(db, current_user.username)
    if acct is not None:
        session[SESSION_VERSION] = acct.session_version


def _start_session(acct: Account) -> None:
    """A fresh session for the user (nothing carried over from before sign-in)."""
    session.clear()
    login_user(SignedIn(acct))
    session.permanent = True
    session["signed_in_at"] = time.time()
    session[SESSION_VERSION] = acct.session_version
    flash(f"欢迎，{acct.display_name} / Welcome, {acct.display_name}", "success")


@bp.get("/logout")
def logout_page() -> Any:
    """Ask to sign out (signing out itself is a POST, so no other site can do it for the user)."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render_template("auth/logout.html")


@bp.post("/logout")
@safe_for_readers
def logout() -> Response:
    """Sign out and forget the session — every session of the user: a copied cookie is dead too."""
    from engine.accounts.use_cases import end_sessions
    if current_user.is_authenticated:
        uow = get_uow()
        end_sessions(uow.session, current_user.username)
        uow.commit()
    logout_user()
    session.clear()
    flash("您已退出登录 / You have signed out", "info")
    return redirect(url_for("auth.login"))


# ---------------------------------------------------------------- one's own API tokens
def form_days() -> int:
    """The validity typed in a token form's `days` field: empty gives the default (90), anything
    but a small whole number gives -1, which issue_token refuses with its message."""
    from engine.accounts.use_cases import TOKEN_DAYS
    typed = request.form.get("days", "").strip()
    if not typed:
        return TOKEN_DAYS
    return int(typed) if typed.isascii() and typed.isdigit() and len(typed) <= 3 else -1


@bp.get("/account/tokens")
@role_required(*EVERYONE)
def my_tokens() -> Any:
    """The signed-in user's API tokens (issue and revoke their own)."""
    return _tokens_page()


@bp.post("/account/tokens")
@own_account
def issue_my_token() -> Any:
    """Issue a token for oneself; its plaintext is shown on this answer only."""
    from engine.accounts.use_cases import issue_token
    label = request.form.get("label", "").strip()[:200]
    return _tokens_page(new_token=for_myself(issue_token, label, days=form_days()))


@bp.post("/account/tokens/<int:token_id>/revoke")
@own_account
def revoke_my_token(token_id: int) -> Any:
    """Revoke one of one's own tokens."""
    from engine.accounts.use_cases import revoke_token, tokens_of
    from web.db import get_uow
    uow = get_uow()
    if not any(t.id == token_id for t in tokens_of(uow.session, current_user.username)):
        refuse(404, f"未知令牌 {token_id}",
               f"Unknown token {token_id}")
    revoke_token(uow.session, token_id, current_user.username)
    uow.commit()
    flash(both("令牌已撤销", "Token revoked"), "success")
    return redirect(url_for("auth.my_tokens"))


def _tokens_page(new_token: str | None = None) -> Any:
    from engine.accounts.use_cases import tokens_of
    from web.db import get_uow
    tokens = tokens_of(get_uow().session, current_user.username)
    return render_template("auth/tokens.html", tokens=tokens, new_token=new_token)


@bp.route("/account/password", methods=["GET", "POST"])
@own_account
def my_password() -> Any:
    """One's own password: the form, and (POST) its change."""
    return _password_page() if request.method == "GET" else _change_my_password()


def _change_my_password() -> Any:
    """Change one's own password, giving the current one first (its wrong guesses count as failed
    sign-ins: a borrowed session cannot try passwords here). Every other session of the user ends;
    this one goes on."""
    from engine.accounts.use_cases import change_own_password
    from engine.core.errors import InputError
    key = throttle_key(current_user.username)
    uow = get_uow()
    uow.rollback()          # nothing written yet; the throttle keeps its count in its own transaction (SQLite: one writer)
    wait = login_throttle().retry_after(key)
    if wait:
        minutes = max(1, (wait + 59) // 60)
        return _password_page([f"错误次数过多，请 {minutes} 分钟后再试 / Too many failures; try again in "
                               f"{minutes} minute(s)"], 429, {"Retry-After": str(wait)})
    try:
        change_own_password(uow.session, current_user.username, request.form.get("current_password", ""),
                            request.form.get("password", ""), request.form.get("repeated_password", ""))
    except InputError as e:
        uow.rollback()
        if any(p.path == "current_password" for p in e.problems):
            login_throttle().record_failure(key)
        return _password_page([p.message for p in e.problems], 400)
    uow.commit()
    login_throttle().clear(key)
    keep_this_session(uow.session)
    flash(both("密码已修改，其他登录已退出", "Password changed; your other sessions are signed out"), "success")
    return redirect(url_for("auth.my_password"))


def _password_page(problems: list[str] | None = None, status: int = 200,
                   headers: dict[str, str] | None = None) -> Any:
    return render_template("auth/password.html", problems=problems or []), status, headers or {}
