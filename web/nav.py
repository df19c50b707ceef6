"""The top bar's links, by role. A page not built yet links to its planned path.

When you add a blueprint, keep its entry's roles equal to what its views' `role_required` allow
(the link is a courtesy; the decorator is the check).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request, url_for
from flask_login import current_user

from engine.accounts.models import ROLES


@dataclass(frozen=True)
class NavLink:
    endpoint: str          # the view, once it exists
    path: str              # where it will live (used until the view exists)
    zh: str
    en: str
    roles: tuple[str, ...]


NAV = (
    NavLink("home.index", "/", "首页", "Home", ROLES),
    NavLink("cases.index", "/cases", "案件", "Cases", ROLES),
    NavLink("audit.index", "/audit", "审计", "Audit", ("auditor", "admin")),
    NavLink("documents.index", "/documents", "规范性文件", "Normative documents", ROLES),
    NavLink("documents.scan", "/documents/scan", "清理扫描", "Clean-up scan", ROLES),
    NavLink("credit.index", "/credit", "信用修复", "Credit repair", ROLES),
    NavLink("catalogue.index", "/catalogue", "决策事项目录", "Decision catalogue", ROLES),
    NavLink("rules.index", "/rules", "规则库", "Rulebook", ROLES),
    NavLink("dashboard.index", "/dashboard", "仪表盘", "Dashboard",
            ("official", "legality_reviewer", "secretary", "auditor", "admin")),
    NavLink("report.annual", "/report/annual", "年度报告", "Annual report", ("secretary", "auditor", "admin")),
    NavLink("admin.users", "/admin/users", "用户", "Users", ("admin",)),
    NavLink("admin.units", "/admin/units", "单位", "Units", ("admin",)),
)


def _href(link: NavLink) -> str:
    """The link's address: its view's (built once per app and root path: a view's rule does not change
    while the app runs), else its planned path."""
    built = current_app.extensions.setdefault(NAV_HREFS, {})
    key = (link.endpoint, request.script_root)
    if key not in built:
        built[key] = url_for(link.endpoint) if link.endpoint in current_app.view_functions else link.path
    return built[key]


NAV_HREFS = "yifa.nav_hrefs"        # app.extensions: (endpoint, root path) → the link's address


def _active(link: NavLink) -> bool:
    return request.path == link.path if link.path == "/" else request.path.startswith(link.path)


def nav_links() -> list[dict]:
    """The links the current user's roles open: text in both languages, href, and whether current."""
    if not current_user.is_authenticated:
        return []
    links = [link for link in NAV if current_user.has_role(*link.roles)]
    here = max((link for link in links if _active(link)), key=lambda link: len(link.path), default=None)
    return [{"zh": link.zh, "en": link.en, "href": _href(link), "active": link is here}   # the most specific
            for link in links]
