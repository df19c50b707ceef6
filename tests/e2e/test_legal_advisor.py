"""A legal advisor browses the rulebook, changes a parameter and sees the impact preview — without
saving: the demo instance is shared by the whole session. Real chromium."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import shot, sign_in

RULE_FILE = "CN/decree-713.yaml"


def shortened_comment_period(text: str) -> str:
    """The file with comment_period_days 30 → 20 (its first value after the parameter's name)."""
    start = text.index("comment_period_days:")
    at = text.index("value: 30}", start)
    assert at - start < 600, "the first `value: 30}` after comment_period_days is not its own"
    return text[:at] + "value: 20}" + text[at + len("value: 30}"):]


def type_over(page, editor, old: str, new: str, after: str) -> None:
    """Select `old` (its first occurrence after `after`) in the editor and type `new` over it, as a
    person would. Not `fill()`: that re-inserts the whole file, and chromium takes 13–20 s to insert
    decree-713.yaml's ~2,000 lines into a textarea (the time grows faster than the line count,
    microsoft/playwright#33761) — more than the 15 s action timeout on a busy machine."""
    found = editor.evaluate("""(el, [old, after]) => {
        const at = el.value.indexOf(old, el.value.indexOf(after));
        if (at < 0) return false;
        el.focus();
        el.setSelectionRange(at, at + old.length);
        return true;
    }""", [old, after])
    assert found, f"{old!r} not found after {after!r}"
    page.keyboard.insert_text(new)


def test_a_legal_advisor_changes_a_parameter_and_sees_the_impact_preview(page):
    sign_in(page, "advisor", "yifa-demo-advisor")
    page.get_by_role("navigation").get_by_role("link", name="规则库", exact=True).click()
    expect(page).to_have_url(re.compile(r"/rules/?$"))
    expect(page.locator("main")).to_contain_text("comment_period_days")
    shot(page, "rulebook")

    page.locator(f'a[href="/rules/{RULE_FILE}"]').first.click()
    expect(page).to_have_url(re.compile(rf"/rules/{RULE_FILE}$"))
    editor = page.locator("textarea[name=text]")
    original = editor.input_value()
    assert "{from: 2019-09-01, value: 30}" in original
    type_over(page, editor, "value: 30}", "value: 20}", after="comment_period_days:")
    assert editor.input_value() == shortened_comment_period(original)
    page.get_by_role("button", name="预览影响").click()

    preview = page.locator("section.result")
    expect(preview).to_contain_text("预览结果（尚未保存）")
    impact = page.locator("table.impact")
    expect(impact).to_be_visible()
    row = impact.locator("tbody tr", has_text="YL-2024-011")
    expect(row.filter(has_text="MAD-PP-04")).to_have_count(1)
    expect(row.filter(has_text="MAD-PP-04")).to_contain_text("违反")       # before: 25 days < 30
    expect(row.filter(has_text="MAD-PP-04")).to_contain_text("符合")       # after: 25 days ≥ 20
    # the rule tests that pinned 30 days now fail, and the preview says so
    expect(preview.locator("p.bad")).to_be_visible()
    # the edited text stays in the editor
    assert "value: 20}" in editor.input_value()
    # the 1,000-line "text in force" below would make the picture a poster: leave it out of the shot
    page.locator("section.source").evaluate("element => element.hidden = true")
    shot(page, "impact-preview")

    # nothing was saved: the file in force is the shipped one
    page.goto(f"/rules/{RULE_FILE}")
    expect(page.locator("h1 .badge")).to_have_count(0)                # no "edited (instance folder)"
    assert page.locator("textarea[name=text]").input_value() == original


def test_a_reviewer_finds_what_blocks_a_case_on_its_first_screen_and_its_form_in_one_click(page):
    """The case page starts with 下一步: the blocking rule with its article, and the link to the form
    that records what is missing, inside the first screen (1280×900) — 1 click to the form."""
    sign_in(page, "reviewer", "yifa-demo-reviewer")
    page.goto("/cases/YL-DEMO-03")
    box = page.locator("section.card.next")
    expect(box).to_contain_text("MAD-LEG-01")
    expect(box).to_contain_text("第二十五条")
    fix = box.get_by_role("link", name="记录「合法性审查」材料 →").first
    expect(fix).to_be_in_viewport()
    assert fix.bounding_box()["y"] + fix.bounding_box()["height"] <= 900
    shot(page, "case-next-step")
    fix.click()                                                                       # click 1
    expect(page).to_have_url(re.compile(r"/cases/YL-DEMO-03/stages/legality_review$"))
    expect(page.locator("form").first).to_be_visible()
