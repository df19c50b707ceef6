"""The landing page: the signed-in user's 待办 (web/reminders.py), then what their role works on, as a list of cases."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user

from engine.accounts.models import ROLES
from engine.core import clock
from engine.decisions.concerns import concerns
from engine.decisions.queries import CaseSummary, case_summaries
from web.auth import role_required
from web.db import get_uow
from web.reminders import HOME_ROWS, my_todos

bp = Blueprint("home", __name__)


@dataclass(frozen=True)
class Landing:
    heading: tuple[str, str]
    intro: tuple[str, str]
    links: tuple[tuple[str, str, str], ...]          # (href, zh, en)


LANDINGS = {
    "official": Landing(("我提出的决策", "Decisions I proposed"),
                        ("记录各阶段材料，推进到下一阶段，或查看为何不能推进。",
                         "Record each stage's evidence, advance to the next stage, or see why not."),
                        (("/cases/new", "新建决策", "New proposal"),)),
    "legality_reviewer": Landing(("待合法性审查的决策", "Decisions awaiting legality review"),
                                 ("本人提出的决策不在此列：不得审查自己的提案。",
                                  "Your own proposals are not listed: nobody reviews their own proposal."),
                                 ()),
    "legal_advisor": Landing(("规则库与案件", "The rulebook and the cases"),
                             ("维护规则文件；修改前可预览对已存案件的影响。",
                              "Maintain the rule files; preview the impact on stored cases before saving."),
                             (("/rules", "规则库", "Rulebook"),)),
    "secretary": Landing(("待集体讨论、报告与公布的决策", "Decisions awaiting decision, report and publication"),
                         ("记录集体讨论决定、向党委请示报告、决策公布与归档。",
                          "Record the collective decision, the Party report, publication and archiving."),
                         ()),
    "auditor": Landing(("全部决策（受阻的在前）", "All decisions (blocked first)"),
                       ("查阅审计链、校验其完整性、导出卷宗。", "Read the trails, verify them, export the dossiers."),
                       (("/audit", "审计", "Audit"),)),
    "admin": Landing(("全部决策", "All decisions"), ("管理用户及其角色。", "Manage users and their roles."),
                     (("/admin/users", "用户管理", "Users"),)),
}


def landing_role(roles: frozenset[str]) -> str:
    """The role whose landing a user sees: the first they hold, in the order of ROLES."""
    return next(r for r in ROLES if r in roles)


def _blocked_first(cases: list[CaseSummary]) -> list[CaseSummary]:
    return sorted(cases, key=lambda c: not c.blocked)  # stable: most recent first within each group


@bp.get("/")
@role_required(*ROLES)
def index() -> Any:
    """Show the user's landing: their role's work and the cases it concerns."""
    role = landing_role(current_user.roles)
    landing = LANDINGS[role]
    session, today = get_uow().session, clock.today()
    every = case_summaries(session, as_of=today)
    todos = my_todos(session, today, every)
    cases = [c for c in every if concerns(role, c, current_user.username)]
    if role == "auditor":
        cases = _blocked_first(cases)
    return render_template("home/index.html", landing=landing, role=role, cases=cases, today=today,
                           todos=todos[:HOME_ROWS], more_todos=len(todos) - HOME_ROWS)
