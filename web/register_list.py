"""What the two register list pages (/documents and /credit) share: reading the paging and the
filters from the query string, naming what cannot be read, and building the list's URLs.

    paging(raw_page, raw_size, problems)           → (page, per_page); a bad one named, the default used
    choice(raw, allowed, zh, en, problems)          → the value if allowed, else "" (named)
    shown_args(values, defaults)                    → the query arguments to keep in a URL
    url_with(endpoint, args)                        → the endpoint's URL with its query string
    sort_toggle(current, column, descending_first)  → the sort key a column header links to
    named(names, value)                             → a code's name in the request's language

The queries themselves are the domains' (engine/documents/queries.py, engine/credit/queries.py,
both over engine/registers/queries.list_page).
"""
from __future__ import annotations

from typing import Any, Collection, Mapping
from urllib.parse import urlencode

from flask import url_for

from web.i18n import t

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
TEXT_MAX = 200


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
