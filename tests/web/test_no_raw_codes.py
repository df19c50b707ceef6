"""No page of the demo shows a raw code: signed in as each demo role, every page reachable from the
top bar and the demo's records (up to PAGES per role) is read as a person reads it — its visible
text — and must not hold an enumeration word (stages, choices, credit actions and categories,
verdict reasons, trail events) or a jurisdiction path where its name belongs.

Left out on purpose: the text of <code> and <pre> elements — a page may show a code *beside* its
name (the jurisdiction code after 天津市宁河区岳龙镇, a stage's code after its name) and the audit
pages show an event's stored payload as JSON for the auditor to compare with its hash."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest

from web.db import get_engine

PAGES = 70
PASSWORDS = {"official": "yifa-demo-official", "reviewer": "yifa-demo-reviewer", "advisor": "yifa-demo-advisor",
             "secretary": "yifa-demo-secretary", "auditor": "yifa-demo-auditor", "admin": "yifa-demo-admin"}
SKIPPED_LINKS = re.compile(r"(\.(csv|json|xlsx|pdf|yaml|svg|ics|docx)$)|/logout|/static/|/export|/attachments/")


class VisibleText(HTMLParser):
    HIDDEN = {"script", "style", "code", "pre", "title"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in self.HIDDEN

    def handle_endtag(self, tag):
        self.hidden -= tag in self.HIDDEN

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def raw_codes() -> set[str]:
    """The words a person should never read as such: every enumeration's codes (snake_case or
    dotted, so an English subtitle's plain words are not mistaken for them) and the jurisdiction paths."""
    from engine.core.report import REASON_ZH
    from engine.credit.vocab import ACTIONS, CATEGORY_NAMES, MISSING
    from engine.decisions.enums import CHOICES_ZH
    from engine.decisions.workflow import load_workflow
    from engine.rulebook.loader import known_jurisdictions
    from engine.trail import KIND_ZH
    words = set(CHOICES_ZH) | set(load_workflow().stages) | set(ACTIONS) | set(CATEGORY_NAMES) | set(MISSING)
    words |= set(REASON_ZH) | set(KIND_ZH)
    words |= {"case.created", "evidence.recorded", "evidence.amended", "stage.advanced", "stage.refused",
              "attachment.uploaded", "penalty.imported", "penalty.updated", "document.imported",
              "document.updated", "document.reviewed", "rulebook.edited", "rulebook.reverted"}
    codes = {w for w in words if "_" in w or "." in w}
    return codes | {j for j in known_jurisdictions() if "/" in j}


@pytest.fixture
def demo(app):
    from web.demo import seed_demo
    with app.app_context():
        seed_demo(get_engine())
    return app


@pytest.mark.slow
@pytest.mark.parametrize("username", sorted(PASSWORDS))
def test_no_page_shows_a_raw_code(demo, username):
    from tests.web.conftest import read_csrf_token
    codes = raw_codes()
    pattern = re.compile(r"(?<![\w./-])(" + "|".join(sorted(map(re.escape, codes), key=len, reverse=True)) + r")(?![\w/-])")
    client = demo.test_client()
    token = read_csrf_token(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"username": username, "password": PASSWORDS[username],
                                       "csrf_token": token}).status_code == 302
    seen: set[str] = set()
    queue = ["/"]
    found: dict[str, set[str]] = {}
    while queue and len(seen) < PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        page = client.get(url)
        if page.status_code != 200 or page.mimetype != "text/html":
            continue
        html = page.get_data(as_text=True)
        for match in pattern.finditer(visible_text(html)):
            found.setdefault(match.group(1), set()).add(unquote(url))
        queue += [h for h in re.findall(r'href="(/[^"#?]*)"', html) if not SKIPPED_LINKS.search(h) and h not in seen]
    assert len(seen) >= 20, f"only {len(seen)} pages reached"
    assert found == {}, f"raw codes on the pages of {username}: {found}"
