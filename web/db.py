"""One database engine per app; one unit of work per request, kept in `g`.

    uow = get_uow()            # the request's UnitOfWork (opened on first use)
    outcome = services.record_evidence(uow, …, actor=current_user.username)
    uow.commit()               # the view commits, explicitly, once

GET/HEAD/OPTIONS requests get a read-only unit of work (a consistent snapshot; on SQLite a
deferred transaction, so readers never queue behind the write lock); other methods a writing
one. Whatever was not committed is rolled back when the request ends, error or not.
"""
from __future__ import annotations

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


def get_engine() -> Engine:
    """The app's database engine (for work outside a request: the CLI, the demo seed)."""
    return current_app.extensions[EXTENSION]


def _reading() -> bool:
    return has_request_context() and request.method in SAFE_METHODS


def get_uow() -> UnitOfWork:
    """The unit of work of this request: read-only for safe methods, writing otherwise."""
    if "uow" not in g:
        g.uow = UnitOfWork(get_engine(), read_only=_reading()).__enter__()
    return g.uow


def close_uow(exc: BaseException | None = None) -> None:
    """End the request's unit of work: roll back whatever was not committed, close the session."""
    uow: UnitOfWork | None = g.pop("uow", None)
    if uow is not None:
        uow.__exit__(None, None, None)
