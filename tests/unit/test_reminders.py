"""Each user's to-dos (engine/reminders/todo.py), the calendar feed's events and the digest's text,
over a register written here (cases, follow-ups and a document count), so every expectation is
counted by hand."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import icalendar
import pytest

from engine.core.errors import InputError
from engine.decisions.deadlines import Deadline
from engine.reminders import ical
from engine.reminders.digest import MailSettings, body
from engine.reminders.todo import Register, todos_for

DAY = date(2026, 3, 2)


@dataclass(frozen=True)
class Case:                       # the fields of CaseSummary that the reminders read
    id: str
    created_by: str
    stage: str | None
    blocked: bool
    deadlines: tuple[Deadline, ...]


@dataclass(frozen=True)
class FollowUp:                   # the fields of engine.credit.scan.FollowUp that the reminders read
    case_number: str
    action: str
    rule: str
    due_on: date | None


def deadline(case_id: str, kind: str, days: int | None, rule: str = "") -> Deadline:
    due = DAY + timedelta(days=days) if days is not None else None
    return Deadline(case_id, f"决策{case_id}", kind, due, days, "《条例》第十五条", rule)


CASES = (
    Case("A", "zhang", "public_participation", False,
         (deadline("A", "comment_period", 10), deadline("A", "rule_deadline", 45, "MAD-X"))),
    Case("B", "zhang", "collective_decision", True, (deadline("B", "publication_due", -3, "MAD-PUB-01"),)),
    Case("C", "chen", "expert_review", False, (deadline("C", "legality_floor", 5),)),
    Case("D", "chen", "archiving", False, (deadline("D", "not_archived", None),)),
)
FOLLOW_UPS = (FollowUp("罚〔2025〕1号", "take_down", "CR-1", DAY - timedelta(days=1)),
              FollowUp("罚〔2025〕2号", "chase_fulfilment", "CR-2", None))
REGISTER = Register(DAY, CASES, FOLLOW_UPS, 7)


def refs(todos) -> list[tuple[str, str]]:
    return [(t.kind, t.ref) for t in todos]


def test_an_official_is_reminded_of_their_own_cases_and_the_follow_ups_within_thirty_days():
    todos = todos_for(REGISTER, "zhang", {"official"})
    # A's rule deadline in 45 days is beyond the window; C and D are chen's; overdue first, undated last
    assert refs(todos) == [("publication_due", "B"), ("follow_up", "罚〔2025〕1号"), ("comment_period", "A"),
                           ("follow_up", "罚〔2025〕2号")]
    assert [t.overdue for t in todos] == [True, True, False, False]
    assert todos[0].days_left == -3 and todos[0].link == "/cases/B"
    assert todos[1].label == ("撤下公示信息", "Take the publication down")


def test_a_reviewer_is_reminded_of_the_cases_awaiting_review_that_they_did_not_propose():
    assert refs(todos_for(REGISTER, "zhang", {"legality_reviewer"})) == [("legality_floor", "C")]   # A is zhang's own
    assert refs(todos_for(REGISTER, "li", {"legality_reviewer"})) == [("legality_floor", "C"), ("comment_period", "A")]
    assert refs(todos_for(REGISTER, "chen", {"legality_reviewer"})) == [("comment_period", "A")]


def test_a_secretary_an_advisor_an_auditor_and_an_admin_each_get_their_share():
    assert refs(todos_for(REGISTER, "wang", {"secretary"})) == [("publication_due", "B")]   # blocked, around the decision
    advisor = todos_for(REGISTER, "liu", {"legal_advisor"})
    assert refs(advisor) == [("documents", "")] and advisor[0].subject == "7" and advisor[0].link == "/documents/scan"
    assert refs(todos_for(REGISTER, "sun", {"auditor"})) == [("publication_due", "B"), ("follow_up", "罚〔2025〕1号")]
    assert todos_for(REGISTER, "root", {"admin"}) == []
    assert todos_for(Register(DAY), "liu", {"legal_advisor"}) == []      # no document needing action: no line


def test_a_user_with_two_roles_sees_each_duty_once():
    both = todos_for(REGISTER, "zhang", {"official", "auditor"})
    assert refs(both) == refs(todos_for(REGISTER, "zhang", {"official"}))


def test_the_window_is_a_parameter():
    assert ("rule_deadline", "A") in refs(todos_for(REGISTER, "zhang", {"official"}, within=45))
    assert ("rule_deadline", "A") not in refs(todos_for(REGISTER, "zhang", {"official"}, within=44))


def test_the_calendar_has_one_all_day_event_per_dated_todo_with_a_stable_uid():
    todos = todos_for(REGISTER, "zhang", {"official"})
    feed = icalendar.Calendar.from_ical(ical.calendar(todos, DAY, "依法 yifa — 张", "https://yifa.example/"))
    events = [c for c in feed.walk("VEVENT")]
    assert len(events) == 3                                  # the undated follow-up has no day
    first = events[0]
    assert first.decoded("dtstart") == DAY - timedelta(days=3)
    assert first.decoded("dtend") == DAY - timedelta(days=2)
    assert str(first["summary"]) == "【已逾期】决策公布期限：决策B"
    assert "https://yifa.example/cases/B" in str(first["description"])
    again = icalendar.Calendar.from_ical(ical.calendar(todos_for(Register(DAY + timedelta(days=1), CASES, FOLLOW_UPS, 7),
                                                                 "zhang", {"official"}), DAY, "x"))
    assert {str(e["uid"]) for e in again.walk("VEVENT")} == {str(e["uid"]) for e in events}


def test_the_digest_lists_each_todo_in_chinese_then_in_english_with_its_link():
    todos = todos_for(REGISTER, "zhang", {"official"})
    text = body(todos, "张明", DAY, "https://yifa.example")
    assert text.index("您有 4 项待办") < text.index("you have 4 things to do")
    assert "1. 决策公布期限：决策B，期限 2026-02-27（已逾期3日），依据《条例》第十五条" in text
    assert "https://yifa.example/cases/B" in text
    assert "3. Comment period closes: 决策A, due 2026-03-12 (10 days left)" in text


def test_the_mail_settings_come_from_the_environment_and_a_bad_value_is_named():
    assert MailSettings.from_env({}) is None
    settings = MailSettings.from_env({"YIFA_SMTP_HOST": "mail.example", "YIFA_SMTP_PORT": "587",
                                      "YIFA_SMTP_SECURITY": "STARTTLS"})
    assert settings is not None and (settings.server, settings.security) == ("mail.example:587", "starttls")
    with pytest.raises(InputError) as bad_port:
        MailSettings.from_env({"YIFA_SMTP_HOST": "m", "YIFA_SMTP_PORT": "25a"})
    assert "YIFA_SMTP_PORT" in str(bad_port.value) and "'25a'" in str(bad_port.value)
    with pytest.raises(InputError) as bad_security:
        MailSettings.from_env({"YIFA_SMTP_HOST": "m", "YIFA_SMTP_SECURITY": "tls"})
    assert "YIFA_SMTP_SECURITY" in str(bad_security.value)
