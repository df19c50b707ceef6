"""The auditors' pages (/audit): the list and its filters, the timeline, chain verification, the dossier."""
from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.routing import FloatConverter, IntegerConverter

from engine.core.errors import GateClosedError
from engine.core.yamlio import LoadedYaml
from engine.decisions.models import FindingRecord
from engine.decisions.record import case_to_document, load_case, parse_case
from engine.decisions.use_cases import advance_stage, create_case, import_cases
from engine.store.models import TrailHead
from web import demo_data
from web.auth import EVERYONE, role_required

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = [ROOT / "examples" / "ninghe-county-road-2025.yaml", ROOT / "examples" / "yuelong-sewage-2024.yaml"]
BLOCKED = "NH-2025-010"
TEMPLATES = ROOT / "web" / "templates" / "audit"


def draft(case_id: str, sponsor_unit: str, prepared: bool = False):
    """The Ninghe road example cut back before its legality review, under another id and unit;
    `prepared`: sent for legality review (no opinion yet) and the meeting's record prepared."""
    doc = case_to_document(load_case(EXAMPLES[0]))
    for key in ("legality_review", "collective_decision", "party_report", "publication", "archive", "execution"):
        doc.pop(key, None)
    doc.update(id=case_id, sponsor_unit=sponsor_unit)
    if prepared:
        doc.update(legality_review=demo_data.LEGALITY_SUBMITTED, collective_decision=demo_data.MEETING)
    return parse_case(LoadedYaml(doc), "draft")


@pytest.fixture
def cases(make_user, uow):
    """Three cases through the services, by users of their own:
    NH-2025-003 (execution, 2025, 交通运输局, archived late: a violation, not overdue), YL-2024-011
    (publication, 2024, not archived: overdue), NH-2025-010 (2025, 水务局, sent for legality review, the
    meeting prepared, no opinion: blocked at the collective decision)."""
    make_user("zhang", ["official"])
    make_user("wang", ["secretary"])
    with uow() as u:
        import_cases(u, EXAMPLES, "zhang", as_of=date(2025, 7, 1))
        create_case(u, draft(BLOCKED, "宁河区水务局", prepared=True), "zhang", as_of=date(2025, 4, 23))
        u.commit()
    with uow() as u, pytest.raises(GateClosedError):
        advance_stage(u, BLOCKED, "collective_decision", "wang", date(2025, 4, 25))
    return ["NH-2025-003", "YL-2024-011", BLOCKED]


def listed(html: str) -> set[str]:
    """The case ids the audit list shows."""
    return set(re.findall(r'<a href="/audit/cases/([A-Za-z0-9._-]+)"><code>', html))


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


# ---------------------------------------------------------------- the list
@pytest.mark.slow
def test_the_auditor_sees_every_case_with_its_unit_stage_and_blocked_flag(client, login_as, cases):
    login_as("auditor")
    html = page(client, "/audit")
    assert listed(html) == set(cases)
    for shown in ("宁河区交通运输局", "岳龙镇农业综合服务中心", "宁河区水务局", "受阻", "MAD-LEG-01", "未校验"):
        assert shown in html
    assert "显示 3 件，共 3 件" in html


@pytest.mark.parametrize("query, expected", [
    ("blocked=yes", {BLOCKED}),
    ("blocked=no", {"NH-2025-003", "YL-2024-011"}),
    ("stage=publication", {"YL-2024-011"}),
    ("stage=execution", {"NH-2025-003"}),
    ("year=2024", {"YL-2024-011"}),
    ("year=2025", {"NH-2025-003", BLOCKED}),
    ("unit=交通", {"NH-2025-003"}),
    ("unit=宁河区", {"NH-2025-003", BLOCKED}),
    ("overdue=yes", set()),          # LOC-NH-ARC-01 binds the district only: no demo deadline is overdue
    ("overdue=no", {"NH-2025-003", BLOCKED, "YL-2024-011"}),
    ("year=2024&blocked=no&overdue=yes", set()),
    ("year=2025&overdue=yes", set()),
    ("unit=nobody", set()),
])
def test_the_filters_of_the_list_keep_only_the_matching_cases(client, login_as, cases, query, expected):
    login_as("auditor")
    assert listed(page(client, f"/audit?{query}")) == expected


def test_a_filter_that_cannot_be_read_is_named_and_ignored(client, login_as, cases):
    login_as("auditor")
    html = page(client, "/audit?year=abc&blocked=maybe&stage=nowhere")
    assert listed(html) == set(cases)
    assert "年份应为四位数字" in html and "未知的阶段" in html and "yes 或 no" in html


def test_the_overdue_column_names_the_deadline_rule_and_its_due_date(client, login_as, cases, uow):
    doc = case_to_document(load_case(EXAMPLES[0]))       # the district's road decision, never archived
    doc.pop("archive"), doc.pop("execution")
    doc["id"] = "NH-2025-005"
    with uow() as u:
        create_case(u, parse_case(LoadedYaml(doc), "unarchived"), "zhang", as_of=date(2025, 7, 1))
        u.commit()
    login_as("auditor")
    html = page(client, "/audit?overdue=yes&year=2025")
    assert listed(html) == {"NH-2025-005"}
    assert "LOC-NH-ARC-01 ≤ 2025-05-25" in html


def test_an_admin_sees_every_case_too(client, login_as, cases):
    login_as("admin")
    assert listed(page(client, "/audit")) == set(cases)


@pytest.mark.parametrize("role", ["official", "legality_reviewer", "legal_advisor", "secretary"])
def test_other_roles_cannot_open_the_audit_pages(client, login_as, cases, role):
    login_as(role)
    for path in ("/audit", f"/audit/cases/{BLOCKED}", f"/audit/cases/{BLOCKED}/dossier",
                 f"/audit/cases/{BLOCKED}/export.json", f"/audit/cases/{BLOCKED}/case.yaml"):
        assert client.get(path).status_code == 403, path


@pytest.mark.slow
def test_an_official_cannot_open_the_trail_of_even_their_own_case(client, login_as, cases):
    login_as("official", username="zhang")
    assert client.get(f"/audit/cases/{BLOCKED}").status_code == 403


def test_someone_not_signed_in_is_sent_to_sign_in(client, cases):
    response = client.get("/audit")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# ---------------------------------------------------------------- the timeline
def test_the_timeline_shows_actors_actions_rulebook_versions_and_the_refused_advance(client, login_as, uow, cases):
    login_as("auditor")
    html = page(client, f"/audit/cases/{BLOCKED}")
    with uow(read_only=True) as u:
        versions = set(u.session.scalars(select(FindingRecord.rulebook_version)
                                         .where(FindingRecord.case_id == BLOCKED)))
    assert versions and all(v in html for v in versions)
    for shown in ("zhang", "wang", "创建案件", "进入环节被拒绝", "stage.advance_refused", "MAD-LEG-01",
                  "北京时间", "UTC", "违反", "被拒绝"):
        assert shown in html, shown
    assert html.count('class="event refused"') == 1
    assert 'id="event-1"' in html and 'id="event-2"' in html
    assert '"stage_refused": "collective_decision"' in html.replace("&#34;", '"')  # the whole payload, readable


def test_the_timeline_shows_the_evidence_digests(client, login_as, cases):
    login_as("auditor")
    html = page(client, "/audit/cases/NH-2025-003")
    assert "证据摘要" in html and "导入案件" in html and "案卷文件" in html
    assert re.search(r'<code class="hash">[0-9a-f]{64}</code>', html)


def test_the_timeline_of_an_unknown_case_is_not_found(client, login_as, cases):
    login_as("auditor")
    assert client.get("/audit/cases/NOPE-1").status_code == 404
    assert client.get("/audit/cases/NOPE-1/export.json").status_code == 404
    assert client.get("/audit/cases/NOPE-1/dossier").status_code == 404


# ---------------------------------------------------------------- verification
def test_verify_says_the_chain_is_intact_with_its_event_count_and_head_hash(client, login_as, post_form, uow, cases):
    login_as("auditor")
    response = post_form(f"/audit/cases/{BLOCKED}/verify", {}, page=f"/audit/cases/{BLOCKED}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    with uow(read_only=True) as u:
        head = u.session.get(TrailHead, BLOCKED)
    assert "审计链完整" in html and "共 2 个事件" in html and head.hash in html
    assert "chain-broken" not in html


def test_verify_names_the_altered_event_and_the_kind(client, login_as, post_form, tamper, cases):
    login_as("auditor")
    tamper("UPDATE trail_events SET actor = 'mallory' WHERE case_id = :c AND seq = 1", c=BLOCKED)
    response = post_form(f"/audit/cases/{BLOCKED}/verify", {}, page=f"/audit/cases/{BLOCKED}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "审计链断裂" in html and f"{BLOCKED}#1" in html and "(altered)" in html and "被篡改" in html
    assert 'class="event broken"' in html and 'class="chain-report chain-broken" role="alert"' in html


def test_verify_names_a_deleted_event_as_missing(client, login_as, post_form, tamper, cases):
    login_as("auditor")
    tamper("DELETE FROM trail_events WHERE case_id = :c AND seq = 1", c=BLOCKED)
    html = post_form(f"/audit/cases/{BLOCKED}/verify", {}, page=f"/audit/cases/{BLOCKED}").get_data(as_text=True)
    assert f"{BLOCKED}#1" in html and "(missing)" in html


def test_a_verify_without_the_csrf_token_is_refused(client, login_as, cases):
    login_as("auditor")
    assert client.post(f"/audit/cases/{BLOCKED}/verify").status_code == 400


def test_verify_all_says_every_chain_is_intact(client, login_as, post_form, cases):
    login_as("auditor")
    response = post_form("/audit/verify-all", {}, page="/audit")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "条审计链完整" in html and "chain-broken" not in html
    assert html.count('<span class="badge badge-ok">完整</span>') == 3


def test_verify_all_lists_the_broken_chains_and_keeps_the_filters(client, login_as, post_form, tamper, cases):
    login_as("auditor")
    tamper("UPDATE trail_events SET payload = '{}' WHERE case_id = :c AND seq = 2", c=BLOCKED)
    html = post_form("/audit/verify-all", {}, page="/audit").get_data(as_text=True)
    assert "审计链断裂" in html and f"{BLOCKED}#2" in html and "(altered)" in html
    assert listed(html) == set(cases) and html.count('is-broken">') == 1
    filtered = post_form("/audit/verify-all?year=2024", {}, page="/audit?year=2024").get_data(as_text=True)
    assert listed(filtered) == {"YL-2024-011"} and f"{BLOCKED}#2" in filtered  # the broken list covers all


def test_a_payload_tampered_into_garbage_still_lists_and_verifies(client, login_as, post_form, tamper, cases):
    login_as("auditor")
    tamper("UPDATE trail_events SET payload = 'not json' WHERE case_id = :c AND seq = 2", c=BLOCKED)
    assert listed(page(client, "/audit")) == set(cases)
    assert "not json" in page(client, f"/audit/cases/{BLOCKED}")
    html = post_form(f"/audit/cases/{BLOCKED}/verify", {}, page=f"/audit/cases/{BLOCKED}").get_data(as_text=True)
    assert f"{BLOCKED}#2" in html and "(altered)" in html


def test_the_pages_speak_english_on_request(client, login_as, cases):
    login_as("auditor")
    assert "Audit: every decision" in page(client, "/audit?lang=en")
    html = page(client, f"/audit/cases/{BLOCKED}?lang=en")
    assert "Verify chain" in html and "Rulebook version" in html


# ---------------------------------------------------------------- the dossier and the exports
def test_the_dossier_is_printable_html_with_its_own_style_policy(client, login_as, cases):
    login_as("auditor")
    response = client.get(f"/audit/cases/{BLOCKED}/dossier")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "决策案卷归档记录" in html and "审计链完整" in html and "@media print" in html
    policy = response.headers["Content-Security-Policy"]
    assert "style-src 'unsafe-inline'" in policy and "script-src 'self'" in policy


def test_the_dossier_names_the_stage_people_and_whole_hashes(client, login_as, uow, cases):
    """The printed record says which stage an advance was refused at, who acted by name, and every
    hash whole (an auditor compares them with the JSON and the chain)."""
    from engine.store.models import TrailEvent
    login_as("auditor")
    html = client.get(f"/audit/cases/{BLOCKED}/dossier").get_data(as_text=True)
    assert "进入环节被拒绝：集体讨论决定（Collective decision）" in html and "collective_decision" not in html
    assert "测试zhang（zhang）" in html and "测试wang（wang）" in html
    with uow(read_only=True) as u:
        hashes = u.session.scalars(select(TrailEvent.hash).where(TrailEvent.case_id == BLOCKED)).all()
    assert hashes and all(f'<code class="hash">{h}</code>' in html for h in hashes)


def test_the_json_export_downloads_the_dossier(client, login_as, cases):
    login_as("auditor")
    response = client.get(f"/audit/cases/{BLOCKED}/export.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{BLOCKED}-dossier.json"'
    dossier = json.loads(response.get_data(as_text=True))
    assert dossier["format"] == "yifa-dossier/1" and dossier["trail"]["status"] == "intact"
    assert [e["action"] for e in dossier["events"]] == ["case.created", "stage.advance_refused"]


def test_the_case_file_downloads_as_yaml(client, login_as, cases):
    login_as("auditor")
    response = client.get("/audit/cases/NH-2025-003/case.yaml")
    assert response.status_code == 200 and response.mimetype == "application/yaml"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "id: NH-2025-003" in response.get_data(as_text=True)


def test_without_chromium_the_pdf_says_to_print_from_the_browser(client, login_as, cases, monkeypatch):
    import web.audit
    monkeypatch.setattr(web.audit, "chromium_path", lambda: None)
    login_as("auditor")
    response = client.get(f"/audit/cases/{BLOCKED}/dossier.pdf")
    assert response.status_code == 501
    assert "浏览器" in response.get_data(as_text=True)
    assert "卷宗 PDF" not in page(client, f"/audit/cases/{BLOCKED}")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_with_chromium_the_dossier_downloads_as_pdf(client, login_as, cases):
    login_as("auditor")
    response = client.get(f"/audit/cases/{BLOCKED}/dossier.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    import io

    from pypdf import PdfReader
    pages = PdfReader(io.BytesIO(response.data)).pages
    total = len(pages)
    assert total >= 2                                    # an archive counts its pages
    for n, page in enumerate(pages, start=1):           # 第 n 页 / 共 N 页 at each page's foot
        assert f"第{n}页/共{total}页" in "".join(page.extract_text().split()), n


# ---------------------------------------------------------------- the auditor changes nothing
def test_the_auditor_gets_403_on_every_post_not_marked_safe_for_readers(app, client, login_as, csrf_token, cases):
    @app.post("/test-audit/change")
    @role_required(*EVERYONE)
    def change():
        return "changed"

    login_as("auditor")
    token = csrf_token("/audit")
    unsafe = [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods
              and not getattr(app.view_functions[rule.endpoint], "safe_for_readers", False)]
    assert any(rule.rule == "/test-audit/change" for rule in unsafe)
    for rule in unsafe:
        values = {name: 1 if isinstance(converter, (IntegerConverter, FloatConverter)) else "x"
                  for name, converter in rule._converters.items()}
        path = rule.build(values, append_unknown=False)[1]
        assert client.post(path, data={"csrf_token": token}).status_code == 403, path
    login_as("official")
    assert client.post("/test-audit/change", data={"csrf_token": csrf_token("/")}).get_data(as_text=True) == "changed"


def test_the_audit_pages_use_no_inline_script_or_style(client, login_as, cases):
    for template in TEMPLATES.glob("*.html"):
        source = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)|<style|\bstyle=|\bon[a-z]+=", source), template.name
    login_as("auditor")
    response = client.get("/audit")
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "/static/audit.css" in response.get_data(as_text=True)


def test_a_blocked_case_page_draws_its_stop_mark_rather_than_an_emoji(client, login_as, make_user, uow, tmp_path):
    """The ⛔ emoji has no glyph in the CJK font officials (and the browser tests) use: it showed as a
    box. The blocked badge draws its mark in CSS instead."""
    doc = case_to_document(load_case(EXAMPLES[0]))
    doc.pop("legality_review")          # decided without a legality review: MAD-LEG-02, a blocker, violated
    path = tmp_path / "blocked.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, default=str), encoding="utf-8")
    make_user("zhang", ["official"])
    with uow() as u:
        import_cases(u, [path], "zhang", as_of=date(2025, 7, 1))
        u.commit()
    login_as("auditor")
    page = client.get(f"/cases/{doc['id']}").get_data(as_text=True)
    assert "badge-stop" in page and "程序不得继续" in page
    assert "⛔" not in page
    assert ".badge-stop::before" in (ROOT / "web" / "static" / "yifa.css").read_text(encoding="utf-8")


def test_the_timeline_names_each_actor_with_the_username_beside(client, login_as, uow, cases):
    """People read names: 「测试zhang（zhang）」, the username the trail keeps beside it; an actor who is
    no account (here a tampered 'mallory' would be) stays as written."""
    login_as("auditor")
    html = page(client, f"/audit/cases/{BLOCKED}")
    assert '<dd class="actor">测试zhang（zhang）</dd>' in html
    assert '<dd class="actor">测试wang（wang）</dd>' in html
    assert '<dd class="actor">zhang</dd>' not in html
