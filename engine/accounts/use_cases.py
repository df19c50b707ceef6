"""People who sign in: accounts, argon2 password hashes and the JSON API's bearer tokens.

Domain code (no Flask): the web app and the CLI call these with a session; the caller commits.
A token is shown once, when issued; only its SHA-256 is stored, so a stolen database gives no
working token. Who may issue or revoke a token is decided here: its owner, or an admin.
"""
from __future__ import annotations

import functools
import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from engine.accounts.access import require_role
from engine.accounts.models import ROLES, ApiToken, UnitRole, User
from engine.accounts.passwords import password_problem
from engine.accounts.queries import (
    account_rows,
    role_rows,
    token_by_digest,
    token_by_id,
    tokens_of,
    user_by_name,
)
from engine.core import clock
from engine.core.errors import InputError, PermissionDeniedError
from engine.trail import append_event

TOKEN_PREFIX = "yifa_"
USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_.-")
# the trail chain of user administration: "@" keeps it apart from every case id ([A-Za-z0-9._-]);
# engine.trail.verify_all walks it with the others
USERS_CHAIN = "@users"


@dataclass(frozen=True)
class Account:
    """A signed-in person as the callers see them: no hash, roles resolved."""

    username: str
    display_name: str
    roles: frozenset[str]
    active: bool
    session_version: int = 0
    # where the roles are held: (unit code, role, over its subtree) — what engine/units/scope.scope_of reads
    placements: tuple[tuple[str, str, bool], ...] = ()


@functools.lru_cache(maxsize=1)
def hasher() -> PasswordHasher:
    """The argon2id hasher (argon2-cffi's RFC 9106 low-memory defaults)."""
    return PasswordHasher()


@functools.lru_cache(maxsize=1)
def _decoy_hash() -> str:
    # verified against when the user is unknown, so both answers take the same time
    return hasher().hash(secrets.token_hex(16))


def _refuse(field: str, message: str) -> InputError:
    return InputError.single("<user>", message, field)


def _check_username(username: str) -> None:
    if not 1 <= len(username) <= 64 or not set(username) <= USERNAME_CHARS:
        raise _refuse("username", "用户名须为1–64个小写字母、数字或 _ . - / "
                                  "a username is 1–64 lower-case letters, digits or _ . -")


def _check_roles(roles: Iterable[str]) -> list[str]:
    wanted = list(dict.fromkeys(roles))
    unknown = [r for r in wanted if r not in ROLES]
    if not wanted or unknown:
        raise _refuse("roles", f"角色无效：{', '.join(unknown) or '（无）'}，应为 {' | '.join(ROLES)} / "
                               f"invalid roles: {', '.join(unknown) or '(none)'}; expected {' | '.join(ROLES)}")
    return wanted


def hash_password(password: str, username: str | None = None) -> str:
    """Hash a password with argon2id, refusing one that passwords.password_problem refuses."""
    problem = password_problem(password, username)
    if problem is not None:
        raise _refuse("password", f"密码：{problem[0]} / password: {problem[1]}")
    return hasher().hash(password)


def create_user(session: Session, username: str, display_name: str, roles: Iterable[str],
                password: str | None = None, active: bool = True, unit: str | None = None,
                subtree: bool | None = None) -> Account:
    """Add a user with their roles in a unit (and a password, if given); refuse a taken username.
    Without a unit, the roles are held over the whole tree (as everyone's were before units);
    in a unit named, over that unit alone unless `subtree`."""
    _check_username(username)
    wanted = _check_roles(roles)
    if user_by_name(session, username) is not None:
        raise _refuse("username", f"用户 {username} 已存在 / user {username} already exists")
    where, over = _placement(session, unit, subtree)
    password_hash = hash_password(password, username) if password is not None else None
    session.add(User(username=username, display_name=display_name or username,
                     password_hash=password_hash, active=active))
    session.flush()
    session.add_all(UnitRole(username=username, unit_code=where, role=r, subtree=over) for r in wanted)
    session.flush()
    return Account(username, display_name or username, frozenset(wanted), active)


def _placement(session: Session, unit: str | None, subtree: bool | None) -> tuple[str, bool]:
    """The unit roles go to and whether over its subtree: the top of the tree and all below it
    when no unit is named."""
    from engine.units.queries import top_unit, unit_by_code
    if unit is None:
        return top_unit(session), True if subtree is None else subtree
    if unit_by_code(session, unit) is None:
        raise _refuse("unit", f"未知单位 {unit} / unknown unit {unit}")
    return unit, bool(subtree)


def set_roles(session: Session, username: str, roles: Iterable[str], actor: str, unit: str | None = None,
              subtree: bool | None = None) -> tuple[list[str], list[str]]:
    """Replace the roles a user holds in a unit (flushed, not committed) and record it in the users
    chain (`user.roles_changed`: the unit, before and after); an admin may, and cannot take the admin
    role from themselves. Without a unit: the unit the user holds roles in first (the top of the tree
    for a user with none); without `subtree`: as the roles there were held. An empty list of roles
    takes the user's roles in that unit away, if they keep roles elsewhere. Gives (before, after)."""
    from engine.units.scope import home_unit
    require_role(session, actor, ("admin",))
    user = user_by_name(session, username)
    if user is None:
        raise _refuse("username", f"未知用户 {username} / unknown user {username}")
    wanted = list(dict.fromkeys(roles))
    where, placed_over = _placement(session, unit if unit is not None else home_unit(session, username), None)
    rows = role_rows(session, username, where)
    over = subtree if subtree is not None else rows[0].subtree if rows else placed_over
    elsewhere = [r for r in role_rows(session, username) if r.unit_code != where]
    if not wanted and not elsewhere:
        raise _refuse("roles", "用户须至少保留一个角色（不再使用的账户请停用）/ "
                               "a user keeps at least one role (deactivate an account no longer used)")
    if wanted:
        wanted = _check_roles(wanted)
    if username == actor and "admin" not in wanted and not any(r.role == "admin" for r in elsewhere):
        raise _refuse("roles", "不能撤销自己的管理员角色 / you cannot remove your own admin role")
    before = sorted(r.role for r in rows)
    for row in rows:
        session.delete(row)
    session.flush()
    session.add_all(UnitRole(username=username, unit_code=where, role=r, subtree=over) for r in wanted)
    _bump(user)        # a session holding the old roles ends
    session.flush()
    after = sorted(wanted)
    append_event(session, USERS_CHAIN, actor, "user.roles_changed",
                 {"username": username, "unit": where, "subtree": over, "before": before, "after": after})
    return before, after


def set_active(session: Session, username: str, active: bool, actor: str) -> None:
    """Activate or deactivate a user (flushed, not committed), recorded in the users chain
    (`user.activated` or `user.deactivated`); an admin may, and cannot deactivate themselves."""
    require_role(session, actor, ("admin",))
    user = user_by_name(session, username)
    if user is None:
        raise _refuse("username", f"未知用户 {username} / unknown user {username}")
    if username == actor and not active:
        raise _refuse("active", "不能停用自己的账户 / you cannot deactivate your own account")
    user.active = active
    _bump(user)
    session.flush()
    append_event(session, USERS_CHAIN, actor, "user.activated" if active else "user.deactivated",
                 {"username": username})


EMAIL = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+")


def set_email(session: Session, username: str, email: str | None, actor: str) -> None:
    """Set (or, with None or "", clear) where a user's daily digest goes; the user or an admin may."""
    require_owner_or_admin(session, actor, username, ("电子邮件地址", "e-mail address"))
    user = user_by_name(session, username)
    if user is None:
        raise _refuse("username", f"未知用户 {username} / unknown user {username}")
    address = (email or "").strip()
    if address and (len(address) > 254 or not EMAIL.fullmatch(address)):
        raise _refuse("email", f"电子邮件地址无效：{address!r} / not an e-mail address: {address!r}")
    user.email = address or None
    session.flush()


def set_password(session: Session, username: str, password: str) -> None:
    """Replace a user's password; every session of the user ends."""
    user = user_by_name(session, username)
    if user is None:
        raise _refuse("username", f"未知用户 {username} / unknown user {username}")
    user.password_hash = hash_password(password, username)
    _bump(user)
    session.flush()


def change_own_password(session: Session, username: str, current: str, new: str, repeated: str) -> None:
    """A user replaces their own password: refused (InputError naming the field) unless `current` is
    their password, `repeated` is `new`, and `new` passes the password rules and differs from
    `current`. Every session of the user ends (the caller keeps the one that asked); a trail event
    of the users chain records it, never the password."""
    if verify_password(session, username, current) is None:
        raise _refuse("current_password", "当前密码不正确 / the current password is wrong")
    if new != repeated:
        raise _refuse("repeated_password", "两次输入的新密码不一致 / the new password and its repetition differ")
    if new == current:
        raise _refuse("password", "新密码须与当前密码不同 / the new password must differ from the current one")
    set_password(session, username, new)
    append_event(session, USERS_CHAIN, username, "user.password_changed", {"username": username})


def end_sessions(session: Session, username: str) -> None:
    """Sign the user out everywhere: every session cookie issued before now stops working."""
    user = user_by_name(session, username)
    if user is not None:
        _bump(user)
        session.flush()


def _bump(user: User) -> None:
    user.session_version = (user.session_version or 0) + 1


def account(session: Session, username: str) -> Account | None:
    """The account of an active user, or None (unknown or deactivated)."""
    rows = account_rows(session, username)
    if not rows or not rows[0].active:
        return None
    user = rows[0]
    placements = tuple((r.unit_code, r.role, bool(r.subtree)) for r in rows if r.role is not None)
    return Account(user.username, user.display_name, frozenset(role for _, role, _ in placements), user.active,
                   user.session_version or 0, placements)


def verify_password(session: Session, username: str, password: str) -> Account | None:
    """The account if the password is right and the user active; None otherwise, whatever the reason."""
    user = user_by_name(session, username)
    stored = user.password_hash if user is not None and user.password_hash else _decoy_hash()
    try:
        hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.password_hash or not user.active:
        return None
    if hasher().check_needs_rehash(stored):  # parameters raised since: upgrade on the way in
        user.password_hash = hasher().hash(password)
    return account(session, username)


# ---------------------------------------------------------------- API tokens
def token_digest(plaintext: str) -> str:
    """The stored form of a token: its SHA-256, hex."""
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def require_owner_or_admin(session: Session, actor: str, owner: str,
                          what: tuple[str, str] = ("令牌", "tokens")) -> None:
    """Refuse unless the actor is the owner or an admin (`what`: what is managed, for the message)."""
    from engine.accounts.access import roles_of
    if actor != owner and "admin" not in roles_of(session, actor):
        raise PermissionDeniedError(f"用户 {actor} 不能管理 {owner} 的{what[0]}（仅本人或管理员）",
                                    f"{actor} may not manage {owner}'s {what[1]} (only the owner or an admin)")


TOKEN_DAYS, MAX_TOKEN_DAYS = 90, 365


def issue_token(session: Session, username: str, label: str, actor: str | None = None,
                days: int = TOKEN_DAYS) -> str:
    """Issue a bearer token for a user, valid `days` days (1–365, default 90); the plaintext is
    returned now and never again."""
    require_owner_or_admin(session, actor or username, username)
    if account(session, username) is None:
        raise _refuse("username", f"未知或已停用的用户 {username} / unknown or inactive user {username}")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_TOKEN_DAYS:
        raise _refuse("days", f"有效天数应为 1–{MAX_TOKEN_DAYS} 的整数 / days must be an integer from 1 to {MAX_TOKEN_DAYS}")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    issued = clock.now()            # the instance's day (YIFA_TODAY), as every validity is measured
    session.add(ApiToken(username=username, token_hash=token_digest(plaintext), label=label.strip() or None,
                         created_at=issued, expires_at=issued + timedelta(days=days)))
    session.flush()
    return plaintext


def revoke_token(session: Session, token_id: int, actor: str) -> None:
    """Revoke a token (by its id); its owner or an admin may. Revoking twice changes nothing."""
    token = token_by_id(session, token_id)
    if token is None:
        raise _refuse("token", f"未知令牌 {token_id} / unknown token {token_id}")
    require_owner_or_admin(session, actor, token.username)
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        session.flush()


def is_expired(token: ApiToken) -> bool:
    """Whether a token's validity has run out (migration 0007 gave every older token an expiry;
    one without, written by hand, never runs out)."""
    expires = token.expires_at
    if expires is None:
        return False
    now = clock.now()
    if expires.tzinfo is None:          # SQLite gives naive datetimes back
        now = now.replace(tzinfo=None)
    return expires <= now


def user_for_token(session: Session, plaintext: str) -> Account | None:
    """The active account a live token belongs to, or None."""
    if not plaintext.startswith(TOKEN_PREFIX):
        return None
    token = token_by_digest(session, token_digest(plaintext))
    if token is None or token.revoked_at is not None or is_expired(token):
        return None
    return account(session, token.username)


__all__ = ["Account", "USERS_CHAIN", "create_user", "end_sessions", "is_expired", "hash_password", "issue_token", "revoke_token",
           "set_active", "set_password", "set_roles", "token_digest", "tokens_of", "user_for_token", "verify_password"]
