"""The dashboard: the stage chart (inline SVG), blocked cases and deadlines, for each allowed role."""
from __future__ import annotations

from datetime import date, timedelta

from engine.decisions.deadlines import case_deadlines, upcoming
from tests.days import TODAY
from web.dashboard import DASHBOARD_ROLES


def test_the_dashboard_shows_the_chart_blocked_cases_and_deadlines_to_each_allowed_role(client, login_as, seeded):
    closes = TODAY + timedelta(days=30)   # YL-DEMO-01: comment period open 35 days, opened 5 days ago
    for role in DASHBOARD_ROLES:
        login_as(role, username=f"t-{role.replace('_', '-')}")
        page = client.get("/dashboard")
        assert page.status_code == 200, role
        html = page.get_data(as_text=True)
        assert "<svg" in html and "<rect" in html
        assert "YL-DEMO-03" in html and "MAD-LEG-01" in html          # blocked, with the blocking rule
        assert "YL-DEMO-01" in html and closes.isoformat() in html    # the comment period closing
        assert "征求意见期届满" in html
        assert "<style" not in html and "style=" not in html          # the CSP allows no inline style


def test_the_legal_advisor_and_anonymous_users_do_not_see_the_dashboard(client, login_as):
    assert client.get("/dashboard").status_code == 302
    login_as("legal_advisor")
    assert client.get("/dashboard").status_code == 403


def test_text_in_the_chart_is_escaped(client, login_as, uow):
    from engine.core.yamlio import LoadedYaml
    from engine.decisions import use_cases as services
    from engine.decisions.record import parse_case
    login_as("official")
    with uow() as u:
        services.create_case(u, parse_case(LoadedYaml({"id": "X-1", "title": "<script>x</script>"}), "t"), "official")
        u.commit()
    html = client.get("/dashboard").get_data(as_text=True)
    assert "<script>x</script>" not in html


def test_deadlines_from_a_case_file():
    today = date(2024, 9, 20)
    floor = upcoming(case_deadlines("X", "t", {"legality_review": {"submitted_on": "2024-09-27"}}, today,
                                    jurisdiction="CN-12/ninghe/yuelong"), today)
    # 7 working days strictly between submission and meeting, over National Day 2024 (9-29 and 10-12 worked)
    assert [(d.kind, d.due) for d in floor] == [("legality_floor", date(2024, 10, 13))]
    def decided(level: str, jurisdiction: str = "CN-12/ninghe") -> dict:
        return {"id": "Y", "title": "t", "jurisdiction": jurisdiction,
                "decision_body": {"name": "某人民政府", "level": level},
                "collective_decision": {"held_on": "2024-09-02", "decision": "approve"}}

    # the deadlines are the findings' due_on: the rule, its citation and the day, as the case page says
    district = {d.kind: d for d in case_deadlines("Y", "t", decided("county"), today, jurisdiction="CN-12/ninghe")}
    assert district["archiving_due"].due == date(2024, 9, 12) and district["archiving_due"].overdue
    assert district["archiving_due"].rule == "LOC-NH-ARC-01"
    assert district["publication_due"].due == date(2024, 9, 30) and not district["publication_due"].overdue
    assert district["publication_due"].rule == "MAD-PUB-01" and "第三十二条" in district["publication_due"].article
    # the Ninghe archiving period binds the district government only: a township has no archiving date
    township = {d.kind for d in case_deadlines("Y", "t", decided("township", "CN-12/ninghe/yuelong"), today,
                                               jurisdiction="CN-12/ninghe/yuelong")}
    assert "not_archived" in township and "archiving_due" not in township and "publication_due" in township
    national = {d.kind for d in case_deadlines("Z", "t", decided("county", "CN"), today, jurisdiction="CN")}
    assert "not_archived" in national and "archiving_due" not in national
    # published: the publication duty is done and no longer listed
    published = decided("county") | {"publication": {"published_on": "2024-09-10", "channels": ["gazette"]}}
    assert "publication_due" not in {d.kind for d in case_deadlines("Y", "t", published, today,
                                                                    jurisdiction="CN-12/ninghe")}


def test_an_overdue_deadline_is_marked(client, login_as, uow):
    from engine.core.yamlio import LoadedYaml
    from engine.decisions import use_cases as services
    from engine.decisions.record import parse_case
    login_as("secretary")
    held = (TODAY - timedelta(days=60)).isoformat()
    doc = {"id": "OLD-1", "title": "逾期", "jurisdiction": "CN-12/ninghe/yuelong",
           "decision_body": {"name": "天津市宁河区岳龙镇人民政府", "level": "township"},
           "collective_decision": {"held_on": held, "decision": "approve"}}     # publication overdue
    with uow() as u:
        from engine.accounts.use_cases import create_user
        create_user(u.session, "off", "off", ["official"], "0123456789x")
        services.create_case(u, parse_case(LoadedYaml(doc), "t"), "off")
        u.commit()
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'class="overdue"' in html and "已逾期" in html


def test_the_dashboard_checks_each_case_once_and_lists_the_deadlines_of_its_status(client, login_as, seeded,
                                                                                  monkeypatch):
    from engine.core.check import Checker
    from engine.decisions.queries import case_summaries
    calls: list[str] = []
    check = Checker.check

    def counted(self, record, as_of, engine="durable"):
        calls.append(record.id)
        return check(self, record, as_of, engine)

    login_as("secretary", username="t-secretary")
    monkeypatch.setattr(Checker, "check", counted)
    html = client.get("/dashboard").get_data(as_text=True)
    page_calls, calls[:] = sorted(calls), []
    with client.application.app_context():
        from web.db import get_uow
        summaries = case_summaries(get_uow().session, as_of=TODAY)
    assert page_calls and page_calls == sorted(calls)     # the statuses' checks, none made again for deadlines
    comment = [d for s in summaries for d in s.deadlines if d.kind == "comment_period"]
    assert [d.case_id for d in comment] == ["YL-DEMO-01"] and comment[0].due.isoformat() in html


def test_the_charts_count_deadlines_by_week_follow_ups_by_authority_and_documents_by_issuer(client, login_as, seeded, app):
    """Each chart is an SVG with a title and a table giving the same figures (read without the picture),
    its text at 13 px; the figures equal counts made here from the engine's own lists."""
    import re

    from web.credit_followups import FollowUpList, follow_up_list
    from web.db import get_uow
    login_as("auditor", username="t-auditor")
    html = client.get("/dashboard").get_data(as_text=True)
    for chart in ("by-week", "by-authority", "by-issuer"):
        section = html[html.index(f'id="{chart}"'):]
        section = section[:section.index("</section>")]
        assert f'aria-labelledby="{chart}-title"' in section and f'<title id="{chart}-title">' in section
        assert set(re.findall(r'font-size="(\d+)"', section)) == {"13"}
        assert "<table>" in section
    from engine.units.scope import EVERYTHING, limit_to
    with app.test_request_context():
        session = get_uow().session
        limit_to(session, EVERYTHING)               # as the auditor's roles cover (over the whole district)
        listing = follow_up_list(session, TODAY, "CN")
        counts = {a.authority: a.follow_ups for a in FollowUpList.by_authority(listing.items)}
    table = html[html.index('id="by-authority"'):]
    table = table[table.index("<table>"):table.index("</table>")]
    assert dict(re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td>', table)) == {a: str(n) for a, n in counts.items()}
    assert sum(counts.values()) > 0
