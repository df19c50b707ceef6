"""What the registers' stored tables share: reading every row in register order, counting rows."""
from __future__ import annotations

from typing import Any

NUMBER_MAX = 200        # a document's 文号 or a penalty decision's number


def in_values(column: str, values: tuple[str, ...]) -> str:
    """A CHECK constraint's text: the column holds one of the values."""
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def stored_in_order(session: Any, model: Any, batch: int = 2000, *where: Any) -> Any:
    """Every stored row of a register table in register order (its id), read in batches as plain
    rows (attribute access like the model, without the ORM's identity map: 4× faster to read)."""
    from sqlalchemy import select
    query = select(*model.__table__.columns).where(*where).order_by(model.id).execution_options(yield_per=batch)
    return session.execute(query)


def stored_count(session: Any, model: Any) -> int:
    """How many rows a register table holds."""
    from sqlalchemy import func, select
    return session.scalar(select(func.count()).select_from(model)) or 0
