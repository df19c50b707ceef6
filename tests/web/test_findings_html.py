"""One stage's findings as the pages list them (web/findings_html.finding_lists): each verdict's part
only when it has findings, in the page's language, every text escaped, the same HTML for a dict
finding (the document pages') as the case page writes for an engine Finding."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

CITATION = {"instrument": "重大行政决策程序暂行条例", "article": 25}


def finding(rule: str, verdict: str, severity: str = "error", message: dict | None = None,
            reason: str | None = None, verified: bool = True) -> dict:
    return {"rule": rule, "verdict": verdict, "severity": severity, "citation": CITATION, "message": message,
            "verified": verified, "reason": reason, "title": {"zh": f"{rule} 的标题", "en": f"title of {rule}"}}


GROUP = {"stage": "legality_review",
         "violated": [finding("R-V1", "violated", "blocker", {"zh": "审查不足 <7> 个工作日", "en": "under <7> days"})],
         "missing": [finding("R-M1", "missing", "warning")],
         "pending": [finding("R-P1", "pending", reason="stage_not_reached"), finding("R-P2", "pending")],
         "satisfied": [finding("R-S1", "satisfied", verified=False), finding("R-S2", "satisfied")],
         "not_applicable": [finding("R-N1", "not_applicable", reason="not_major")]}


class Lists(HTMLParser):
    """The lists of a part: each <ul>'s class and the text of its items; the summaries' texts."""

    def __init__(self) -> None:
        super().__init__()
        self.lists: dict[str, list[str]] = {}
        self.summaries: list[str] = []
        self.unverified = 0
        self._ul: str | None = None
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "ul":
            self._ul = attrs["class"]
            self.lists[self._ul] = []
        elif tag == "li":
            self.lists[self._ul].append("")
            self._in = "li"
        elif tag == "summary":
            self.summaries.append("")
            self._in = "summary"
        elif "unverified" in attrs.get("class", ""):
            self.unverified += 1

    def handle_endtag(self, tag):
        if tag in ("li", "summary"):
            self._in = None

    def handle_data(self, data):
        if self._in == "li":
            self.lists[self._ul][-1] += data
        elif self._in == "summary":
            self.summaries[-1] += data


def parsed(html: str) -> Lists:
    lists = Lists()
    lists.feed(html)
    return lists


@pytest.fixture
def lists_of(app):
    from web.findings_html import finding_lists

    def render(group: dict, lang: str) -> str:
        with app.test_request_context(f"/?lang={lang}"):
            app.preprocess_request()                 # the language is chosen before the request
            return str(finding_lists(group))
    return render


def test_each_verdict_has_its_list_in_chinese_with_every_text_escaped(lists_of):
    html = lists_of(GROUP, "zh")
    assert "<7>" not in html and "审查不足 &lt;7&gt; 个工作日" in html
    found = parsed(html)
    assert list(found.lists) == ["violated", "missing", "pending", "satisfied", "na"]
    [violated] = found.lists["violated"]
    assert "阻断" in violated and "R-V1" in violated and "审查不足 <7> 个工作日" in violated
    [missing] = found.lists["missing"]
    assert "警示" in missing and "R-M1 的标题" in missing         # no message: the rule's title
    assert [" ".join(p.split()) for p in found.lists["pending"]] == \
        ["○ R-P1 《重大行政决策程序暂行条例》第二十五条 R-P1 的标题（尚未到该环节）",
         "○ R-P2 《重大行政决策程序暂行条例》第二十五条 R-P2 的标题"]
    assert found.summaries == ["符合 2 项", "不适用 1 项"]
    assert len(found.lists["satisfied"]) == 2 and found.unverified == 1
    assert "未见记录（请补充材料）" in html and "尚需" in html


def test_in_english_the_same_lists_say_it_in_english(lists_of):
    found = parsed(lists_of(GROUP, "en"))
    assert found.summaries == ["2 satisfied", "1 not applicable"]
    assert "blocker" in found.lists["violated"][0] and "under <7> days" in found.lists["violated"][0]
    assert found.lists["pending"][0].rstrip().endswith("title of R-P1（stage not reached）")


def test_a_part_without_findings_is_left_out(lists_of):
    only = {"stage": "initiation", "violated": [], "missing": [], "pending": [],
            "satisfied": [finding("R-S1", "satisfied")], "not_applicable": []}
    found = parsed(lists_of(only, "zh"))
    assert list(found.lists) == ["satisfied"] and found.summaries == ["符合 1 项"]
    assert "尚需" not in lists_of(only, "zh") and "<details>" in lists_of(only, "zh")
