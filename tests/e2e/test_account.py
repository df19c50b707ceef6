"""A user changes their own password in the browser: from their name in the top bar to the form, a
refusal that says why, the change, and signing in with the new password. Real chromium, headless.
(The demo's password is put back at the end: the other browser tests sign in with it.)"""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import shot, sign_in

USER, DEMO_PASSWORD, NEW = "district-reviewer", "yifa-demo-district", "晴川历历汉阳树，芳草萋萋鹦鹉洲"


def change(page, current: str, new: str, again: str) -> None:
    page.fill("input[name=current_password]", current)
    page.fill("input[name=password]", new)
    page.fill("input[name=repeated_password]", again)
    page.get_by_role("button", name="修改密码").click()


def test_a_user_changes_their_own_password(page):
    sign_in(page, USER, DEMO_PASSWORD)
    page.locator("a.name").click()
    page.get_by_role("link", name="修改密码 →").click()
    expect(page).to_have_url(re.compile(r"/account/password$"))
    expect(page.get_by_role("heading", name="修改密码")).to_be_visible()

    change(page, DEMO_PASSWORD, NEW, NEW + "。")
    expect(page.get_by_role("alert")).to_contain_text("两次输入的新密码不一致")
    shot(page, "password-refused")

    change(page, DEMO_PASSWORD, NEW, NEW)
    expect(page.locator(".flash")).to_contain_text("密码已修改")
    page.get_by_role("button", name="退出").click()
    sign_in(page, USER, NEW)
    expect(page.locator("a.name")).to_be_visible()

    page.goto("/account/password")                       # put the demo's password back
    change(page, NEW, DEMO_PASSWORD, DEMO_PASSWORD)
    expect(page.locator(".flash")).to_contain_text("密码已修改")
