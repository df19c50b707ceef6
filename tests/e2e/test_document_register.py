"""A legality reviewer works through the normative-document register: finds a document whose validity
has ended but which is still marked in force, sees the rule and its article, records the clean-up
review (repealed), then opens the scan of the whole register and downloads its worklist. Real
chromium, headless."""
from __future__ import annotations

import csv
import re
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import expect

from tests.days import TODAY
from tests.e2e.conftest import download, shot, sign_in

NUMBER = "宁河政规〔2019〕3号"       # 宁河区农村集体资产管理办法: valid until 2024-04-11, still marked in force
REASON = "有效期已于2024-04-11届满，经评估不再继续施行，予以废止"


def test_a_reviewer_repeals_an_expired_document_and_downloads_the_scans_worklist(page, tmp_path):
    sign_in(page, "reviewer", "yifa-demo-reviewer")
    page.get_by_role("navigation").get_by_role("link", name="规范性文件", exact=True).click()
    expect(page).to_have_url(re.compile(r"/documents$"))
    expect(page.get_by_role("heading", name="行政规范性文件登记表")).to_be_visible()
    row = page.locator("tbody tr", has=page.get_by_role("link", name=NUMBER, exact=True))
    expect(row.locator("td.needs-action")).to_contain_text("违法")            # its worst: an error
    shot(page, "document-register")

    # ---- the document: NDOC-VAL-04 with its article
    row.get_by_role("link", name=NUMBER, exact=True).click()
    expect(page).to_have_url(re.compile(r"/documents/" + re.escape(quote(NUMBER)) + "$"))
    validity = page.locator("#findings-validity")
    expired = validity.locator("ul.violated li", has_text="NDOC-VAL-04")
    expect(expired).to_contain_text("《国务院办公厅关于加强行政规范性文件制定和监督管理工作的通知》第（十）部分")
    expect(expired).to_contain_text("有效期已于2024-04-11届满，仍标为现行有效")
    expect(page.locator("p.scan-lead")).to_contain_text(f"截至 {TODAY.isoformat()}")

    # ---- the clean-up review: repealed, with the reason
    page.select_option("#r-outcome", "repealed")
    page.fill("#r-reason", REASON)
    page.get_by_role("button", name="记录评估结论").click()
    expect(page.locator(".flash-success")).to_contain_text(f"已记录清理评估：{NUMBER} 废止")
    expect(page.locator("h1 + p .status")).to_have_text("已废止")
    event = page.locator("ol.timeline > li.event").last
    expect(event).to_contain_text("document.reviewed")
    expect(event).to_contain_text(REASON)
    expect(event).to_contain_text("现行有效 → 已废止")
    expect(page.locator("p.scan-lead")).to_contain_text("无需处理")            # a repealed document needs none

    # ---- the scan of the whole register, and its worklist as CSV
    page.get_by_role("navigation").get_by_role("link", name="清理扫描", exact=True).click()
    expect(page).to_have_url(re.compile(r"/documents/scan$"))
    expect(page.get_by_role("heading", name="行政规范性文件清理扫描")).to_be_visible()
    expect(page.locator(".n-documents")).to_have_text("31")
    expect(page.locator("table.by-rule")).to_contain_text("NDOC-VAL-04")
    expect(page.locator("#todo")).not_to_contain_text(NUMBER)
    rows = page.locator("tr.todo-row")
    heights = [rows.nth(i).bounding_box()["height"] for i in range(rows.count())]
    assert heights and max(heights) <= 90, heights            # one line per document, its problems folded
    # measured: the demo scan page 3,186 px tall with its 25 rows (it was ≈ 9,000 px, every problem unfolded)
    shot(page, "document-scan")
    saved = download(page, "下载需处理清单 CSV", tmp_path)
    assert saved.name == f"normative-documents-scan-{TODAY.isoformat()}.csv"
    with open(saved, encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert rows and set(rows[0]) >= {"number", "title", "issuer", "rule", "severity", "article", "message"}
    assert NUMBER not in {r["number"] for r in rows}                        # repealed: off the worklist
    assert any(r["rule"] == "NDOC-VAL-04" for r in rows)                    # the others still expired
    assert Path(saved).stat().st_size > 0
