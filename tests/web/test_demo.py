"""The demo township: seeded through the services, idempotent, with a real trail."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from engine.accounts.models import User
from engine.decisions.queries import case_summaries
from engine.store.models import TrailEvent
from engine.trail import verify_all
from web.db import get_engine
from web.demo import DEMO_USERS, seed_demo

TODAY = date(2026, 3, 2)


def seed(app):
    with app.app_context():
        return seed_demo(get_engine(), TODAY)


@pytest.mark.slow
def test_the_demo_has_cases_at_every_kind_of_stage_and_a_valid_trail(app, uow):
    added = seed(app)
    assert {"YL-DEMO-01", "YL-DEMO-02", "YL-DEMO-03", "YL-DEMO-04", "NH-2025-003", "YL-2024-011"} <= set(added)
    with uow(read_only=True) as u:
        cases = {c.id: c for c in case_summaries(u.session, as_of=TODAY)}
        statuses = verify_all(u.session)
        refusals = u.session.scalar(select(func.count()).select_from(TrailEvent)
                                    .where(TrailEvent.case_id == "YL-DEMO-03",
                                           TrailEvent.action == "stage.advance_refused"))
    assert cases["YL-DEMO-01"].stage == "public_participation"
    assert cases["YL-DEMO-02"].stage in ("expert_review", "risk_assessment")
    blocked = cases["YL-DEMO-03"]
    assert blocked.blocked_at == "collective_decision" and "MAD-LEG-01" in blocked.blocking_rules
    assert refusals == 1
    assert cases["YL-DEMO-04"].stage == "archiving" and not cases["YL-DEMO-04"].blocked
    assert statuses and all(s.ok for s in statuses)


@pytest.mark.slow
def test_seeding_twice_adds_nothing(app, uow):
    seed(app)
    with uow(read_only=True) as u:
        before = u.session.scalar(select(func.count()).select_from(TrailEvent))
    assert seed(app) == []
    with uow(read_only=True) as u:
        assert u.session.scalar(select(func.count()).select_from(TrailEvent)) == before
        assert u.session.scalar(select(func.count()).select_from(User)) == len(DEMO_USERS)


@pytest.mark.slow
def test_every_demo_user_signs_in_with_the_listed_password(app, client, post_form):
    seed(app)
    for user in DEMO_USERS:
        response = post_form("/login", {"username": user.username, "password": user.password})
        assert response.status_code == 302, user.username
        assert client.get("/").status_code == 200
        post_form("/logout", {}, page="/logout")


def test_the_auditor_sees_the_blocked_case_first(app, client, post_form):
    seed(app)
    post_form("/login", {"username": "auditor", "password": "yifa-demo-auditor"})
    page = client.get("/").get_data(as_text=True)
    assert page.index("YL-DEMO-03") < page.index("YL-DEMO-04")
    assert "受阻" in page and "MAD-LEG-01" in page


@pytest.mark.slow
def test_the_flask_command_seeds_the_demo(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "yifa-demo-official" in result.output and "仅供演示" in result.output


def test_in_demo_mode_the_sign_in_page_lists_the_demo_accounts_with_a_warning(app, client):
    assert "yifa-demo-official" not in client.get("/login").get_data(as_text=True)
    app.config["DEMO"] = True
    page = client.get("/login").get_data(as_text=True)
    assert "仅供演示" in page and all(u.password in page for u in DEMO_USERS)

