"""The case page starts with what to do next: the case's deadlines, the stages that may be entered,
and for a closed gate each blocking rule with its article and a link to the form that records what
is missing (for a user who records that stage)."""
from __future__ import annotations

import re

import pytest

from engine.decisions.queries import get_case
from engine.decisions.use_cases import record_evidence

BLOCKED = "YL-DEMO-03"           # the demo case blocked at the collective decision: no legality opinion


def main_of(html: str) -> str:
    return html[html.index('<article aria-labelledby="case-title">'):]


def test_the_next_box_comes_first_and_links_each_blocker_to_its_form(client, sign_in):
    sign_in("reviewer")
    html = main_of(client.get(f"/cases/{BLOCKED}").get_data(as_text=True))
    assert html.index('id="next-title"') < html.index('id="summary-title"') < html.index('id="findings-title"')
    box = html[html.index('id="next-title"'):html.index('id="summary-title"')]
    assert "下一步" in box and "MAD-LEG-01" in box and "第二十五条" in box
    links = re.findall(r'<a class="fix" href="([^"]+)"', box)
    assert f"/cases/{BLOCKED}/stages/legality_review" in links        # the reviewer records the opinion
    for link in links:
        assert client.get(link).status_code == 200


def test_a_role_that_does_not_record_the_missing_stage_gets_no_link(client, sign_in):
    sign_in("secretary")                                                # the opinion is the reviewer's
    box = main_of(client.get(f"/cases/{BLOCKED}").get_data(as_text=True))
    box = box[box.index('id="next-title"'):box.index('id="summary-title"')]
    assert "MAD-LEG-01" in box and f"/cases/{BLOCKED}/stages/legality_review" not in box


def test_a_refused_advance_is_said_at_the_top_with_the_rules(client, sign_in, post_form):
    sign_in("secretary")
    page = client.get(f"/cases/{BLOCKED}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    refused = post_form(f"/cases/{BLOCKED}/advance", {"stage": "collective_decision", "on": "2025-05-02",
                                                      "version": version}, page=f"/cases/{BLOCKED}")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and 'role="alert"' in html and "MAD-LEG-01" in html
    main = main_of(html)
    assert main.index('id="next-title"') < main.index('id="blockers-title"') < main.index('id="summary-title"')


def test_findings_are_folded_by_stage_with_the_current_stage_and_the_problems_open(client, sign_in):
    sign_in("reviewer")
    html = client.get(f"/cases/{BLOCKED}").get_data(as_text=True)
    groups = dict(re.findall(r'<details class="stage-findings card" id="findings-(\w+)"( open)?>', html))
    assert groups["legality_review"] == " open"                  # the case's stage
    assert "initiation" in groups and groups["initiation"] == ""   # nothing violated or missing there: folded
    start = html.index('id="findings-initiation"')
    assert "违反" not in html[start:html.index("</summary>", start)]


@pytest.mark.parametrize(("cache", "renders"), [(True, 1), (False, 3)])
def test_the_case_page_is_rendered_once_while_cached_and_each_time_without_the_cache(app, client, sign_in,
                                                                                      monkeypatch, cache, renders):
    import web.cases
    from web import page_cache
    page_cache.clear()
    app.config["PAGE_CACHE"] = cache                 # YIFA_PAGE_CACHE=0 sets it off (web/config.py)
    calls: list[str] = []
    render = web.cases._case_page
    monkeypatch.setattr(web.cases, "_case_page", lambda case_id, *a, **k: calls.append(case_id) or render(case_id, *a, **k))
    sign_in("reviewer")
    client.get(f"/cases/{BLOCKED}")                  # shows the sign-in's message: a page of its own
    calls.clear()
    # the same page each time, but for the CSRF token, which carries the second it was signed in
    pages = {re.sub(r'(csrf[-_]token"? (?:content|value)=")[^"]+', r"\1…", client.get(f"/cases/{BLOCKED}").get_data(as_text=True))
             for _ in range(3)}
    assert len(calls) == renders and len(pages) == 1


def test_a_case_is_checked_once_for_every_viewer_until_it_changes(app, client, sign_in, post_form, uow,
                                                                  monkeypatch):
    """Without the page cache each view renders afresh, but the case's verdicts (its check as of the
    day and its gates) are the same for every viewer: kept until the case changes (web/page_cache.py)."""
    import web.cases
    from web import page_cache
    page_cache.clear()
    app.config["PAGE_CACHE"] = False
    parsed: list[str] = []
    parse = web.cases.parse_case
    monkeypatch.setattr(web.cases, "parse_case", lambda doc, case_id: parsed.append(case_id) or parse(doc, case_id))
    sign_in("reviewer")
    page = client.get(f"/cases/{BLOCKED}").get_data(as_text=True)
    assert parsed == [BLOCKED] and "MAD-LEG-01" in page
    sign_in("secretary")                                 # another user, another session: the same verdicts
    page = client.get(f"/cases/{BLOCKED}").get_data(as_text=True)
    assert parsed == [BLOCKED] and "MAD-LEG-01" in page
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    refused = post_form(f"/cases/{BLOCKED}/advance", {"stage": "collective_decision", "on": "2025-05-02",
                                                      "version": version}, page=f"/cases/{BLOCKED}")
    assert refused.status_code == 409 and parsed == [BLOCKED]   # a refusal changes the trail, not the case
    with uow() as u:                                     # a change to the case file: checked again, once
        initiation = get_case(u.session, BLOCKED).document["initiation"]
        record_evidence(u, BLOCKED, "initiation", {**initiation, "units_consulted": ["宁河区财政局"]}, "official")
        u.commit()
    assert "宁河区住房和建设委员会" not in client.get(f"/cases/{BLOCKED}").get_data(as_text=True)
    assert parsed == [BLOCKED, BLOCKED]
    client.get(f"/cases/{BLOCKED}")
    assert parsed == [BLOCKED, BLOCKED]


def test_the_next_box_points_to_the_procedure_picture_that_marks_the_current_and_blocked_stages(client, sign_in):
    sign_in("reviewer")
    html = main_of(client.get(f"/cases/{BLOCKED}").get_data(as_text=True))
    box = html[html.index('id="next-title"'):html.index('id="summary-title"')]
    assert 'href="#graph-title"' in box and 'id="graph-title"' in html
    svg = client.get(f"/cases/{BLOCKED}/graph.svg").get_data(as_text=True)
    assert svg.count("受阻 blocked") >= 2                # in the legend, and on the stage the missing review blocks
    assert "当前 current" in svg


@pytest.mark.parametrize("case_id", ["YL-DEMO-01", "YL-DEMO-02", "YL-DEMO-03"])
@pytest.mark.parametrize("username", ["official", "reviewer", "secretary"])
def test_every_form_the_next_box_links_to_can_save_what_it_records(client, sign_in, case_id, username):
    sign_in(username)
    html = main_of(client.get(f"/cases/{case_id}").get_data(as_text=True))
    box = html[html.index('id="next-title"'):html.index('id="summary-title"')]
    for href in set(re.findall(r'<a class="fix" href="([^"]+)"', box)):
        form = client.get(href).get_data(as_text=True)
        assert "本阶段暂不得进入" not in form and 'type="submit"' in form, (username, href)
