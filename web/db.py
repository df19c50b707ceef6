"""One database engine per app; one unit of work per request, kept in `g`.

    uow = get_uow()            # the request's UnitOfWork (opened on first use)
    outcome = services.record_evidence(uow, …, actor=current_user.username)
    uow.commit()               # the view commits, explicitly, once

GET/HEAD/OPTIONS requests get a read-only unit of work (a consistent snapshot; on SQLite a
deferred transaction, so readers never queue behind the write lock); other methods a writing
one. Whatever was not committed is rolled back when the request ends, error or not.
"""
from __future__ import annotations

import time

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Engine

from engine.store.db import ready_engine
from engine.store.uow import UnitOfWork

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
EXTENSION = "yifa.engine"


def init_app(app: Flask) -> None:
    """Bring the database schema up to date and keep the engine for the app's lifetime."""
    app.extensions[EXTENSION] = ready_engine(app.config["DATABASE_URL"])
    app.teardown_appcontext(close_uow)
    app.before_request(sync_rules)


RULE_SYNC_SECONDS = 2.0          # a rule edit saved on another server is judged by here within this
_last_sync: dict[str, float] = {}


def sync_rules() -> None:
    """Bring this server's copy of the edited rule files in line with the database (at most every
    RULE_SYNC_SECONDS per process; engine/rulebook/shared.py)."""
    if request.endpoint == "static":
        return
    key = current_app.config["DATABASE_URL"]
    now = time.monotonic()
    if now - _last_sync.get(key, -RULE_SYNC_SECONDS) < RULE_SYNC_SECONDS:
        return
    _last_sync[key] = now
    from engine.rulebook.shared import sync_overlay
    with UnitOfWork(get_engine(), read_only=True) as uow:
        sync_overlay(uow.session)


def get_engine() -> Engine:
    """The app's database engine (for work outside a request: the CLI, the demo seed)."""
    return current_app.extensions[EXTENSION]


def _reading() -> bool:
    return has_request_context() and request.method in SAFE_METHODS


def get_uow(read_only: bool | None = None) -> UnitOfWork:
    """The unit of work of this request: read-only for safe methods (or when asked for, by a POST
    that writes nothing), writing otherwise; limited to the user's units."""
    if "uow" not in g:
        g.uow = UnitOfWork(get_engine(), read_only=_reading() if read_only is None else read_only).__enter__()
        _limit_to_user(g.uow)
    return g.uow


def _limit_to_user(uow: UnitOfWork) -> None:
    """A request sees the records of the units the signed-in user's roles cover, nothing else
    (engine/units/scope.py); signed out, it sees none (a page for nobody reads no record). Outside a
    request (a `flask` command of the operator's) nothing is limited."""
    from flask_login import current_user

    from engine.units.queries import units_by_code
    from engine.units.scope import NOTHING, limit_to, scope_of
    if not has_request_context():
        return
    limit_to(uow.session, NOTHING)               # until the user is known (loading them reads no record)
    if current_user.is_authenticated:
        units = units_by_code(uow.session)
        g.unit_names = {code: unit.name for code, unit in units.items()}     # what web/auth.unit_label shows
        limit_to(uow.session, scope_of(uow.session, current_user.username, placements=current_user.placements,
                                       units=units))


def close_uow(exc: BaseException | None = None) -> None:
    """End the request's unit of work: roll back whatever was not committed, close the session."""
    uow: UnitOfWork | None = g.pop("uow", None)
    if uow is not None:
        uow.__exit__(None, None, None)
