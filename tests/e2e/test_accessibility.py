"""An accessibility check of the main pages: axe-core (vendored in tests/e2e/vendor/, MPL-2.0, version in
its first line) run in Debian's chromium on each page as a role that works there; no violation of
impact "serious" or "critical" may remain."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import sign_in

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PAGES = {
    "official": ["/", "/cases", "/cases/YL-DEMO-01", "/cases/YL-DEMO-01/stages/public_participation",
                 "/account/reminders", "/credit", "/credit/follow-ups"],
    "auditor": ["/audit", "/audit/cases/YL-DEMO-03", "/dashboard", "/documents", "/documents/scan",
                "/report/annual"],
    "advisor": ["/rules", "/rules/CN/decree-713.yaml", "/catalogue"],
}
PASSWORDS = {"official": "yifa-demo-official", "auditor": "yifa-demo-auditor", "advisor": "yifa-demo-advisor"}


def violations(page) -> list[dict]:
    page.evaluate(AXE.read_text(encoding="utf-8"))      # evaluated by the driver: the page's CSP allows no script
    found = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))""")
    return found


def test_the_sign_in_page_has_no_serious_violation(page):
    page.goto("/login")
    assert violations(page) == []


@pytest.mark.slow
@pytest.mark.parametrize("username", sorted(PAGES))
def test_the_main_pages_have_no_serious_violation(page, username):
    sign_in(page, username, PASSWORDS[username])
    found = {}
    for url in PAGES[username]:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        if bad := violations(page):
            found[url] = bad
    assert found == {}, found
