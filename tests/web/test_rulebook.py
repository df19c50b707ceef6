"""Legal advisors browse and edit the rulebook (/rules; engine/rulebook/edits.py)."""
from __future__ import annotations

import json
import re
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.decisions.record import load_case
from engine.rulebook import edits as rule_edits
from engine.rulebook.loader import rulebook_digest, rules_dir, shipped_rules_dir
from engine.store.models import RULEBOOK_CHAIN, TrailEvent
from tests.web.conftest import read_csrf_token

ROOT = Path(__file__).resolve().parents[2]
DECREE = "CN/decree-713.yaml"
YUELONG = "CN-12/ninghe/yuelong/yuelong-practice.yaml"
EXAMPLE_25_DAYS = ROOT / "examples" / "yuelong-sewage-2024.yaml"   # YL-2024-011: a 25-day comment period


def shipped(rel: str) -> str:
    return (shipped_rules_dir() / rel).read_text(encoding="utf-8")


def twenty_days(with_tests: bool = True) -> str:
    """Decree 713 with the comment period lowered to 20 days (and its tests moved below 20 days)."""
    text = shipped(DECREE).replace("      - {from: 2019-09-01, value: 30}\n\n  hearing_materials_days:",
                                   "      - {from: 2019-09-01, value: 20}\n\n  hearing_materials_days:", 1)
    assert "value: 20}" in text
    if with_tests:
        text = (text.replace("closes_on: 2021-04-26}}}", "closes_on: 2021-04-16}}}", 1)     # 15 days
                .replace("closes_on: 2021-04-30}}}", "closes_on: 2021-04-20}}}", 1))    # 19 days
    return text


@pytest.fixture
def stored_case(make_user, uow):
    """YL-2024-011 stored through the services: MAD-PP-04 is violated (25 days, no reason given)."""
    from engine.decisions import use_cases as services
    make_user("official", ["official"])
    with uow() as u:
        outcome = services.create_case(u, load_case(EXAMPLE_25_DAYS), "official", as_of=date(2024, 10, 20))
        u.commit()
    verdict = next(f for f in outcome.report["findings"] if f["rule"] == "MAD-PP-04")["verdict"]
    assert verdict == "violated"
    return outcome.case_id


def edit_form(client, rel: str) -> dict:
    page = client.get(f"/rules/{rel}").get_data(as_text=True)
    sha = re.search(r'name="expected_sha256" value="([0-9a-f]{64})"', page).group(1)
    return {"csrf_token": read_csrf_token(page), "file": rel, "expected_sha256": sha}


def rulebook_events(uow, action: str) -> list[dict]:
    with uow(read_only=True) as u:
        rows = u.session.scalars(select(TrailEvent).where(TrailEvent.case_id == RULEBOOK_CHAIN,
                                                          TrailEvent.action == action)).all()
        return [{"actor": r.actor, **json.loads(r.payload)} for r in rows]


# ---------------------------------------------------------------- reading
def test_browsing_shows_an_instrument_a_parameter_with_its_citation_and_an_unverified_rule_marked_未核实(client, login_as):
    login_as("official")
    html = client.get("/rules").get_data(as_text=True)
    assert "《重大行政决策程序暂行条例》" in html and "国务院令第713号" in html
    assert "comment_period_days" in html and "《重大行政决策程序暂行条例》第十五条第一款" in html
    assert "2019-09-01" in html
    rule = re.search(r'<li class="rule unverified">.*?</li>', html, re.DOTALL)
    assert rule and "LOC-YL-LEG-01" in html
    unverified = html[html.index("LOC-YL-LEG-01"):][:2000]
    assert "未核实" in unverified
    assert "MAD-PP-04" in html and "征求意见25日且未说明理由" in html     # a rule's tests with their verdicts
    assert "非机器核查" in html or "机器核查" in html


@pytest.mark.slow
def test_every_signed_in_role_reads_a_rule_file_with_line_numbers_but_only_editors_get_the_form(client, login_as):
    for role in ("official", "auditor", "secretary", "legality_reviewer"):
        login_as(role)
        response = client.get(f"/rules/{DECREE}")
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert 'id="L28"' in html and "comment_period_days" in html
        assert "/rules/edit/save" not in html
    login_as("legal_advisor")
    html = client.get(f"/rules/{DECREE}").get_data(as_text=True)
    assert "/rules/edit/save" in html and "/rules/edit/preview" in html and 'name="reason"' in html


REGISTER_FILES = ("CN/normative-documents.yaml", "CN/credit-527-2019.yaml")


@pytest.mark.slow
def test_the_rules_of_the_registers_are_browsed_and_edited_like_the_decision_rules(client, login_as, tmp_path):
    """The normative-document and credit-repair rules (other domains, other topics) render, and the
    editor previews an edit of them: the lint and both engines' rule tests run, nothing is saved."""
    login_as("legal_advisor")
    index = client.get("/rules").get_data(as_text=True)
    assert "NDOC-VAL-04" in index and "CRED-TIME-01" in index
    assert "国务院办公厅关于加强行政规范性文件制定和监督管理工作的通知》第（十）部分" in index   # parts, not articles
    for rel in REGISTER_FILES:
        page = client.get(f"/rules/{rel}")
        assert page.status_code == 200, rel
        assert 'name="text"' in page.get_data(as_text=True)
    text = shipped(REGISTER_FILES[0]).replace("      - {from: 2018-05-31, value: 30}", "      - {from: 2018-05-31, value: 20}", 1)
    assert text != shipped(REGISTER_FILES[0])
    response = client.post("/rules/edit/preview", data={**edit_form(client, REGISTER_FILES[0]), "text": text, "reason": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "预览结果（尚未保存）" in html and "检查通过" in html
    assert "第30日备案" in html                                          # the filing test pinned 30 days: it fails now
    assert 'href="/documents/scan"' in html                            # the register's impact: the scan
    assert not (tmp_path / "rules").exists()


def test_an_unknown_or_escaping_file_path_is_not_found(client, login_as):
    login_as("legal_advisor")
    for path in ("/rules/CN/nope.yaml", "/rules/CN/../pyproject.toml", "/rules/workflow.yaml", "/rules/CN"):
        assert client.get(path).status_code == 404, path


def test_without_an_instance_overlay_the_shipped_rules_are_used_and_YIFA_RULES_still_wins(app, monkeypatch, tmp_path):
    assert rules_dir() == shipped_rules_dir()
    (tmp_path / "rules" / "CN").mkdir(parents=True)
    (tmp_path / "rules" / DECREE).write_text(twenty_days(), encoding="utf-8")
    effective = rules_dir()
    assert effective.parent == tmp_path / "rules-effective"
    assert rules_dir() == effective                                     # built once per overlay state
    monkeypatch.setenv("YIFA_RULES", str(shipped_rules_dir()))
    assert rules_dir() == shipped_rules_dir()


def test_superseded_effective_folders_are_pruned_once_old_and_the_current_one_is_kept(app, tmp_path):
    from engine.rulebook.loader import SUPERSEDED_AFTER_S, prune_effective
    (tmp_path / "rules" / "CN").mkdir(parents=True)
    (tmp_path / "rules" / DECREE).write_text(twenty_days(), encoding="utf-8")
    first = rules_dir()
    (tmp_path / "rules" / DECREE).write_text(twenty_days().replace("二十日", "二十天", 1) + "\n# 再次修改\n",
                                             encoding="utf-8")
    second = rules_dir()
    assert second != first and first.is_dir()                 # a process may still read the old one: kept
    made = first.stat().st_mtime
    assert prune_effective(second, now=made + SUPERSEDED_AFTER_S - 1) == [] and first.is_dir()
    assert prune_effective(second, now=made + SUPERSEDED_AFTER_S + 1) == [first]
    assert not first.exists() and second.is_dir() and rules_dir() == second


# ---------------------------------------------------------------- preview
@pytest.mark.slow
def test_an_advisor_lowers_the_comment_period_and_the_preview_lists_the_case_whose_verdict_flips(
        client, login_as, stored_case, tmp_path):
    login_as("legal_advisor")
    form = edit_form(client, DECREE)
    before = rulebook_digest("CN-12/ninghe/yuelong")
    response = client.post("/rules/edit/preview", data={**form, "text": twenty_days(with_tests=False), "reason": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    impact = html[html.index('class="impact"'):]
    row = re.search(r"<tr>\s*<td><a href=\"/cases/YL-2024-011\">.*?</tr>", impact, re.DOTALL).group(0)
    assert "MAD-PP-04" in row
    assert row.index("违反") < row.index("符合")                      # violated → satisfied
    assert "征求意见29日差一日" in html                                 # the file's own tests now fail: shown
    assert not (tmp_path / "rules").exists()                           # a preview changes nothing
    assert rulebook_digest("CN-12/ninghe/yuelong") == before


@pytest.mark.slow
def test_the_impact_preview_names_before_and_after_for_each_changed_rule(app, uow, stored_case):
    with uow(read_only=True) as u:
        rows = rule_edits.impact_preview(u.session, DECREE, twenty_days())
    row = next(r for r in rows if r["rule"] == "MAD-PP-04")
    assert row["case_id"] == stored_case and row["title"].startswith("岳龙镇")
    assert row["before"][0] == "violated" and row["after"][0] == "satisfied"
    assert row["as_of"] == date(2024, 10, 20)                           # the day its findings speak of
    with uow(read_only=True) as u:
        assert rule_edits.impact_preview(u.session, DECREE, shipped(DECREE)) == []


# ---------------------------------------------------------------- saving
@pytest.mark.slow
def test_saving_writes_into_the_instance_folder_moves_the_version_and_trails_the_reason(
        client, login_as, uow, stored_case, tmp_path):
    login_as("legal_advisor", username="advisor")
    form = edit_form(client, DECREE)
    before = rulebook_digest("CN-12/ninghe/yuelong")
    text = twenty_days()
    response = client.post("/rules/edit/save", data={**form, "text": text, "reason": "依据新规定缩短为20日（测试）"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert (tmp_path / "rules" / DECREE).read_text(encoding="utf-8") == text
    assert "value: 30}" in shipped(DECREE).split("hearing_materials_days")[0]   # the shipped file is unchanged
    assert (rules_dir() / DECREE).read_text(encoding="utf-8") == text
    after = rulebook_digest("CN-12/ninghe/yuelong")
    assert after != before
    [event] = rulebook_events(uow, "rulebook.edited")
    assert event["actor"] == "advisor" and event["reason"] == "依据新规定缩短为20日（测试）"
    assert event["file"] == DECREE and event["new_version"] == rulebook_digest("CN")
    assert event["versions"]["CN-12/ninghe/yuelong"] == after
    assert event["old_sha256"] == rule_edits.sha256_text(shipped(DECREE))
    assert event["new_sha256"] == rule_edits.sha256_text(text)
    versions = [e["version"] for e in rulebook_events(uow, "rulebook.version")]
    assert after in versions                                            # the new version is stored
    page = client.get(f"/rules/{DECREE}").get_data(as_text=True)
    assert rulebook_digest("CN").removeprefix("sha256:")[:12] in page   # the new version, flashed
    assert "value: 20}" in page and "已修改" in page
    history = client.get("/rules/history").get_data(as_text=True)
    assert "依据新规定缩短为20日（测试）" in history and DECREE in history and "advisor" in history
    assert rulebook_digest("CN").removeprefix("sha256:")[:12] in history


@pytest.mark.slow
def test_a_saved_edit_judges_new_checks_of_stored_cases(client, login_as, uow, stored_case):
    from engine.decisions import use_cases as services
    login_as("legal_advisor")
    client.post("/rules/edit/save", data={**edit_form(client, DECREE), "text": twenty_days(), "reason": "测试"})
    with uow(read_only=True) as u:
        replay = services.recheck_case(u, stored_case, date(2024, 10, 20))
    assert {"rule": "MAD-PP-04", "then": ("violated", None), "now": ("satisfied", None)} in replay.differences


@pytest.mark.slow
def test_an_invalid_yaml_with_a_duplicate_key_is_refused_with_its_line_number(client, login_as, tmp_path):
    login_as("legal_advisor")
    text = shipped(DECREE).replace("  comment_period_days:\n", "  comment_period_days:\n    verified: V1\n", 1)
    response = client.post("/rules/edit/save", data={**edit_form(client, DECREE), "text": text, "reason": "坏文件"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "第 33 行" in html and "duplicate key" in html
    assert not (tmp_path / "rules" / DECREE).exists()


@pytest.mark.slow
def test_an_unknown_fact_is_refused_with_its_line_number_and_nothing_is_trailed(client, login_as, uow, tmp_path):
    login_as("legal_advisor")
    rel = "CN-12/ninghe/ninghe-archiving.yaml"
    text = shipped(rel).replace("{fact: ", "{fact: nope.", 1)
    assert text != shipped(rel)
    response = client.post("/rules/edit/save", data={**edit_form(client, rel), "text": text, "reason": "坏文件"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "unknown fact" in html and re.search(r"第 \d+ 行", html)
    assert not (tmp_path / "rules").exists() or not any((tmp_path / "rules").rglob("*.yaml"))
    assert rulebook_events(uow, "rulebook.edited") == []


@pytest.mark.slow
def test_a_file_whose_own_tests_fail_is_refused_naming_the_test(client, login_as, tmp_path):
    login_as("legal_advisor")
    response = client.post("/rules/edit/save", data={**edit_form(client, DECREE),
                                                     "text": twenty_days(with_tests=False), "reason": "只改参数"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "征求意见29日差一日" in html
    assert not (tmp_path / "rules" / DECREE).exists()


@pytest.mark.slow
def test_an_overlay_that_loosens_the_national_comment_period_is_refused(client, login_as):
    login_as("legal_advisor")
    loosening = ("\nparameter_overrides:\n  comment_period_days:\n"
                 "    title: {zh: 公开征求意见期限（日）, en: Public comment period}\n"
                 "    type: days\n    citation: {instrument: 重大行政决策程序暂行条例, article: 15, paragraph: 1}\n"
                 "    verified: false\n    direction: floor\n    values:\n      - {from: 2019-09-01, value: 20}\n")
    text = shipped(YUELONG).replace("\nrules:\n", loosening + "\nrules:\n", 1)
    response = client.post("/rules/edit/save", data={**edit_form(client, YUELONG), "text": text, "reason": "放宽"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "loosens the higher-level rule" in html and re.search(r"第 \d+ 行", html)


def test_a_save_without_a_reason_is_refused(client, login_as, tmp_path):
    login_as("legal_advisor")
    response = client.post("/rules/edit/save", data={**edit_form(client, DECREE), "text": twenty_days(), "reason": " "})
    assert response.status_code == 400 and "a reason is required" in response.get_data(as_text=True)
    assert not (tmp_path / "rules" / DECREE).exists()


@pytest.mark.slow
def test_a_save_over_a_file_changed_since_it_was_read_is_refused(client, login_as, tmp_path):
    login_as("legal_advisor")
    form = edit_form(client, DECREE)
    assert client.post("/rules/edit/save", data={**form, "text": twenty_days(), "reason": "第一位"}).status_code == 302
    stale = client.post("/rules/edit/save", data={**form, "text": shipped(DECREE), "reason": "第二位"})
    assert stale.status_code == 409 and "changed by someone else" in stale.get_data(as_text=True)
    assert (tmp_path / "rules" / DECREE).read_text(encoding="utf-8") == twenty_days()


@pytest.mark.slow
def test_reverting_an_edit_brings_back_the_shipped_file_and_is_trailed(client, login_as, uow, tmp_path):
    login_as("legal_advisor", username="advisor")
    client.post("/rules/edit/save", data={**edit_form(client, DECREE), "text": twenty_days(), "reason": "改"})
    response = client.post("/rules/edit/revert", data={**edit_form(client, DECREE), "reason": "恢复原文"})
    assert response.status_code == 302
    assert not (tmp_path / "rules" / DECREE).exists()
    assert (rules_dir() / DECREE).read_text(encoding="utf-8") == shipped(DECREE)
    [event] = rulebook_events(uow, "rulebook.reverted")
    assert event["reason"] == "恢复原文" and event["actor"] == "advisor"


# ---------------------------------------------------------------- who may
@pytest.mark.slow
@pytest.mark.parametrize("role", ["official", "auditor", "secretary", "legality_reviewer"])
def test_only_legal_advisors_and_admins_may_preview_or_save(client, login_as, role, tmp_path):
    login_as("legal_advisor", username="advisor")
    form = edit_form(client, DECREE)        # a token of a real form; the role decides
    login_as(role)
    token = read_csrf_token(client.get(f"/rules/{DECREE}").get_data(as_text=True))
    for path in ("/rules/edit/preview", "/rules/edit/save", "/rules/edit/revert"):
        response = client.post(path, data={**form, "csrf_token": token, "text": twenty_days(), "reason": "越权"})
        assert response.status_code == 403, (role, path)
    assert not (tmp_path / "rules").exists()


@pytest.mark.slow
def test_an_admin_may_save(client, login_as, tmp_path):
    login_as("admin")
    response = client.post("/rules/edit/save", data={**edit_form(client, DECREE), "text": twenty_days(), "reason": "管理员"})
    assert response.status_code == 302
    assert (tmp_path / "rules" / DECREE).exists()


def test_the_domain_refuses_an_editor_without_the_role(app, uow, make_user):
    from engine.core.errors import PermissionDeniedError
    make_user("official", ["official"])
    with uow() as u, pytest.raises(PermissionDeniedError):
        rule_edits.save_edit(u, DECREE, twenty_days(), "official", "越权")


def posted_within_10_s(client, url: str, form: dict):
    """The answer to a POST of the edit form, which must come within 10 s (the edit sandbox's limits)."""
    start = time.monotonic()
    response = client.post(url, data=form)
    assert time.monotonic() - start < 10
    return response


@pytest.mark.slow
def test_a_preview_over_the_cpu_limit_answers_an_error_page_within_10_s(client, login_as, monkeypatch):
    monkeypatch.setenv("YIFA_EDIT_CPU_SECONDS", "0.5")
    login_as("legal_advisor")
    form = edit_form(client, DECREE)
    response = posted_within_10_s(client, "/rules/edit/preview", {**form, "text": twenty_days(), "reason": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "计算时间上限" in html and "CPU-time limit" in html


@pytest.mark.slow
def test_an_exponential_rule_is_refused_by_preview_and_save_naming_the_budget(client, login_as, tmp_path):
    from engine.rulebook.budget import MAX_BRANCHES, MAX_EXPRESSION_PARTS
    from tests.unit.test_rule_budget import rule_file
    login_as("legal_advisor")
    rel = "CN-12/ninghe/ninghe-archiving.yaml"
    nested = rule_file(18).split("rules:\n", 1)[1]
    text = shipped(rel).rstrip("\n") + "\n" + nested
    for action in ("preview", "save"):
        response = posted_within_10_s(client, f"/rules/edit/{action}",
                                      {**edit_form(client, rel), "text": text, "reason": "嵌套"})
        html = response.get_data(as_text=True)
        assert response.status_code == (200 if action == "preview" else 400), action   # a preview lists problems
        assert "NEST-01" in html and "超出编译预算" in html and "over the compile budget" in html
        assert f"分支上限 {MAX_BRANCHES}" in html and f"表达式上限 {MAX_EXPRESSION_PARTS}" in html
    assert not (tmp_path / "rules" / rel).exists()


def _rss_mb() -> float:
    import os
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.slow
def test_a_preview_over_the_memory_limit_answers_an_error_page_and_leaves_the_server_as_it_was(
        client, login_as, monkeypatch):
    monkeypatch.setenv("YIFA_EDIT_MEMORY_MB", "100")     # the child starts within 90 MB; the preview needs ~115
    login_as("legal_advisor")
    form = edit_form(client, DECREE)
    client.post("/rules/edit/preview", data={**form, "text": twenty_days(), "reason": ""})   # warm up
    before = _rss_mb()
    response = posted_within_10_s(client, "/rules/edit/preview", {**form, "text": twenty_days(), "reason": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "内存上限" in html and "memory limit" in html
    assert _rss_mb() - before < 30
