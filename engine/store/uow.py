"""The unit of work: one transaction per use case; it commits when told to, and rolls back otherwise."""
from __future__ import annotations

import functools
from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from engine.store.db import READ_ONLY, default_engine


class UnitOfWork:
    """`with UnitOfWork(engine) as uow: …; uow.commit()` — leaving without commit() rolls back.

    `read_only=True` reads a consistent snapshot: REPEATABLE READ READ ONLY on PostgreSQL, a
    deferred transaction on SQLite (writers take the write lock up front with BEGIN IMMEDIATE).
    """

    session: Session

    def __init__(self, engine: Engine | None = None, read_only: bool = False) -> None:
        self.engine = engine or default_engine()
        self.read_only = read_only
        self._sessions = _session_factory(self.engine, read_only)

    def __enter__(self) -> UnitOfWork:
        self.session = self._sessions()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self.read_only:  # a reader has nothing to undo: keep what it loaded usable
            self.rollback()
        self.session.close()  # ends the transaction (at the database: a rollback)

    def commit(self) -> None:
        """Make every change of this unit of work durable, at once."""
        self.session.commit()

    def rollback(self) -> None:
        """Forget every change not committed."""
        self.session.rollback()


@functools.lru_cache(maxsize=8)
def _session_factory(engine: Engine, read_only: bool) -> sessionmaker[Session]:
    """The sessions of a unit of work on `engine`, reading only or not: made once per engine (a web
    request opens one; binding the read-only options anew cost more than the rest of opening it).
    Kept for the few engines most recently used (a process has one per database)."""
    bind = engine
    if read_only:
        options: dict[str, object] = {READ_ONLY: True}
        if engine.dialect.name == "postgresql":
            options.update(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        bind = engine.execution_options(**options)
    return sessionmaker(bind=bind, expire_on_commit=False)
