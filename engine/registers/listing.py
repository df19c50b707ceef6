"""What the registers' list pages share: a page of a list (which slice it shows and the page links
around it), the longest number a register holds, and a CHECK constraint's text. The SQL that reads a
register (every row in order, counts, one filtered and sorted page) is engine/registers/queries.py."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NUMBER_MAX = 200        # a document's 文号 or a penalty decision's number


def in_values(column: str, values: tuple[str, ...]) -> str:
    """A CHECK constraint's text: the column holds one of the values."""
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


@dataclass(frozen=True)
class Page:
    """Which slice of a list a page shows, and its rows."""
    total: int             # matching the filters
    page: int
    pages: int
    per_page: int
    rows: list[Any] = field(default_factory=list)

    @classmethod
    def of(cls, total: int, page: int, per_page: int, rows: list[Any] | None = None) -> "Page":
        """The page asked for, or the last one when the list is shorter."""
        pages = max(1, -(-total // per_page))
        return cls(total, min(page, pages), pages, per_page, rows or [])

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def first(self) -> int:
        return self.offset + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.page * self.per_page, self.total)

    def window(self, around: int = 2) -> list[int | None]:
        """The page numbers to link: the first, the last, and a few around this one (None: a gap)."""
        wanted = {1, self.pages} | set(range(max(1, self.page - around), min(self.pages, self.page + around) + 1))
        out: list[int | None] = []
        for n in sorted(wanted):
            if out and n - (out[-1] or 0) > 1:
                out.append(None)
            out.append(n)
        return out
