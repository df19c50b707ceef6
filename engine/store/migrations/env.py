"""Alembic environment: configured in code by engine.store.db (no alembic.ini needed)."""
from alembic import context

from engine.core import schema
from engine.store.db import make_engine

config = context.config


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=schema.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or None)
    try:
        with engine.begin() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("yifa migrations run online only: use `yifa db upgrade`")
run_migrations_online()
