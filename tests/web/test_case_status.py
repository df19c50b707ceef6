"""One truth for blocked and overdue: the audit list, the dashboard and /api/cases say the same of
every demo case, before and after a rule edit (engine.decisions.queries.case_status)."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.core.yamlio import LoadedYaml
from engine.decisions.models import CaseRecord, FindingRecord
from engine.decisions.queries import case_status, case_summaries
from engine.decisions.record import case_to_document, load_case, parse_case
from engine.decisions.use_cases import create_case
from engine.rulebook import edits as rule_edits
from engine.rulebook.loader import shipped_rules_dir
from engine.store.uow import UnitOfWork
from web.db import get_engine

ARCHIVING = "CN-12/ninghe/ninghe-archiving.yaml"
ROAD = Path(__file__).resolve().parents[2] / "examples" / "ninghe-county-road-2025.yaml"
UNARCHIVED = "NH-2025-005"     # a district decision published in 2025 and never archived


@pytest.fixture
def seeded(app):
    """The demo, plus the Ninghe road example under another id with no archive and no execution
    report: the district's archiving period (LOC-NH-ARC-01, which binds the district government)
    is long past, so it is overdue; the demo's township cases have no binding deadline past due."""
    from web.demo import OFFICIAL, seed_demo
    with app.app_context():
        engine = get_engine()
        seed_demo(engine)
        doc = case_to_document(load_case(ROAD))
        doc.pop("archive"), doc.pop("execution")
        doc["id"] = UNARCHIVED
        with UnitOfWork(engine) as u:
            create_case(u, parse_case(LoadedYaml(doc), "unarchived"), OFFICIAL, as_of=date(2025, 7, 1))
            u.commit()


def _ids(html: str, css_class: str) -> set[str]:
    start = html.find(f'<ul class="{css_class}">')
    if start < 0:
        return set()
    block = html[start:html.index("</ul>", start)]
    return set(re.findall(r'<a href="/cases/([A-Za-z0-9._-]+)"><code>', block))


def _audit_ids(client, query: str) -> set[str]:
    html = client.get(f"/audit?{query}").get_data(as_text=True)
    return set(re.findall(r'<a href="/audit/cases/([A-Za-z0-9._-]+)"><code>', html))


def _views(client) -> dict[str, tuple[set[str], set[str]]]:
    """(blocked, overdue) case ids as each view shows them."""
    api = client.get("/api/cases").get_json()["cases"]
    dashboard = client.get("/dashboard").get_data(as_text=True)
    return {"api": ({c["id"] for c in api if c["blocked"]}, {c["id"] for c in api if c["overdue"]}),
            "audit": (_audit_ids(client, "blocked=yes"), _audit_ids(client, "overdue=yes")),
            "dashboard": (_ids(dashboard, "blocked-list"), _ids(dashboard, "overdue-list"))}


def _later_archiving() -> str:
    """The Ninghe archiving period made so long that no demo case is overdue (its own tests adjusted)."""
    text = (shipped_rules_dir() / ARCHIVING).read_text(encoding="utf-8")
    edits = ((r"(- \{from: [0-9-]+, value: )10\}", r"\g<1>100000}"),
             (r"(archive: \{archived_on: 2023-06-26, complete: true\}\n +expect: )violated", r"\g<1>satisfied"),
             (r"as_of: 2023-06-30(\n +expect: violated)", r"as_of: 2300-01-01\g<1>"))
    for pattern, replacement in edits:     # each must still match the shipped file
        text, n = re.subn(pattern, replacement, text, count=1)
        assert n == 1, f"{ARCHIVING} no longer matches {pattern!r}"
    return text


def test_the_audit_list_the_dashboard_and_the_api_agree_on_blocked_and_overdue_also_after_a_rule_edit(
        client, login_as, seeded, uow, make_user):
    login_as("admin", username="t-admin")
    views = _views(client)
    blocked, overdue = views["api"]
    assert "YL-DEMO-03" in blocked and "YL-DEMO-04" not in blocked   # waits for its legality opinion
    assert UNARCHIVED in overdue and "YL-2024-011" not in overdue   # the Ninghe period binds the district only
    assert views["audit"] == views["api"] and views["dashboard"] == views["api"], views
    make_user("t-advisor", ["legal_advisor"])
    with uow() as u:
        rule_edits.save_edit(u, ARCHIVING, _later_archiving(), "t-advisor", "测试：延长归档期限")
        u.commit()
    after = _views(client)
    assert UNARCHIVED not in after["api"][1]
    assert after["audit"] == after["api"] and after["dashboard"] == after["api"], after
    with uow(read_only=True) as u:                  # the stored findings were judged again under the edit
        latest = u.session.scalars(select(FindingRecord).where(FindingRecord.case_id == UNARCHIVED)
                                   .order_by(FindingRecord.id.desc())).first()
        finding = next(f for f in latest.report["findings"] if f["rule"] == "LOC-NH-ARC-01")
        assert finding["verdict"] != "violated"


def test_overdue_means_the_day_after_the_due_date_and_blocked_is_read_from_the_findings(seeded, uow):
    with uow(read_only=True) as u:
        record = u.session.get(CaseRecord, UNARCHIVED)
        report = u.session.scalars(select(FindingRecord).where(FindingRecord.case_id == record.id)).first().report
        due = date.fromisoformat(next(f for f in report["findings"] if f["rule"] == "LOC-NH-ARC-01")["facts"]["due_on"])
        on_the_day = case_status(u.session, record, due)
        day_after = case_status(u.session, record, date.fromordinal(due.toordinal() + 1))
        summaries = {s.id: s for s in case_summaries(u.session, as_of=due)}
        demo3 = {s.id: s for s in case_summaries(u.session, as_of=date(2025, 5, 1))}["YL-DEMO-03"]
    assert not on_the_day.overdue and on_the_day.next_due == due
    assert [o.rule for o in day_after.overdue] == ["LOC-NH-ARC-01"]
    assert not summaries[UNARCHIVED].overdue
    assert demo3.blocked_at == "collective_decision" and "MAD-LEG-01" in demo3.blocking_rules
