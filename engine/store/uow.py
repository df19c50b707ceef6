"""The unit of work: one transaction per use case; it commits when told to, and rolls back otherwise."""
from __future__ import annotations

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
        bind = self.engine
        if read_only:
            options: dict[str, object] = {READ_ONLY: True}
            if self.engine.dialect.name == "postgresql":
                options.update(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            bind = self.engine.execution_options(**options)
        self._sessions = sessionmaker(bind=bind, expire_on_commit=False)

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
