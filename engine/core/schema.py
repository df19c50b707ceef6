"""The whole schema: every domain's tables on the store's one `Base`.

The store imports no domain module, so whatever needs `Base.metadata` complete — the Alembic
environment and the test that compares the migrations with the mappings — imports this instead.
"""
from __future__ import annotations

import engine.accounts.models  # noqa: F401
import engine.catalogue.models  # noqa: F401
import engine.credit.models  # noqa: F401
import engine.decisions.models  # noqa: F401
import engine.documents.models  # noqa: F401
import engine.reminders.models  # noqa: F401
import engine.units.models  # noqa: F401
from engine.store.models import Base

metadata = Base.metadata
