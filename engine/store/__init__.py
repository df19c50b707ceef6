"""Persistence: SQLAlchemy models, the database and its migrations, the unit of work, the dossier.

    db.py          which database (DATABASE_URL / SQLite in the instance folder), engines, upgrade()
    models.py      the tables (trail_events is the public contract of CASE_FORMAT §7)
    uow.py         UnitOfWork: one transaction per use case, committed explicitly
    repository.py  cases under a version check, rulebook versions kept for replay
    trail_rows.py  reading the trail fast and locking a chain's head (used by engine.trail)
    dossier.py     the archive record of a case (JSON + printable HTML)
    migrations/    Alembic, configured in code (no alembic.ini)
"""
