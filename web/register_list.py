"""What the register list pages (/documents, /credit, /catalogue) share: reading the paging and the
filters from the query string, naming what cannot be read, building the list's URLs, the export.

    ListQuery                                       a list's query read: a register's subclass adds its filters
    raw_args(names)                                 → the named query arguments, stripped ("" when absent)
    paging(raw_page, raw_size, problems)           → (page, per_page); a bad one named, the default used
    choice(raw, allowed, zh, en, problems)          → the value if allowed, else "" (named)
    sort_choice(raw, sorts, default, problems)      → the sort asked for, else the default (a bad one named)
    shown_args(values, defaults)                    → the query arguments to keep in a URL
    url_with(endpoint, args)                        → the endpoint's URL with its query string
    sort_toggle(current, column, descending_first)  → the sort key a column header links to
    named(names, value)                             → a code's name in the request's language
    add_export(bp, kind, in_memory)                 the register's /export.csv and /export.xlsx

The queries themselves are the domains' (engine/documents/queries.py, engine/credit/queries.py,
both over engine/registers/queries.list_page).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Collection, Mapping
from urllib.parse import urlencode

from flask import Blueprint, Response, request, url_for

from engine.registers.kinds import RegisterKind
from web.auth import EVERYONE, role_required
from web.db import get_uow
from web.i18n import t
from web.register_imports import file_headers, register_file

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
TEXT_MAX = 200
MAX_CHOICES = 500                 # a filter's choices at most (distinct values, alphabetical)


@dataclass(frozen=True)
class ListQuery:
    """A register list's query string, read: the text searched, the sort, the page; a register's
    subclass adds its filters as fields and names them in FILTERS, in the order its URLs give them."""
    q: str
    sort: str
    page: int
    per_page: int

    FILTERS: ClassVar[tuple[str, ...]] = ()
    SORTS: ClassVar[Collection[str]] = ()                # the sort keys, "column" and "-column"
    DEFAULT_SORT: ClassVar[str] = ""
    DESCENDING_FIRST: ClassVar[tuple[str, ...]] = ()     # the columns a header sorts newest first (dates)
    ENDPOINT: ClassVar[str] = ""                         # the list's view, e.g. "documents.index"

    def args(self, **changes: Any) -> dict[str, Any]:
        """The query arguments of this view, with changes; defaults left out (short, shareable URLs)."""
        values = ({name: getattr(self, name) for name in self.FILTERS}
                  | {"q": self.q, "sort": self.sort, "page": self.page, "per_page": self.per_page}
                  | self.kept_args() | changes)
        return shown_args(values, {"sort": self.DEFAULT_SORT, "page": 1, "per_page": DEFAULT_PAGE_SIZE})

    def kept_args(self) -> dict[str, str]:
        """Arguments the list's links keep besides its own (none unless a register adds some)."""
        return {}

    @property
    def filtered(self) -> bool:
        """Whether a filter or a search narrows the list."""
        return bool(self.q or any(getattr(self, name) for name in self.FILTERS))

    def url(self, **changes: Any) -> str:
        """The list with changes (another page, another sort)."""
        return url_with(self.ENDPOINT, self.args(**changes))

    def sortable(self, column: str) -> bool:
        """Whether the list can be sorted by a column (its header is then a link)."""
        return column in self.SORTS or f"-{column}" in self.SORTS

    def sort_url(self, column: str) -> str:
        """The list sorted by a column, from its first page; the current sort's header reverses it."""
        return self.url(sort=sort_toggle(self.sort, column, column in self.DESCENDING_FIRST), page=1)


def raw_args(names: Collection[str]) -> dict[str, str]:
    """The named query arguments, stripped ("" for one not given)."""
    return {name: request.args.get(name, "").strip() for name in names}


def paging(raw_page: str, raw_size: str, problems: list[str]) -> tuple[int, int]:
    """The page number and page size asked for (1 and the default when unreadable, with a problem)."""
    page = 1
    if raw_page:
        if raw_page.isdigit() and 0 < int(raw_page) < 10**9:
            page = int(raw_page)
        else:
            problems.append(t(f"页码应为正整数：{raw_page[:20]}", f"The page must be a positive number: {raw_page[:20]}"))
    per_page = DEFAULT_PAGE_SIZE
    if raw_size:
        if raw_size.isdigit() and int(raw_size) in PAGE_SIZES:
            per_page = int(raw_size)
        else:
            sizes = "、".join(map(str, PAGE_SIZES))
            problems.append(t(f"每页条数应为 {sizes} 之一", f"Rows per page must be one of {', '.join(map(str, PAGE_SIZES))}"))
    return page, per_page


def choice(raw: str, allowed: Collection[str], zh: str, en: str, problems: list[str]) -> str:
    """`raw` if it is one of `allowed` (or empty); otherwise "" and a problem naming it."""
    if raw and raw not in allowed:
        problems.append(t(f"{zh}：{raw[:40]}", f"{en}: {raw[:40]}"))
        return ""
    return raw


def sort_choice(raw: str, sorts: Collection[str], default: str, problems: list[str]) -> str:
    """The sort asked for if it is one of `sorts`; otherwise the default (an unknown one named)."""
    return choice(raw or default, sorts, "未知的排序", "Unknown sort order", problems) or default


def shown_args(values: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """The query arguments worth a URL: empty values and defaults left out (short, shareable URLs)."""
    return {k: v for k, v in values.items() if v not in ("", None) and defaults.get(k) != v}


def url_with(endpoint: str, args: Mapping[str, Any]) -> str:
    return url_for(endpoint) + ("?" + urlencode(args) if args else "")


def sort_toggle(current: str, column: str, descending_first: bool) -> str:
    """The sort a column's header links to: its first direction, or the other one when it is the current sort."""
    first = f"-{column}" if descending_first else column
    other = first[1:] if first.startswith("-") else f"-{first}"
    return other if current == first else first


def named(names: Mapping[str, tuple[str, str]], value: str | None) -> str:
    """A code's name in the request's language (the code itself when it has none)."""
    if not value:
        return ""
    zh, en = names.get(value, (value, value))
    return t(zh, en)


def add_export(bp: Blueprint, kind: RegisterKind, in_memory: bool = False) -> None:
    """`/export.csv` and `/export.xlsx` (endpoint `export_csv`) on a register's blueprint, for every
    role: the whole register as `kind.export(session, out, headers=, fmt=)` writes it — CSV (UTF-8 with
    BOM, CRLF: the bytes of the CLI's `export --out`) or .xlsx; English column names unless `?headers=zh`."""
    stem = kind.file_stem

    def export_csv(fmt: str) -> Response:
        db = get_uow().session
        return register_file(lambda out, f, headers: kind.export(db, out, headers=headers, fmt=f),
                             fmt, stem, file_headers("en"), in_memory=in_memory)

    export_csv.__doc__ = f"The whole register as a file ({stem}.csv or {stem}.xlsx)."
    view = role_required(*EVERYONE)(export_csv)
    for fmt in ("xlsx", "csv"):
        bp.add_url_rule(f"/export.{fmt}", "export_csv", view, defaults={"fmt": fmt})
