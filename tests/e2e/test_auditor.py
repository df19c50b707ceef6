"""An auditor opens the audit list, a case's trail, verifies the chain and exports the dossier.
Real chromium, headless."""
from __future__ import annotations

import json
import re

from playwright.sync_api import expect

from tests.e2e.conftest import download, shot, sign_in

CASE = "YL-DEMO-03"      # blocked at the collective decision: its trail holds the refused advance


def test_an_auditor_verifies_a_trail_and_exports_the_dossier(page, tmp_path):
    sign_in(page, "auditor", "yifa-demo-auditor")
    page.get_by_role("navigation").get_by_role("link", name="审计", exact=True).click()
    expect(page).to_have_url(re.compile(r"/audit$"))
    expect(page.get_by_role("heading", name="审计：全部决策")).to_be_visible()
    for case_id in ("YL-DEMO-01", "YL-DEMO-02", "YL-DEMO-03", "YL-DEMO-04", "NH-2025-003", "YL-2024-011"):
        expect(page.locator(f'a[href="/audit/cases/{case_id}"]').first).to_be_visible()
    shot(page, "audit-list")

    # ---- the trail as a timeline
    page.locator(f'a[href="/audit/cases/{CASE}"]').first.click()
    expect(page).to_have_url(re.compile(rf"/audit/cases/{CASE}$"))
    expect(page.locator("ol.timeline > li.event").first).to_be_visible()
    expect(page.locator("li.event.refused")).to_have_count(1)          # the refused advance
    expect(page.locator("li.event.refused")).to_contain_text("MAD-LEG-01")
    expect(page.locator("code.rulebook").first).to_be_visible()        # every verdict's rulebook version
    shot(page, "audit-timeline")

    # ---- verify: the chain is intact
    page.get_by_role("button", name="校验审计链").click()
    report = page.locator(".chain-report")
    expect(report).to_have_class(re.compile(r"chain-intact"))
    expect(report).to_contain_text("审计链完整")
    events = page.locator("ol.timeline > li.event").count()
    expect(report).to_contain_text(f"共 {events} 个事件")
    shot(page, "verify-result")

    # ---- the dossier as JSON, downloaded
    saved = download(page, "导出 JSON", tmp_path)
    assert saved.name == f"{CASE}-dossier.json"
    dossier = json.loads(saved.read_text(encoding="utf-8"))
    assert dossier["case"]["id"] == CASE
    assert dossier["trail"]["status"] == "intact" and dossier["trail"]["verified"] == events
    assert len(dossier["events"]) == events
    assert dossier["findings"] and all(f["rulebook_version"] for f in dossier["findings"])
    refused = [e for e in dossier["events"] if e.get("action") == "stage.advance_refused"]
    assert len(refused) == 1 and "MAD-LEG-01" in json.dumps(refused[0], ensure_ascii=False)

    # ---- the printable dossier
    page.get_by_role("link", name="卷宗（可打印）").click()
    expect(page).to_have_url(re.compile(rf"/audit/cases/{CASE}/dossier$"))
    expect(page.locator("body")).to_contain_text(CASE)
    expect(page.locator("body")).to_contain_text("岳龙镇七里海湿地周边村道改造工程")
    shot(page, "dossier")

    # ---- the auditor reads everything and changes nothing: no "enter" button on a case page
    page.goto(f"/cases/{CASE}")
    expect(page.locator("form.advance")).to_have_count(0)
    page.goto("/dashboard")
    expect(page.locator("main h1").first).to_be_visible()
    shot(page, "dashboard")
