"""The to-dos on the home page and at /account/reminders, the digest address, and the calendar feed
behind its secret address (opened, read by a calendar program, revoked), over the demo township."""
from __future__ import annotations

import re
from datetime import timedelta

import icalendar

from tests.days import TODAY


def _todo_box(html: str) -> str:
    start = html.index('id="todo-title"')
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start:html.index("案件列表", start)]))


def test_the_official_finds_their_todos_on_the_home_page_and_all_of_them_one_click_away(client, sign_in):
    sign_in("official")
    box = _todo_box(client.get("/").get_data(as_text=True))
    # the demo's oldest overdue follow-up comes first (publication up since 2018, maximum period over)
    assert box.index("2021-09-03 已逾期") < box.index("撤下公示信息 岳龙综执罚〔2018〕11号")
    shown = box.count("已逾期") + box.count("还有") + box.count("今日到期") + box.count("无期限")
    assert shown == 8 and "另有" in box
    more = int(box.split("另有 ")[1].split(" 项")[0])
    page = client.get("/account/reminders").get_data(as_text=True)
    closes = TODAY + timedelta(days=30)        # YL-DEMO-01: the comment period opened 5 days ago, 35 days long
    assert closes.isoformat() in page and "征求意见期届满" in page and 'href="/cases/YL-DEMO-01"' in page
    assert page.count("<tr") - 1 == 8 + more                 # every to-do, one row each (less the header)


def test_the_reminders_page_lists_every_todo_and_the_advisor_sees_the_documents(client, sign_in):
    sign_in("advisor")
    html = client.get("/account/reminders").get_data(as_text=True)
    assert "需处理的规范性文件（件数）" in html and 'href="/documents/scan"' in html
    sign_in("auditor")
    html = client.get("/account/reminders?lang=en").get_data(as_text=True)
    assert "days overdue" in html                    # the demo's overdue follow-ups
    assert "Nothing to do at the moment." not in html


def test_a_user_sets_and_clears_their_digest_address_and_a_bad_one_is_named(client, sign_in, post_form, uow):
    from engine.accounts.queries import user_by_name
    sign_in("official")
    assert post_form("/account/reminders/email", {"email": "zhang@yuelong.example"},
                     page="/account/reminders").status_code == 302
    with uow() as u:
        assert user_by_name(u.session, "official").email == "zhang@yuelong.example"
    bad = post_form("/account/reminders/email", {"email": "zhang at yuelong"}, page="/account/reminders")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and 'id="email-problem"' in html and "电子邮件地址无效" in html
    assert 'value="zhang at yuelong"' in html                      # what was typed is kept
    with uow() as u:
        assert user_by_name(u.session, "official").email == "zhang@yuelong.example"   # nothing changed
    post_form("/account/reminders/email", {"email": ""}, page="/account/reminders")
    with uow() as u:
        assert user_by_name(u.session, "official").email is None


def test_the_calendar_feed_opens_serves_the_due_dates_and_is_revoked(client, sign_in, post_form, app):
    sign_in("official")
    opened = post_form("/account/reminders/feed", {}, page="/account/reminders")
    html = opened.get_data(as_text=True)
    start = html.index("/calendar/yifa_cal_")
    path = html[start:html.index(".ics", start) + 4]
    anonymous = app.test_client()                        # a calendar program: no session
    feed = anonymous.get(path)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    events = list(icalendar.Calendar.from_ical(feed.data).walk("VEVENT"))
    closes = TODAY + timedelta(days=30)
    assert any(e.decoded("dtstart") == closes and "征求意见期届满" in str(e["summary"]) for e in events)
    assert "yifa_cal_" not in client.get("/account/reminders").get_data(as_text=True)   # shown once only
    # a second feed replaces the first
    again = post_form("/account/reminders/feed", {}, page="/account/reminders").get_data(as_text=True)
    second = again[again.index("/calendar/yifa_cal_"):again.index(".ics", again.index("/calendar/yifa_cal_")) + 4]
    assert second != path and anonymous.get(path).status_code == 404 and anonymous.get(second).status_code == 200
    post_form("/account/reminders/feed/revoke", {}, page="/account/reminders")
    assert anonymous.get(second).status_code == 404
