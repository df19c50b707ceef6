"""Follow-ups recorded as done on a penalty's page (web/credit.py `record_follow_up_form`, the use case
engine/credit/use_cases.record_follow_up): the record changes, the follow-up leaves the list, the trail
has the event; a bad date is named beside its form with what was typed kept; a role that may not edit
the register is offered no form and refused if it posts one."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from engine.credit.models import PenaltyRecordRow
from engine.trail import verify_all
from tests.web.test_credit import DEMO_CSV, fresh_follow_ups, load, record_url  # noqa: F401  (a fixture)

UNPAID = "岳龙综执罚〔2021〕6号"          # demo: decided 2021-03-22, published, never performed


@pytest.fixture
def register(uow, make_user) -> None:
    load(uow, make_user, DEMO_CSV)


def stored(uow, number: str) -> PenaltyRecordRow:
    with uow(read_only=True) as u:
        row = u.session.scalars(select(PenaltyRecordRow).where(PenaltyRecordRow.case_number == number)).one()
        u.session.expunge(row)
        return row


def follow_up_rows(html: str, number: str) -> list[str]:
    return [m for m in re.findall(r"<tr[^>]*>.*?</tr>", html, re.S) if number in m]


def test_an_official_records_a_fulfilment_the_follow_up_leaves_the_list_and_the_trail_has_it(
        app, client, login_as, post_form, register, uow):
    login_as("official", username="keeper")
    page = client.get(record_url(app, UNPAID)).get_data(as_text=True)
    assert 'id="record-fulfilment"' in page and 'href="#record-fulfilment"' in page     # linked from the follow-up
    assert any("chase_fulfilment" in r or "督促履行" in r for r in follow_up_rows(
        client.get("/credit/follow-ups").get_data(as_text=True), UNPAID))
    done = post_form("/credit/follow-up", {"case_number": UNPAID, "kind": "fulfilment", "fulfilled_on": "2021-04-20"},
                     page=record_url(app, UNPAID))
    assert done.status_code == 302 and done.headers["Location"].endswith("#follow-ups")
    assert str(stored(uow, UNPAID).fulfilled_on) == "2021-04-20"
    after = client.get(record_url(app, UNPAID)).get_data(as_text=True)
    assert "已登记：履行完毕" in after
    assert not any("督促履行" in r for r in follow_up_rows(client.get("/credit/follow-ups").get_data(as_text=True), UNPAID))
    with uow(read_only=True) as u:
        from engine.store.trail_rows import chain_events
        events = chain_events(u.session, "penalty:" + UNPAID)
        assert [e.action for e in events][-1] == "penalty.updated"
        assert json.loads(events[-1].payload)["follow_up"] == "fulfilment" and events[-1].actor == "keeper"
        assert all(status.ok for status in verify_all(u.session))
    timeline = after[after.index('id="timeline"'):]
    assert "登记信息更新" in timeline and "2021-04-20" in timeline


def test_a_bad_date_is_named_beside_its_form_what_was_typed_kept_and_nothing_stored(
        app, client, login_as, post_form, register, uow):
    login_as("official", username="keeper")
    refused = post_form("/credit/follow-up", {"case_number": UNPAID, "kind": "fulfilment", "fulfilled_on": "2020-01-01"},
                        page=record_url(app, UNPAID))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    form = html[html.index('id="record-fulfilment"'):html.index("</form>", html.index('id="record-fulfilment"'))]
    assert "履行完毕日期" in form and "2020-01-01 早于处罚决定日期 2021-03-22" in form
    assert 'value="2020-01-01"' in form
    assert stored(uow, UNPAID).fulfilled_on is None
    missing = post_form("/credit/follow-up", {"case_number": UNPAID, "kind": "repair", "repair_decided_on": "2022-01-05"},
                        page=record_url(app, UNPAID))
    text = missing.get_data(as_text=True)
    assert missing.status_code == 400 and "修复结果：必填" in text


def test_an_auditor_is_offered_no_form_and_refused_if_they_post_one(app, client, login_as, post_form, register, uow):
    login_as("auditor")
    page = client.get(record_url(app, UNPAID)).get_data(as_text=True)
    assert "record-fulfilment" not in page and "登记已办结的跟进事项" not in page
    refused = post_form("/credit/follow-up", {"case_number": UNPAID, "kind": "fulfilment", "fulfilled_on": "2021-04-20"},
                        page=record_url(app, UNPAID))
    assert refused.status_code == 403 and stored(uow, UNPAID).fulfilled_on is None
