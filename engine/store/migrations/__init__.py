"""Alembic migrations of the yifa schema (run by `yifa db upgrade`; see engine.store.db.upgrade)."""
