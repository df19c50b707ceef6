"""Each role's main task, done from the page it starts on: the element to press on every page is in
the first screen (1440×900, measured before the click, without scrolling), and the number of clicks
is written down here. Typing into a form is not a click; pressing its button is.

    official            a new proposal, then its initiation recorded from the 下一步 box   4 clicks
    official            a case opened from home, its risk assessment recorded from the
                        下一步 box, the case advanced into 专家论证 from the same box        4 clicks
    legality reviewer   the case awaiting review (home), its review recorded               3 clicks
    secretary           the case not archived (home 待办), its archiving recorded          3 clicks
    legal advisor       a rule file opened from the rulebook, a change previewed           3 clicks
    auditor             a case's trail from the audit list, its chain verified             3 clicks
    admin               a user added on the users page                                     2 clicks
    admin               a user's roles changed from the users page                         3 clicks
Real chromium, headless.
"""
from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from tests.days import TODAY
from tests.e2e.conftest import fill_initiation, shot, sign_in

SCREEN_HEIGHT = 900


class Clicks:
    """Clicks counted; each target checked to be in the first screen of its page before it is pressed."""

    def __init__(self, page) -> None:
        self.page, self.count = page, 0

    def press(self, locator, in_first_screen: bool = True) -> None:
        target = locator.first
        expect(target).to_be_visible()
        if in_first_screen:
            box = target.bounding_box()
            scrolled = self.page.evaluate("window.scrollY")
            assert box is not None and scrolled == 0 and box["y"] + box["height"] <= SCREEN_HEIGHT, \
                f"click {self.count + 1} ({target}) is below the first screen: y={box and box['y']}"
        target.click()
        self.count += 1
        self.page.wait_for_load_state("networkidle")

    def submit(self, name: str, exact: bool = False) -> None:
        """Press the button named `name` of a form filled in (the form may run past the first screen)."""
        self.press(self.page.get_by_role("button", name=name, exact=exact), in_first_screen=False)

    def nav(self, name: str) -> None:
        """Press the top bar's link named `name`."""
        self.press(self.page.get_by_role("navigation").get_by_role("link", name=name, exact=True))


def start(page, username: str) -> Clicks:
    """Sign in as a demo user (its demo password) and count the clicks from its home page on."""
    sign_in(page, username, f"yifa-demo-{username}")
    return Clicks(page)


def test_an_official_proposes_a_decision_and_records_its_initiation_in_four_clicks(page):
    clicks = start(page, "official")
    clicks.press(page.locator("main a[href='/cases/new']"))                                        # 1 新建决策
    page.fill("input[name=id]", "YL-E2E-MAIN")
    page.fill("input[name=title]", "岳龙镇垃圾中转站建设工程")
    page.fill("input[name='decision_body.name']", "岳龙镇人民政府")
    page.select_option("select[name='decision_body.level']", "township")
    page.fill("input[name=sponsor_unit]", "岳龙镇村镇建设办公室")
    page.select_option("select[name=category]", "public_construction")
    clicks.submit("创建")                                                                          # 2 创建
    expect(page).to_have_url(re.compile(r"/cases/YL-E2E-MAIN$"))
    clicks.press(page.locator("section.next a.fix[href='/cases/YL-E2E-MAIN/stages/initiation']"))  # 3 记录「决策启动」
    fill_initiation(page, TODAY - timedelta(days=10), TODAY - timedelta(days=7), "《城乡生活垃圾管理条例》")
    clicks.submit("保存")                                                                          # 4 保存
    expect(page.locator(".flash-success")).to_contain_text("已保存本阶段材料")
    expect(page.locator(".lead strong").first).to_have_text("决策启动")    # recorded, the case is in it
    shot(page, "case-next")
    assert clicks.count == 4


def test_an_official_records_the_evidence_the_next_step_box_names_and_advances_in_four_clicks(page):
    clicks = start(page, "official")
    clicks.press(page.locator("main a[href='/cases/YL-DEMO-01']"))                                 # 1 the case, from home
    next_box = page.locator("section.next")
    clicks.press(next_box.locator("a.fix[href='/cases/YL-DEMO-01/stages/risk_assessment']"))       # 2 记录「风险评估」
    page.fill("input[name='risk_assessment.completed_on']", (TODAY - timedelta(days=2)).isoformat())
    for answer in ("risk_points", "mitigations", "contingency_plan", "departments_heard"):
        page.check(f"input[name='risk_assessment.{answer}'][value=true]")
    page.select_option("select[name='risk_assessment.conclusion']", "controllable")
    clicks.submit("保存", exact=True)                                                              # 3 保存
    expect(page.locator(".flash-success")).to_contain_text("已保存本阶段材料")
    expect(page.locator(".lead strong").first).to_have_text("风险评估")    # recorded, the case is in it
    clicks.press(page.locator("form.advance:has(input[name=stage][value=expert_review]) button"))  # 4 进入「专家论证」
    expect(page.locator(".lead strong").first).to_have_text("专家论证")
    assert clicks.count == 4


def test_the_legality_reviewer_records_the_review_the_decision_waits_for_in_three_clicks(page):
    clicks = start(page, "reviewer")
    clicks.press(page.locator("main a[href='/cases/YL-DEMO-03']"))                                 # 1 the case
    clicks.press(page.locator("a.fix[href='/cases/YL-DEMO-03/stages/legality_review']"))           # 2 记录「合法性审查」
    expect(page.get_by_role("heading", name="合法性审查")).to_be_visible()
    shot(page, "review-form")
    page.fill("input[name='legality_review.opinion_on']", "2025-04-28")
    page.select_option("select[name='legality_review.conclusion']", "legal")
    for scope in ("authority", "procedure", "content"):
        page.check(f"input[name='legality_review.scope'][value={scope}]")
    clicks.submit("保存")                                                                          # 3 保存
    expect(page.locator(".flash-success")).to_contain_text("已保存本阶段材料")
    assert clicks.count == 3


def test_the_secretary_archives_the_decided_case_from_the_home_todo_in_three_clicks(page):
    clicks = start(page, "secretary")
    clicks.press(page.locator("main a", has_text="未归档"))                                        # 1 the to-do
    expect(page).to_have_url(re.compile(r"/cases/YL-2024-011$"))
    clicks.press(page.locator("a[href='/cases/YL-2024-011/stages/archiving']"))                    # 2 记录「归档」
    expect(page.get_by_role("heading", name="归档")).to_be_visible()
    page.fill("input[name='archive.archived_on']", "2025-01-10")
    page.check("input[name='archive.complete'][value=true]")
    clicks.submit("保存")                                                                          # 3 保存
    expect(page.locator(".flash-success")).to_contain_text("已保存本阶段材料")
    assert clicks.count == 3


def test_the_legal_advisor_previews_a_rule_change_in_three_clicks(page):
    from tests.e2e.test_legal_advisor import RULE_FILE, type_over
    clicks = start(page, "advisor")
    clicks.nav("规则库")                                                                           # 1 规则库
    clicks.press(page.locator(f'nav.toc a.edit[href="/rules/{RULE_FILE}"]'))                       # 2 修改 the file
    type_over(page, page.locator("textarea[name=text]"), "value: 30}", "value: 20}", after="comment_period_days:")
    clicks.submit("预览影响")                                                                      # 3 preview
    expect(page.locator("section.result")).to_contain_text("预览结果（尚未保存）")
    assert clicks.count == 3


def test_the_auditor_verifies_a_cases_trail_in_three_clicks(page):
    clicks = start(page, "auditor")
    clicks.nav("审计")                                                                             # 1 审计
    clicks.press(page.locator('main a[href^="/audit/cases/"]'))                                    # 2 the first case of the list
    clicks.press(page.get_by_role("button", name="校验审计链"))                                    # 3 verify
    expect(page.locator(".chain-report")).to_contain_text("审计链完整")
    assert clicks.count == 3


def test_the_admin_adds_a_user_in_two_clicks(page):
    clicks = start(page, "admin")
    clicks.nav("用户")                                                                             # 1 用户
    page.fill("input[name=username]", "e2e-new")
    page.fill("input[name=display_name]", "新同事")
    page.check("input[name=roles][value=official]")
    page.select_option("select[name=unit]", "fengtai")
    page.fill("input[name=password]", "丰台镇新同事的密码-2026")
    clicks.submit("添加")                                                                          # 2 添加
    expect(page.locator(".flash-success")).to_contain_text("已添加用户 e2e-new")
    assert clicks.count == 2


def test_the_admin_changes_a_users_roles_in_three_clicks(page):
    clicks = start(page, "admin")
    clicks.nav("用户")                                                                             # 1 用户
    clicks.press(page.locator("main a[href='/admin/users/auditor']"))                              # 2 the user
    shot(page, "user-roles")
    page.check("input[name=roles][value=legal_advisor]")
    clicks.submit("保存角色")                                                                      # 3 保存角色
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("ul.unit-roles")).to_contain_text("法律顾问")
    assert clicks.count == 3
