"""Blueprint `dashboard` (/dashboard): cases by stage (an inline SVG bar chart), blocked cases, deadlines.

The chart is drawn server-side with presentation attributes only (the CSP allows no inline
style or script) and every text in it is escaped by Jinja. Deadlines come from
engine/decisions/deadlines.py (comment periods, the legality-review floor, publication and archiving),
worked out with each case's status from its one check (CaseStatus.deadlines).
"""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, render_template

from engine.core import clock
from engine.decisions.deadlines import WINDOW_DAYS, upcoming
from engine.decisions.queries import case_summaries
from web.auth import role_required
from web.config import credit_jurisdiction
from web.credit_followups import FollowUpList, follow_up_list
from web.db import get_uow
from web.document_scan import DEFAULT_JURISDICTION, ScanParams, register_scan
from web.i18n import stage_names

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

DASHBOARD_ROLES = ("official", "legality_reviewer", "secretary", "auditor", "admin")
BAR_HEIGHT, BAR_GAP, LABEL_WIDTH, BAR_AREA = 22, 8, 200, 340


def bar_chart(counts: list[tuple[Any, int]]) -> dict[str, Any]:
    """A horizontal bar chart's geometry for (label, count) pairs, in the order given; a label is a
    name (an authority, an issuer) or a (Chinese, English) pair."""
    peak = max((n for _, n in counts), default=0) or 1
    rows = [{"label": label, "count": n, "y": i * (BAR_HEIGHT + BAR_GAP),
             "width": round(BAR_AREA * n / peak) if n else 0} for i, (label, n) in enumerate(counts)]
    return {"bars": rows, "height": max(1, len(rows)) * (BAR_HEIGHT + BAR_GAP), "label_width": LABEL_WIDTH,
            "bar_height": BAR_HEIGHT, "width": LABEL_WIDTH + BAR_AREA + 50}


def deadline_weeks(dated: list[Any], today: date, weeks: int = 5) -> list[tuple[Any, int]]:
    """Dated deadlines counted by week: overdue, then this week and the next ones (Monday first)."""
    monday = today - timedelta(days=today.weekday())
    counts: list[tuple[Any, int]] = [(("已逾期", "Overdue"), sum(1 for d in dated if d.overdue))]
    for w in range(weeks):
        start = monday + timedelta(weeks=w)
        n = sum(1 for d in dated if not d.overdue and start <= d.due < start + timedelta(days=7))
        counts.append(((f"{start.isoformat()} 起的一周", f"Week of {start.isoformat()}"), n))
    return counts


def stage_bars(stages: list[str | None]) -> list[dict[str, Any]]:
    """One bar per stage of the workflow (and "not started"), in procedural order, with its geometry."""
    counts = Counter(stages)
    order: list[str | None] = [None, *stage_names().keys()]
    order += sorted({s for s in counts if s not in order}, key=str)
    peak = max(counts.values(), default=0) or 1
    bars = []
    for i, stage in enumerate(order):
        n = counts.get(stage, 0)
        bars.append({"stage": stage, "count": n, "y": i * (BAR_HEIGHT + BAR_GAP),
                     "width": round(BAR_AREA * n / peak) if n else 0})
    return bars


@bp.get("")
@role_required(*DASHBOARD_ROLES)
def index() -> Any:
    """Cases by stage, blocked cases, and the deadlines of the next 30 days (overdue in red)."""
    session = get_uow().session
    today = clock.today()
    summaries = case_summaries(session, as_of=today)
    deadlines = upcoming((d for c in summaries for d in c.deadlines), today)
    bars = stage_bars([c.stage for c in summaries])
    chart = {"bars": bars, "height": len(bars) * (BAR_HEIGHT + BAR_GAP), "label_width": LABEL_WIDTH,
             "bar_height": BAR_HEIGHT, "width": LABEL_WIDTH + BAR_AREA + 50}
    blocked = [c for c in summaries if c.blocked]
    dated = [d for d in deadlines if d.due is not None]
    follow_ups = follow_up_list(session, today, credit_jurisdiction())
    scan, _ = register_scan(session, ScanParams(today, DEFAULT_JURISDICTION))
    issuers = Counter(todo.issuer for todo in scan.todo)
    charts = {
        "weeks": bar_chart(deadline_weeks(dated, today)),
        "follow_ups": bar_chart([(a.authority, a.follow_ups) for a in FollowUpList.by_authority(follow_ups.items)]),
        "documents": bar_chart(issuers.most_common(10)),
    }
    return render_template("dashboard/index.html", chart=chart, total=len(summaries), blocked=blocked, charts=charts,
                           overdue=[c for c in summaries if c.overdue],
                           dated=dated,
                           undated=[d for d in deadlines if d.due is None], today=today, window=WINDOW_DAYS)
