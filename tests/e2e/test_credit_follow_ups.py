"""A township official opens the credit-repair follow-ups of 岳龙镇人民政府, sees what is overdue, opens a
penalty's timeline and downloads the follow-up list. Real chromium, headless."""
from __future__ import annotations

import csv
import io
import re
from urllib.parse import quote

from playwright.sync_api import expect

from tests.e2e.conftest import shot, sign_in

AUTHORITY = "岳龙镇人民政府"
PENDING = "岳龙综执罚〔2024〕12号"       # web/demo_penalties.csv: applied 2025-02-10, never decided, still shown


def test_an_official_follows_up_the_townships_overdue_penalties_and_downloads_the_list(page):
    sign_in(page, "official", "yifa-demo-official")
    page.get_by_role("navigation").get_by_role("link", name="信用修复", exact=True).click()
    expect(page.get_by_role("heading", name="行政处罚登记表")).to_be_visible()
    page.get_by_role("link", name="信用修复跟进事项").click()

    expect(page.get_by_role("heading", name="信用修复跟进事项")).to_be_visible()
    page.select_option("select[name=authority]", AUTHORITY)
    page.get_by_role("button", name="查看").click()
    expect(page).to_have_url(re.compile(r"/credit/follow-ups\?.*authority="))
    expect(page.locator("#totals")).to_contain_text(AUTHORITY)
    groups = page.locator("tr.group-head")
    expect(groups).to_have_count(1)
    expect(groups.first).to_contain_text(AUTHORITY)
    overdue = page.locator("tr.follow-up.is-overdue")
    expect(overdue.first).to_be_visible()
    expect(overdue.first.locator(".badge")).to_have_text("逾期")
    first_row = page.locator("tr.follow-up").first
    expect(first_row).to_have_class(re.compile("is-overdue"))      # overdue first
    pending = page.locator("tr.follow-up.is-overdue", has_text=PENDING).filter(has_text="办理修复申请")
    expect(pending).to_have_count(1)
    expect(pending).to_contain_text("2025-02-24")                 # 10 working days after the application
    shot(page, "credit-follow-ups")

    pending.get_by_role("link", name=PENDING).click()
    expect(page).to_have_url(re.compile("/credit/" + re.escape(quote(PENDING)) + "$"))
    expect(page.locator("#penalty-title")).to_have_text(PENDING)
    expect(page.locator("dd.regime")).to_contain_text("国家发展和改革委员会令2023年第58号")
    expect(page.locator(".follow-up-list li.is-overdue").first).to_contain_text("逾期")
    timeline = page.locator("ol.credit-timeline")
    expect(timeline).to_contain_text("申请信用修复")
    expect(timeline).to_contain_text("最长公示期届满")
    expect(timeline).to_contain_text("penalty.imported")           # its trail, chain penalty:<case number>
    expect(timeline.locator("li.entry-due.is-overdue").first).to_be_visible()
    shot(page, "credit-record")

    page.go_back()
    with page.expect_download() as download:
        page.get_by_role("link", name="下载跟进清单（CSV）").click()
    with open(download.value.path(), encoding="utf-8", newline="") as stream:
        body = stream.read()
    assert download.value.suggested_filename.startswith("credit-follow-ups-")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert rows and {r["authority"] for r in rows} == {AUTHORITY}
    assert any(r["case_number"] == PENDING and r["action"] == "process_application" and r["overdue"] == "true"
               for r in rows)
    assert len(rows) == page.locator("tr.follow-up").count()


UNPERFORMED = "岳龙综执罚〔2021〕6号"     # web/demo_penalties.csv: decided 2021-03-22, never performed


def test_an_official_records_a_performance_and_the_follow_up_leaves_the_list(page):
    """3 clicks from the authority's follow-ups: the record, 登记履行完毕, back to the follow-ups."""
    sign_in(page, "official", "yifa-demo-official")
    page.goto("/credit/follow-ups?authority=" + quote(AUTHORITY) + "&per_page=200")
    before = int(page.locator("#totals .follow-ups").inner_text())
    row = page.locator("tr.follow-up", has_text=UNPERFORMED).filter(has_text="督促履行")
    expect(row).to_have_count(1)
    row.get_by_role("link", name=UNPERFORMED).click()                                  # click 1
    expect(page.locator("#penalty-title")).to_have_text(UNPERFORMED)
    form = page.locator("#form-fulfilment")
    expect(form).to_be_in_viewport()                        # among the open follow-ups, not below the fold
    form.get_by_label("履行完毕日期").fill("2026-11-20")
    form.get_by_role("button", name="登记履行完毕").click()                               # click 2
    expect(page.locator(".flash-success, .flash.success").first).to_contain_text("已登记")
    expect(page.locator(".follow-up-list li[data-action=chase_fulfilment]")).to_have_count(0)
    expect(page.locator("#form-fulfilment")).to_have_count(0)
    timeline = page.locator("ol.credit-timeline")
    expect(timeline).to_contain_text("登记履行完毕")                                      # its trail event
    expect(timeline).to_contain_text("penalty.fulfilment_recorded")
    shot(page, "credit-follow-up-recorded")
    page.get_by_role("link", name="本机关的跟进事项").click()                              # click 3
    expect(page.locator("#totals")).to_contain_text(AUTHORITY)
    expect(page.locator("#totals .follow-ups")).to_have_text(str(before - 1))
    page.goto("/credit/follow-ups?authority=" + quote(AUTHORITY) + "&per_page=200")
    expect(page.locator("tr.follow-up", has_text=UNPERFORMED).filter(has_text="督促履行")).to_have_count(0)
