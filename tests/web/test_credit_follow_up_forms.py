"""Recording a credit follow-up done on the penalty record page (web/credit.py, engine.credit.use_cases):
fulfilment, commitment, repair decision, withdrawal — each updates the record, writes its trail event and
changes what the rules say; a refused form keeps what was typed; a role that may not record sees no form."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from engine.credit.models import PenaltyRecordRow
from engine.store.models import TrailEvent
from tests.web.test_credit import DEMO_CSV, fresh_follow_ups, load, record_url  # noqa: F401

UNPERFORMED = "岳龙综执罚〔2021〕6号"     # demo register: decided 2021-03-22, never performed
NO_COMMITMENT = "岳龙综执罚〔2025〕6号"   # performed 2025-06-30, no commitment
PENDING = "岳龙综执罚〔2024〕12号"        # applied 2025-02-10, never decided, still shown
NEVER_PUBLISHED = "岳龙综执罚〔2026〕14号"
STILL_SHOWN = "岳龙综执罚〔2018〕11号"     # published 2018-09-07, its longest period long over, never taken down


@pytest.fixture
def register(uow, make_user) -> None:
    load(uow, make_user, DEMO_CSV)


def stored(uow, number: str) -> PenaltyRecordRow:
    with uow(read_only=True) as u:
        row = u.session.scalars(select(PenaltyRecordRow).where(PenaltyRecordRow.case_number == number)).one()
        u.session.expunge(row)
        return row


def events(uow, number: str) -> list[str]:
    with uow(read_only=True) as u:
        return list(u.session.scalars(select(TrailEvent.action).where(TrailEvent.case_id == "penalty:" + number)
                                      .order_by(TrailEvent.seq)))


def follow_ups_of(client, number: str) -> set[str]:
    """The actions the follow-ups list (its CSV, the same list) holds for one penalty."""
    response = client.get("/credit/follow-ups.csv")
    body = response.get_data(as_text=True).lstrip("\ufeff")
    response.close()
    return {r["action"] for r in csv.DictReader(io.StringIO(body)) if r["case_number"] == number}


def post(client, post_form, app, number: str, kind: str, data: dict) -> object:
    url = record_url(app, number)
    return post_form(url + "/record/" + kind, data, page=url)


@pytest.mark.parametrize("number, kind, data, column, event, gone", [
    (UNPERFORMED, "fulfilment", {"fulfilled_on": "2026-11-20"}, "fulfilled_on", "penalty.fulfilment_recorded",
     "chase_fulfilment"),
    (PENDING, "repair_decision", {"repair_decided_on": "2025-02-20", "repair_result": "refused"}, "repair_decided_on",
     "penalty.repair_decided", "process_application"),
    (STILL_SHOWN, "withdrawal", {"withdrawn_on": "2026-11-20"}, "withdrawn_on", "penalty.withdrawn", "take_down"),
    (NO_COMMITMENT, "commitment", {"commitment_on": "2026-11-20"}, "commitment_on", "penalty.commitment_recorded",
     None),
])
def test_a_follow_up_recorded_updates_the_record_its_trail_and_the_list(app, client, login_as, uow, register,
                                                                       post_form, number, kind, data, column,
                                                                       event, gone):
    login_as("official")
    page = client.get(record_url(app, number)).get_data(as_text=True)
    assert f'id="form-{kind}"' in page
    if gone:
        assert f'data-action="{gone}"' in page and gone in follow_ups_of(client, number)
    response = post(client, post_form, app, number, kind, data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert getattr(stored(uow, number), column).isoformat() == data[column]
    assert events(uow, number)[-1] == event
    after = client.get(record_url(app, number)).get_data(as_text=True)
    assert f'id="form-{kind}"' not in after                 # recorded: the form is gone
    assert f"<code class=\"en\">{event}</code>" in after     # the timeline shows the event
    if gone:
        assert f'data-action="{gone}"' not in after
        assert gone not in follow_ups_of(client, number)


def test_a_commitment_recorded_is_no_longer_missing(app, client, login_as, uow, register, post_form):
    login_as("official")
    assert 'data-missing="commitment"' in client.get(record_url(app, NO_COMMITMENT)).get_data(as_text=True)
    post(client, post_form, app, NO_COMMITMENT, "commitment", {"commitment_on": "2026-11-20"})
    assert 'data-missing="commitment"' not in client.get(record_url(app, NO_COMMITMENT)).get_data(as_text=True)


@pytest.mark.parametrize("number, kind, data, field, words", [
    (UNPERFORMED, "fulfilment", {"fulfilled_on": "2020-01-01"}, "fulfilled_on", "早于处罚决定日期"),
    (UNPERFORMED, "fulfilment", {"fulfilled_on": "2099-01-01"}, "fulfilled_on", "晚于今天"),
    (UNPERFORMED, "fulfilment", {"fulfilled_on": "2026-02-31"}, "fulfilled_on", "日期无效"),
    (PENDING, "repair_decision", {"repair_decided_on": "2025-02-01", "repair_result": "granted"},
     "repair_decided_on", "早于修复申请日期"),
    (PENDING, "repair_decision", {"repair_decided_on": "2025-03-01", "repair_result": ""}, "repair_result", "必填"),
    (NEVER_PUBLISHED, "withdrawal", {"withdrawn_on": "2026-11-20"}, "withdrawn_on", "不能撤下公示"),
])
def test_a_refused_form_names_the_field_and_keeps_what_was_typed(app, client, login_as, uow, register, post_form,
                                                                number, kind, data, field, words):
    login_as("official")
    before = events(uow, number)
    response = post(client, post_form, app, number, kind, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{kind}-{field}-error"' in html and words in html
    for name, value in data.items():
        if value and name != "repair_result":
            assert f'name="{name}" type="date" value="{value}"' in html       # the typed date, not today
    assert events(uow, number) == before                                       # nothing stored


@pytest.mark.parametrize("role", ["auditor", "secretary", "legal_advisor"])
def test_a_role_that_may_not_record_sees_no_form_and_is_refused(app, client, login_as, uow, register, post_form, role):
    login_as(role)
    html = client.get(record_url(app, UNPERFORMED)).get_data(as_text=True)
    assert "follow-up-form" not in html and "/record/" not in html
    response = post(client, post_form, app, UNPERFORMED, "fulfilment", {"fulfilled_on": "2026-11-20"})
    assert response.status_code == 403
    assert stored(uow, UNPERFORMED).fulfilled_on is None


def test_a_withdrawal_is_offered_only_for_a_published_penalty(app, client, login_as, register):
    login_as("official")
    html = client.get(record_url(app, NEVER_PUBLISHED)).get_data(as_text=True)
    assert 'id="form-withdrawal"' not in html and 'id="form-commitment"' in html


def test_the_forms_in_english(app, client, login_as, register):
    login_as("official")
    html = client.get(record_url(app, PENDING, lang="en")).get_data(as_text=True)
    assert "Record what was done" in html and "Record the decision" in html and "Record the withdrawal" in html
    assert 'id="form-fulfilment"' not in html                  # performed on 2024-11-05: nothing to record
