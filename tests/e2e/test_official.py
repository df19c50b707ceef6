"""An official submits a proposal and records its initiation; the secretary is then refused the
collective decision with the article that refuses it. Real chromium, headless."""
from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from tests.days import TODAY
from tests.e2e.conftest import fill_initiation, shot, sign_in

CASE = "YL-E2E-01"
TITLE = "岳龙镇农贸市场改造工程"


def test_an_official_submits_a_proposal_and_the_secretary_is_refused_the_decision_with_the_article(
        page, browser, live_server):
    today = TODAY

    # ---- the official: home, a new proposal, its initiation
    sign_in(page, "official", "yifa-demo-official")
    expect(page.locator("header .who")).to_contain_text("张明")
    shot(page, "home")

    page.get_by_role("navigation").get_by_role("link", name="案件", exact=True).click()
    page.goto("/cases/new")
    expect(page.get_by_role("heading", name="新建决策事项")).to_be_visible()
    page.fill("input[name=id]", CASE)
    page.fill("input[name=title]", TITLE)
    page.select_option("select[name=jurisdiction]", "CN-12/ninghe/yuelong")
    page.fill("input[name='decision_body.name']", "岳龙镇人民政府")
    page.select_option("select[name='decision_body.level']", "township")
    page.fill("input[name=sponsor_unit]", "岳龙镇村镇建设办公室")
    page.select_option("select[name=category]", "public_construction")
    page.check("input[name='flags.technical'][value=false]")
    page.check("input[name='flags.stability_risk'][value=false]")
    page.check("input[name='flags.direct_interest'][value=true]")
    shot(page, "new-proposal")
    page.get_by_role("button", name="创建").click()

    expect(page).to_have_url(re.compile(rf"/cases/{CASE}$"))
    expect(page.locator(".flash-success")).to_contain_text(f"已创建决策事项 {CASE}")
    expect(page.locator("#case-title")).to_contain_text(TITLE)

    page.goto(f"/cases/{CASE}/stages/initiation")
    expect(page.get_by_role("heading", name="决策启动")).to_be_visible()
    fill_initiation(page, today - timedelta(days=20), today - timedelta(days=14), "《农贸市场管理办法》")
    shot(page, "stage-form")
    page.get_by_role("button", name="保存").click()

    expect(page).to_have_url(re.compile(rf"/cases/{CASE}$"))
    expect(page.locator(".flash-success")).to_contain_text("已保存本阶段材料")
    expect(page.locator("#findings-title")).to_be_visible()
    expect(page.locator("#findings-initiation")).to_be_visible()
    shot(page, "case-findings")

    # ---- the secretary, in a browser of their own
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 1280, "height": 900})
    try:
        secretary = context.new_page()
        secretary.set_default_timeout(15000)
        sign_in(secretary, "secretary", "yifa-demo-secretary")
        secretary.goto(f"/cases/{CASE}/stages/collective_decision")
        expect(secretary.get_by_role("heading", name="集体讨论决定")).to_be_visible()
        version = secretary.input_value("form.stage-form input[name=version]")

        secretary.goto(f"/cases/{CASE}")
        # the case page offers no "enter" for the decision (the legality review is owed) ...
        expect(secretary.locator("form.advance input[name=stage][value=collective_decision]")).to_have_count(0)
        # ... so the secretary sends the advance anyway, from the signed-in page (its CSRF token):
        # the server's gate must refuse it and name the article.
        with secretary.expect_response(lambda r: r.url.endswith(f"/cases/{CASE}/advance")) as answer:
            secretary.evaluate(
                """([action, on, version]) => {
                    const form = document.createElement('form');
                    form.method = 'post';
                    form.action = action;
                    const fields = {csrf_token: document.querySelector('meta[name=csrf-token]').content,
                                    stage: 'collective_decision', on: on, version: version};
                    for (const [name, value] of Object.entries(fields)) {
                        const input = document.createElement('input');
                        input.type = 'hidden'; input.name = name; input.value = value;
                        form.appendChild(input);
                    }
                    document.body.appendChild(form);
                    form.submit();
                }""", [f"/cases/{CASE}/advance", today.isoformat(), version])
        assert answer.value.status == 409
        secretary.wait_for_load_state()
        blockers = secretary.locator("section.blockers")
        expect(blockers).to_be_visible()
        expect(blockers).to_contain_text("集体讨论决定")
        expect(blockers).to_contain_text("MAD-LEG-01")
        expect(blockers).to_contain_text("第二十五条")
        expect(secretary.locator(".flash-error")).to_contain_text("不得进入")
        shot(secretary, "gate-refusal")

        # the case did not move
        secretary.goto(f"/cases/{CASE}")
        expect(secretary.locator(".lead strong").first).to_have_text("决策启动")
    finally:
        context.close()
