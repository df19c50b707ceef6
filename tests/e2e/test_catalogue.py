"""The decision catalogue in a real browser: the official imports a catalogue through the import page,
then every role opens the catalogue from the nav and its scan (as of 2023-01-05: an unpublished
catalogue, an item with no case by the year's end); only the keepers see or reach the import page.
Headless chromium."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import shot, sign_in

CATALOGUE = Path(__file__).resolve().parents[1] / "registers" / "fixtures" / "catalogue-2022.csv"
USERS = (("official", "official", True), ("reviewer", "legality_reviewer", False), ("advisor", "legal_advisor", False),
         ("secretary", "secretary", False), ("auditor", "auditor", False), ("admin", "admin", True))


@pytest.fixture(scope="module")
def imported(browser, live_server):
    """The fixture catalogue, imported once by the official through the import page, in a context of its own."""
    context = browser.new_context(base_url=live_server, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, "official", "yifa-demo-official")
    page.goto("/catalogue/import")
    page.set_input_files("#i-file", str(CATALOGUE))
    page.get_by_role("button", name="导入").click()
    expect(page.locator(".import-result")).to_contain_text("已导入")
    context.close()


@pytest.mark.slow
@pytest.mark.parametrize(("username", "role", "keeps"), USERS, ids=[u[1] for u in USERS])
def test_every_role_opens_the_catalogue_and_its_scan_and_only_its_keepers_import(imported, page, username, role, keeps):
    sign_in(page, username, f"yifa-demo-{username}")
    page.get_by_role("navigation").get_by_role("link", name="决策事项目录", exact=True).click()
    expect(page).to_have_url(re.compile(r"/catalogue$"))
    expect(page.get_by_role("heading", name="决策事项目录")).to_be_visible()
    expect(page.locator("table.catalogue-table")).to_contain_text("农村生活污水治理")
    expect(page.get_by_role("link", name="导入目录")).to_have_count(1 if keeps else 0)
    if role == "auditor":
        shot(page, "catalogue")

    page.goto("/catalogue/scan?as_of=2023-01-05")
    expect(page.get_by_role("heading", name="决策事项目录扫描")).to_be_visible()
    todo = page.locator("ul.catalogue-todo")
    expect(todo).to_contain_text("CAT-PUB-01")
    expect(todo).to_contain_text("2022/宁河区人民政府目录应于2022-12-31前向社会公布")
    expect(todo).to_contain_text("第2项「农村生活污水治理」应于2022-12-31前")

    answer = page.goto("/catalogue/import")
    assert answer is not None and answer.status == (200 if keeps else 403)
