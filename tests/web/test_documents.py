"""The normative-document register's pages (web/documents.py): list, document, review, import, export."""
from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import url_for
from sqlalchemy import func, select

from engine.documents.models import NormativeDocumentRecord
from engine.documents.use_cases import import_documents
from engine.store.models import TrailEvent
from engine.trail import verify_all
from tests.web import register_pages
from tests.web.register_pages import DEMO_COUNT, listed
from tests.yifa_cli import run_yifa_on
from web.db import get_engine
from web.demo import REVIEWED_DOCUMENT

ROOT = Path(__file__).resolve().parents[2]
DEMO_CSV = ROOT / "web" / "demo_documents.csv"
BAD_CSV = ROOT / "tests" / "registers" / "fixtures" / "two-bad-rows.csv"


def demo_numbers() -> list[str]:
    with open(DEMO_CSV, encoding="utf-8-sig", newline="") as stream:
        return [row["number"] for row in csv.DictReader(stream)]


@pytest.fixture
def register(uow, make_user) -> list[str]:
    """The demo register (31 documents), imported by a keeper of the register."""
    make_user("keeper", ["legality_reviewer"])
    with uow() as u:
        import_documents(u, DEMO_CSV, "keeper")
        u.commit()
    return demo_numbers()


def doc_url(app, number: str, endpoint: str = "documents.show") -> str:
    with app.test_request_context():
        return url_for(endpoint, number=number)


def record(uow, number: str) -> NormativeDocumentRecord | None:
    with uow(read_only=True) as u:
        found = u.session.scalars(select(NormativeDocumentRecord).where(NormativeDocumentRecord.number == number)).first()
        if found is not None:
            u.session.expunge(found)
        return found


def events_of(uow, number: str) -> list[TrailEvent]:
    with uow(read_only=True) as u:
        found = list(u.session.scalars(select(TrailEvent).where(TrailEvent.case_id == f"doc:{number}")
                                       .order_by(TrailEvent.seq)))
        for e in found:
            u.session.expunge(e)
        return found


def count(uow) -> int:
    with uow(read_only=True) as u:
        return u.session.scalar(select(func.count()).select_from(NormativeDocumentRecord))


# ---------------------------------------------------------------- the list
@pytest.mark.parametrize(("query", "expected"), [
    ({"issuer": "岳龙镇人民政府"}, {"岳龙政发〔2017〕6号", "岳龙政发〔2018〕12号", "岳龙政规〔2019〕1号", "岳龙政发〔2021〕5号",
                                "岳龙政发〔2021〕9号", "岳龙政规〔2022〕2号", "岳龙政规〔2023〕1号", "岳龙政规〔2024〕2号",
                                "岳龙政规〔2025〕1号"}),
    ({"status": "repealed"}, {"宁河政规〔2015〕4号"}),
    ({"status": "amended"}, {"宁河农委规〔2020〕1号"}),
    ({"kind": "trial"}, {"宁河政办规〔2021〕2号", "岳龙政发〔2021〕9号"}),
    ({"q": "宅基地"}, {"宁河农委规〔2020〕1号", "岳龙政发〔2021〕5号"}),
    ({"q": "〔2019〕"}, {"宁河政规〔2019〕3号", "宁河政规〔2019〕8号", "宁河政办规〔2019〕1号", "岳龙政规〔2019〕1号"}),
    ({"q": "〔2019〕", "issuer": "宁河区人民政府", "status": "in_force"}, {"宁河政规〔2019〕3号", "宁河政规〔2019〕8号"}),
    ({"q": "%"}, set()),                                        # a LIKE wildcard is a character like any other
    ({"q": "2019_3"}, set()),
])
def test_filters_combine(client, login_as, register, query, expected):
    login_as("official")
    assert register_pages.listed_by(client, "/documents", query) == expected


def test_sorting_by_the_review_day_and_back(client, login_as, register):
    login_as("official")
    with open(DEMO_CSV, encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    dated = [r["number"] for r in sorted((r for r in rows if r["last_reviewed_on"]),
                                         key=lambda r: r["last_reviewed_on"], reverse=True)]
    reviewed = listed(client.get("/documents?sort=-last_reviewed_on").get_data(as_text=True))
    assert reviewed[:len(dated)] == dated and reviewed[0] == "宁河政规〔2021〕6号"   # last reviewed 2024-11-20
    assert len(reviewed) == DEMO_COUNT                          # the never reviewed come last, either way
    oldest_first = listed(client.get("/documents?sort=last_reviewed_on").get_data(as_text=True))
    assert oldest_first[:len(dated)] == dated[::-1]


def get_engine_of(app):
    with app.app_context():
        return get_engine()


# ---------------------------------------------------------------- one document
def test_a_chinese_number_makes_a_working_url(app, client, login_as, register):
    login_as("secretary")
    number = "宁河政规〔2020〕1号"
    url = doc_url(app, number)
    assert url == "/documents/" + quote(number) and "%E3%80%94" in url        # 〔 percent-encoded
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "宁河区城乡生活垃圾分类管理暂行办法" in html and "暂行" in html and "2022-06-30" in html
    assert f'href="{url}"' in client.get("/documents?q=垃圾").get_data(as_text=True)   # the list links to it


def test_the_page_shows_every_field_the_basis_laws_and_the_trail(app, client, login_as, register):
    login_as("auditor")
    html = client.get(doc_url(app, "宁河政规〔2018〕5号")).get_data(as_text=True)
    for text in ("宁河区违法建设查处暂行办法", "宁河区人民政府", "2018-06-11", "2018-07-01", "2020-06-30", "2018-05-28",
                 "2018-06-15", "2018-07-10", "行政处罚", "行政强制措施", "现行有效", "未清理评估"):
        assert text in html, text
    # 行政处罚法@2017-09-01: the 2021-01-22 revision came after the document
    assert "《中华人民共和国行政处罚法》" in html and "印发后已修改" in html and "2021-01-22" in html
    assert "《中华人民共和国行政强制法》" in html and "印发后未修改" in html
    assert "document.imported" in html and "keeper" in html      # its trail: chain doc:<number>
    assert "doc:宁河政规〔2018〕5号" in html
    assert 'id="findings"' in html and "NDOC-VAL-04" in html      # the scan's findings
    unknown = client.get(doc_url(app, "宁河政规〔2023〕5号")).get_data(as_text=True)
    assert "《中华人民共和国招标投标法》" in unknown and "不在法律登记表中" in unknown
    unpublished = client.get(doc_url(app, "宁河政规〔2023〕2号")).get_data(as_text=True)
    assert "未公布" in unpublished and "未备案" in unpublished


def test_a_number_with_a_slash_and_url_characters_has_a_page(app, client, login_as, make_user, tmp_path, uow):
    odd = "宁河/试〔2020〕1号 #2?x=1&y=%"
    path = tmp_path / "odd.csv"
    text = DEMO_CSV.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([text[0], text[1].replace("宁河政规〔2015〕4号", f'"{odd}"')]) + "\n", encoding="utf-8")
    make_user("keeper", ["official"])
    with uow() as u:
        import_documents(u, path, "keeper")
        u.commit()
    login_as("official")
    url = doc_url(app, odd)
    page = client.get(url)
    assert page.status_code == 200 and "宁河区城市道路占用挖掘管理办法" in page.get_data(as_text=True)


def test_an_unknown_number_is_a_404_page(app, client, login_as, register):
    login_as("official")
    page = client.get(doc_url(app, "宁河政规〔1999〕1号"))
    assert page.status_code == 404 and "宁河政规〔1999〕1号" in page.get_data(as_text=True)


# ---------------------------------------------------------------- the clean-up review
REVIEW = {"outcome": "repealed", "reason": "上位法《行政处罚法》已于2021年修订，本办法予以废止", "on": "2025-06-01"}


def test_a_reviewer_records_a_review_and_it_is_in_the_trail(app, client, login_as, post_form, register, uow):
    number = "宁河政规〔2020〕1号"
    url = doc_url(app, number)
    login_as("legality_reviewer", username="li")
    response = post_form(doc_url(app, number, "documents.review"), REVIEW, page=url)
    assert response.status_code == 302 and response.headers["Location"] == url
    stored = record(uow, number)
    assert (stored.status, stored.last_reviewed_on.isoformat(), stored.updated_by) == ("repealed", "2025-06-01", "li")
    last = events_of(uow, number)[-1]
    assert (last.action, last.actor) == ("document.reviewed", "li") and REVIEW["reason"] in last.payload
    with uow(read_only=True) as u:
        assert all(s.ok for s in verify_all(u.session, f"doc:{number}"))
    html = client.get(url).get_data(as_text=True)
    assert "已记录清理评估" in html and "已废止" in html and REVIEW["reason"] in html and "document.reviewed" in html


def test_the_legal_advisor_may_review_too(app, client, login_as, post_form, register, uow):
    number = "岳龙政发〔2021〕9号"
    login_as("legal_advisor")
    response = post_form(doc_url(app, number, "documents.review"),
                         {"outcome": "kept", "reason": "仍然适用", "on": "2025-06-01"}, page=doc_url(app, number))
    assert response.status_code == 302
    assert record(uow, number).status == "in_force" and events_of(uow, number)[-1].action == "document.reviewed"


@pytest.mark.parametrize(("form", "field", "words"), [
    ({"outcome": "kept", "reason": "   ", "on": "2025-06-01"}, "理由", "须说明理由"),
    ({"outcome": "kept", "on": "2025-06-01"}, "理由", "须说明理由"),
    ({"outcome": "", "reason": "仍适用", "on": "2025-06-01"}, "评估结论", "请选择评估结论"),
    ({"outcome": "burned", "reason": "仍适用", "on": "2025-06-01"}, "评估结论", "请选择评估结论"),
    ({"outcome": "kept", "reason": "仍适用", "on": "2025-02-30"}, "评估日期", "日期无效"),
    ({"outcome": "kept", "reason": "仍适用", "on": "2100-01-01"}, "评估日期", "不得晚于今天"),
    ({"outcome": "kept", "reason": "仍适用", "on": "2010-01-01"}, "评估日期", "早于印发日期"),   # the domain's check
])
def test_a_bad_review_names_the_field_and_records_nothing(app, client, login_as, post_form, register, uow,
                                                          form, field, words):
    number = "宁河政规〔2020〕1号"
    before = len(events_of(uow, number))
    login_as("legality_reviewer")
    response = post_form(doc_url(app, number, "documents.review"), form, page=doc_url(app, number))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f"<strong>{field}</strong>" in html and words in html and "Traceback" not in html
    assert 'aria-invalid="true"' in html
    assert len(events_of(uow, number)) == before and record(uow, number).status == "in_force"


@pytest.mark.parametrize("role", ["official", "secretary", "auditor"])
def test_other_roles_see_no_review_form_and_get_403(app, client, login_as, register, uow, role):
    number = "宁河政规〔2020〕1号"
    login_as(role)
    html = client.get(doc_url(app, number)).get_data(as_text=True)
    assert 'name="reason"' not in html and "清理评估由合法性审查人员" in html
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)
    response = client.post(doc_url(app, number, "documents.review"), data={**REVIEW, "csrf_token": token})
    assert response.status_code == 403
    assert events_of(uow, number)[-1].action == "document.imported"


def test_a_review_without_the_csrf_token_is_refused(app, client, login_as, register, uow):
    number = "宁河政规〔2020〕1号"
    login_as("legality_reviewer")
    response = client.post(doc_url(app, number, "documents.review"), data=REVIEW)
    assert response.status_code == 400 and "安全令牌" in response.get_data(as_text=True)
    response = client.post(doc_url(app, number, "documents.review"), data={**REVIEW, "csrf_token": "forged"})
    assert response.status_code == 400
    assert record(uow, number).status == "in_force" and len(events_of(uow, number)) == 1


def test_reviewing_an_unknown_number_is_a_404(app, client, login_as, post_form, register):
    login_as("legality_reviewer")
    response = post_form(doc_url(app, "宁河政规〔1999〕1号", "documents.review"), REVIEW, page="/documents")
    assert response.status_code == 404


# ---------------------------------------------------------------- the import
def upload(post_form, path_or_bytes, name: str = "登记表.csv", **fields):
    raw = path_or_bytes.read_bytes() if isinstance(path_or_bytes, Path) else path_or_bytes
    return post_form("/documents/import", {"file": (io.BytesIO(raw), name), **fields},
                     content_type="multipart/form-data")


def test_a_register_with_bad_rows_is_refused_whole_with_every_row_shown(client, login_as, post_form, uow):
    login_as("official")
    response = upload(post_form, BAD_CSV, "两行错误.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "未导入任何文件" in html and "两行错误.csv" in html
    cells = re.findall(r'<td class="row">(\d+)</td>\s*<td>([^<]*)<code class="en">(\w+)</code>', html)
    assert [(row, column) for row, _, column in cells] == [("2", "issued_on"), ("4", "kind")]
    assert "2023-02-30" in html and "permanent" in html
    assert "/tmp" not in html and "upload.csv" not in html      # the temporary file's path is never shown
    assert count(uow) == 0
    with uow(read_only=True) as u:
        assert not u.session.scalar(select(func.count()).select_from(TrailEvent).where(TrailEvent.case_id.like("doc:%")))


def test_skip_invalid_imports_the_good_rows_and_offers_the_bad_ones(client, login_as, post_form, uow, make_user):
    login_as("official")
    response = upload(post_form, BAD_CSV, skip_invalid="yes")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'新增 <strong class="imported">1</strong>', html)
    assert re.search(r'更新 <strong class="updated">0</strong>', html)
    assert re.search(r'未变 <strong class="unchanged">0</strong>', html)
    assert re.search(r'拒绝（行） <strong class="rejected">2</strong>', html)
    assert count(uow) == 1 and record(uow, "岳龙政发〔2023〕1号") is not None
    link = re.search(r'href="(/documents/import/rejected/[^"]+)"', html).group(1)
    download = client.get(link)
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    download.close()
    assert [r["number"] for r in rows] == ["宁河政规〔2023〕4号", "岳龙政发〔2023〕2号"]
    assert "issued_on" in rows[0]["reason"] and "kind" in rows[1]["reason"]
    login_as("admin")                                           # another session may not fetch it
    assert client.get(link).status_code == 404


def test_importing_again_counts_updated_and_unchanged(client, login_as, post_form, uow, tmp_path):
    login_as("legality_reviewer")
    first = upload(post_form, DEMO_CSV).get_data(as_text=True)
    assert re.search(rf'新增 <strong class="imported">{DEMO_COUNT}</strong>', first)
    assert "不在法律登记表中" in first                              # warnings shown, rows imported
    changed = DEMO_CSV.read_text(encoding="utf-8").replace("宁河区养犬管理办法", "宁河区文明养犬管理办法")
    again = upload(post_form, changed.encode("gb18030"), encoding="gb18030").get_data(as_text=True)
    assert re.search(r'更新 <strong class="updated">1</strong>', again)
    assert re.search(rf'未变 <strong class="unchanged">{DEMO_COUNT - 1}</strong>', again)
    assert events_of(uow, "宁河政规〔2021〕6号")[-1].action == "document.updated"


def test_a_row_with_too_many_cells_and_a_bad_header_are_shown_by_row(client, login_as, post_form, uow):
    login_as("official")
    lines = DEMO_CSV.read_text(encoding="utf-8").splitlines()
    ragged = "\n".join([lines[0], lines[1] + ",extra", lines[2]]) + "\n"
    html = upload(post_form, ragged.encode()).get_data(as_text=True)
    assert re.search(r'<td class="row">2</td>\s*<td>column 15</td>', html), html[-3000:]
    header = upload(post_form, ("numero" + ragged[len("number"):]).encode())
    text = header.get_data(as_text=True)
    assert header.status_code == 400 and "numero" in text and "缺少列 &#39;number&#39;" in text
    assert count(uow) == 0


def test_a_file_in_the_wrong_encoding_is_refused_with_a_reason(client, login_as, post_form, uow):
    login_as("official")
    gb = DEMO_CSV.read_text(encoding="utf-8").encode("gb18030")
    response = upload(post_form, gb, encoding="utf-8")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "不是有效的 UTF-8" in html and "整个文件" in html
    assert count(uow) == 0


def test_an_import_without_a_file_names_the_field(client, login_as, post_form):
    login_as("official")
    response = post_form("/documents/import", {"encoding": "latin-1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<strong>文件</strong>" in html and "请选择要导入的 CSV 或 .xlsx 文件" in html and "<strong>编码</strong>" in html


@pytest.mark.parametrize("role", ["legal_advisor", "secretary", "auditor"])
def test_only_the_keepers_of_the_register_may_import(client, login_as, role):
    login_as(role)
    assert client.get("/documents/import").status_code == 403
    assert "导入登记表" not in client.get("/documents").get_data(as_text=True)


# ---------------------------------------------------------------- the export
@pytest.mark.slow
def test_the_export_is_byte_for_byte_the_cli_export(app, client, login_as, post_form, register, tmp_path):
    login_as("legality_reviewer")
    post_form(doc_url(app, "宁河政规〔2020〕1号", "documents.review"), REVIEW, page=doc_url(app, "宁河政规〔2020〕1号"))
    register_pages.assert_export_is_the_cli_export(app, client, "/documents", "docs", 'filename="normative-documents.csv"',
                                                   b"number,title,", tmp_path)


# ---------------------------------------------------------------- the demo
def test_the_demo_register_is_imported_and_one_document_reviewed_through_the_trail(app, uow):
    assert any("规范性文件 31 件" in a for a in register_pages.seeded_once(app))
    assert count(uow) == DEMO_COUNT
    number, _, _, on = REVIEWED_DOCUMENT
    reviewed = record(uow, number)
    assert (reviewed.status, reviewed.last_reviewed_on) == ("repealed", on)
    assert [e.action for e in events_of(uow, number)] == ["document.imported", "document.reviewed"]
    register_pages.assert_every_trail_intact(uow, "doc:")


# ---------------------------------------------------------------- the clean-up scan (engine/documents/scan.py)
AS_OF = "2024-06-01"
EXPIRED = "宁河政规〔2020〕1号"        # 暂行, valid until 2022-06-30, still marked in force
FINE = "岳龙政规〔2025〕1号"           # issued 2025-03-10, reviewed, published and filed in time
NEVER_FILED = "岳龙政发〔2021〕9号"    # published 2021-09-20, never filed; expired 2023-09-30


def needs_cell(html: str, number: str) -> str:
    """The 需处理 cell of a document's row on a list page."""
    row = re.search(r'<td class="number"><a href="[^"]*">' + re.escape(number) + r"</a></td>(.*?)</tr>", html, re.S)
    assert row, f"{number} is not on the page"
    return re.search(r'<td class="needs-action">(.*?)</td>', row.group(1), re.S).group(1)


def action_count(cell: str) -> int:
    found = re.search(r'<span class="count">(\d+)</span>', cell)
    return int(found.group(1)) if found else 0


def cli(app, *args: str) -> subprocess.CompletedProcess:
    return run_yifa_on(app.config["DATABASE_URL"], *args)


def test_the_needs_action_column_counts_a_documents_actions_and_names_the_worst_as_of_a_day(client, login_as,
                                                                                            register):
    login_as("official")
    last_day = client.get("/documents", query_string={"as_of": "2022-06-30", "q": EXPIRED}).get_data(as_text=True)
    next_day = client.get("/documents", query_string={"as_of": "2022-07-01", "q": EXPIRED}).get_data(as_text=True)
    before, after = needs_cell(last_day, EXPIRED), needs_cell(next_day, EXPIRED)
    assert "NDOC-VAL-04" not in before and "NDOC-VAL-04" in after          # expired, yet still in force
    assert "NDOC-VAL-02" in before and "NDOC-VAL-02" not in after          # (on its last day: not evaluated)
    rules = re.search(r'title="([^"]*)"', after).group(1).split()
    assert action_count(after) == len(rules) == 4
    assert "违法" in after and "badge-blocked" in after                     # the worst: an error
    assert "?as_of=2022-07-01#findings" in after                            # to the page, judged on that day
    assert "截至 2022-07-01" in next_day
    fine = client.get("/documents", query_string={"as_of": "2025-06-01", "q": FINE}).get_data(as_text=True)
    assert '<span class="badge badge-ok">0</span>' in needs_cell(fine, FINE)


def test_the_list_scans_only_the_documents_of_its_page(client, login_as, register, monkeypatch):
    from engine.documents.scan import DocumentScanner
    scanned: list[str] = []
    real = DocumentScanner.scan_one
    monkeypatch.setattr(DocumentScanner, "scan_one", lambda self, doc: scanned.append(doc.number) or real(self, doc))
    login_as("official")
    html = client.get("/documents?per_page=25").get_data(as_text=True)
    assert sorted(scanned) == sorted(listed(html)) and len(scanned) == 25


def test_a_documents_findings_are_grouped_by_topic_with_their_articles_and_unverified_marks(app, client, login_as,
                                                                                            register):
    login_as("auditor")
    html = client.get(doc_url(app, NEVER_FILED), query_string={"as_of": AS_OF}).get_data(as_text=True)
    section = html[html.index('id="findings"'):html.index('id="review"')]
    topics = ["内容合法", "合法性审核", "统一登记与公布", "备案", "有效期", "清理"]
    assert [section.index(f"<h3>{name}</h3>") for name in topics] == sorted(section.index(f"<h3>{n}</h3>") for n in topics)
    assert "需处理 6 项" in section and f"截至 {AS_OF}" in section
    filing = re.search(r"<li>(?:(?!</li>).)*NDOC-FIL-01(?:(?!</li>).)*</li>", section, re.S).group(0)
    # the filing deadline is a parameter left to each jurisdiction (verified: false): marked 未核实
    assert "《中华人民共和国地方各级人民代表大会和地方各级人民政府组织法》第七十五条" in filing
    assert "未核实" in filing and "最迟应于2021-10-20报送备案，至2024-06-01仍未备案" in filing
    expired = re.search(r"<li>(?:(?!</li>).)*NDOC-VAL-04(?:(?!</li>).)*</li>", section, re.S).group(0)
    assert "《国务院办公厅关于加强行政规范性文件制定和监督管理工作的通知》第（十）部分" in expired
    assert "有效期已于2023-09-30届满，仍标为现行有效" in expired and "未核实" not in expired
    validity = section[section.index('id="findings-validity"'):section.index('id="findings-cleanup"')]
    assert validity.index("NDOC-VAL-04") < validity.index("<details>")          # violated first, the rest folded
    assert re.search(r"<summary>符合 1 项</summary>\s*<ul class=\"satisfied\"><li>✓ <strong class=\"rule\">NDOC-VAL-02-T",
                     validity)
    assert "<summary>不适用 3 项</summary>" in validity and "条件不具备" in validity
    english = client.get(doc_url(app, NEVER_FILED), query_string={"as_of": AS_OF, "lang": "en"}).get_data(as_text=True)
    assert "Filing" in english and "unverified" in english and "6 need action" in english


def test_a_document_judged_before_it_expired_has_no_validity_problem(app, client, login_as, register):
    login_as("official")
    before = client.get(doc_url(app, EXPIRED), query_string={"as_of": "2022-06-30"}).get_data(as_text=True)
    after = client.get(doc_url(app, EXPIRED), query_string={"as_of": "2022-07-01"}).get_data(as_text=True)
    assert "有效期已于2022-06-30届满" not in before and "有效期已于2022-06-30届满" in after


@pytest.mark.parametrize(("path", "query", "field"), [
    ("/documents", {"as_of": "2024-02-30"}, "as_of"),
    (EXPIRED, {"as_of": "yesterday"}, "as_of"),
    ("/documents/scan", {"as_of": "2024-13-01"}, "as_of"),
    ("/documents/scan", {"as_of": "20240601"}, "as_of"),
    ("/documents/scan.json", {"as_of": "2024-6-1"}, "as_of"),
    ("/documents/scan.csv", {"as_of": "x"}, "as_of"),
    ("/documents/scan", {"jurisdiction": "CN-99"}, "jurisdiction"),
    (EXPIRED, {"jurisdiction": "../CN"}, "jurisdiction"),
])
def test_a_scan_parameter_that_cannot_be_read_is_a_400_naming_it(app, client, login_as, register, path, query, field):
    login_as("legality_reviewer")
    url = doc_url(app, path) if not path.startswith("/") else path
    response = client.get(url, query_string=query)
    html = response.get_data(as_text=True)
    assert response.status_code == 400, html[:500]
    assert f"{field}：" in html and "Traceback" not in html
    assert "NDOC-" not in html                                   # nothing judged on a day nobody asked for


@pytest.mark.slow
def test_the_scan_page_counts_what_the_cli_counts(app, client, login_as, register, tmp_path):
    login_as("secretary")
    page = client.get("/documents/scan", query_string={"as_of": AS_OF})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    out = tmp_path / "scan.json"
    proc = cli(app, "docs", "scan", "--format", "json", "--as-of", AS_OF, "--out", str(out))
    assert proc.returncode in (0, 1), proc.stderr            # 1: a blocker or an error is violated (§2)
    summary = json.loads(out.read_text(encoding="utf-8"))["summary"]
    assert int(re.search(r'class="n-documents">(\d+)<', html).group(1)) == summary["documents"] == DEMO_COUNT
    assert int(re.search(r'class="n-needing">(\d+)<', html).group(1)) == summary["needing_action"]
    issuers = re.search(r'<table class="by-issuer">(.*?)</table>', html, re.S).group(1)
    assert dict(re.findall(r'<td><a href="[^"]*">([^<]+)</a></td><td class="n">(\d+)</td>', issuers)) == \
        {k: str(v) for k, v in summary["by_issuer"].items()}
    rules = re.search(r'<table class="by-rule">(.*?)</table>', html, re.S).group(1)
    rows = re.findall(r'<a class="rule" href="[^"]*">([^<]+)</a>.*?<td class="n">(\d+)</td>', rules, re.S)
    assert {rule: int(n) for rule, n in rows} == summary["by_rule"]
    assert [int(n) for _, n in rows] == sorted((int(n) for _, n in rows), reverse=True)   # most documents first
    row = re.search(r"<tr>(?:(?!</tr>).)*>NDOC-VAL-04<(?:(?!</tr>).)*</tr>", rules, re.S).group(0)
    assert "有效期届满的文件自动失效" in row and "第（十）部分" in row and "违法" in row
    # the worklist: every document needing action, with its actions and their messages
    assert f"共 {summary['needing_action']} 件" in html
    assert "有效期已于2022-06-30届满，仍标为现行有效" in html
    # the download is the CLI's JSON, byte for byte
    download = client.get("/documents/scan.json", query_string={"as_of": AS_OF})
    assert download.status_code == 200 and download.get_data() == out.read_bytes()


def test_scan_json_is_case_format_section_5(client, login_as, register):
    login_as("auditor")
    response = client.get("/documents/scan.json", query_string={"as_of": AS_OF})
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert f'filename="normative-documents-scan-{AS_OF}.json"' in response.headers["Content-Disposition"]
    pairs = json.loads(response.get_data(as_text=True), object_pairs_hook=lambda kv: kv)
    assert [k for k, _ in pairs] == ["as_of", "rulebook", "documents", "summary"]
    scan = json.loads(response.get_data(as_text=True))
    assert scan["as_of"] == AS_OF and scan["rulebook"]["jurisdiction"] == "CN"
    assert scan["rulebook"]["version"].startswith("sha256:")
    assert [d["number"] for d in scan["documents"]] == demo_numbers()       # register order
    rules = [f["rule"] for f in scan["documents"][0]["findings"]]
    for document in scan["documents"]:
        assert list(document) == ["number", "findings"]
        assert [f["rule"] for f in document["findings"]] == rules            # every rule, every document
        for f in document["findings"]:
            assert {"rule", "verdict", "severity", "citation", "verified", "facts"} <= set(f)
            assert f["verdict"] in ("violated", "satisfied", "not_applicable", "pending")
            assert ("message" in f) == (f["verdict"] == "violated")
    assert set(scan["summary"]) == {"documents", "needing_action", "by_rule", "by_issuer"}
    needing = sum(any(f["verdict"] == "violated" and f["severity"] in ("warning", "error", "blocker")
                      for f in d["findings"]) for d in scan["documents"])
    assert scan["summary"]["needing_action"] == needing and scan["summary"]["documents"] == DEMO_COUNT


@pytest.mark.slow
def test_scan_csv_is_the_clis_worklist(app, client, login_as, register, tmp_path):
    login_as("official")
    response = client.get("/documents/scan.csv", query_string={"as_of": AS_OF})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    out = tmp_path / "scan.csv"
    proc = cli(app, "docs", "scan", "--format", "csv", "--as-of", AS_OF, "--out", str(out))
    assert proc.returncode in (0, 1), proc.stderr
    assert response.get_data() == out.read_bytes()
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {"number", "rule", "severity", "verified", "article", "message"} <= set(rows[0])
    filing = [r for r in rows if r["rule"] == "NDOC-FIL-01"]
    assert [r["number"] for r in filing] == [NEVER_FILED] and filing[0]["verified"] == "false"


def test_the_scan_is_kept_while_the_register_does_not_change(app, client, login_as, post_form, register,
                                                             monkeypatch):
    import web.document_scan as scan_module
    scans: list[str] = []
    real = scan_module._scan_register
    monkeypatch.setattr(scan_module, "_scan_register",
                        lambda session, scanner, params: scans.append(params.as_of.isoformat())
                        or real(session, scanner, params))
    login_as("legality_reviewer")
    later = "2030-01-01"                                       # more than a page of 25 need action by then
    first = client.get("/documents/scan", query_string={"as_of": later}).get_data(as_text=True)
    needing = int(re.search(r'class="n-needing">(\d+)<', first).group(1))
    assert needing > 25
    second = client.get("/documents/scan", query_string={"as_of": later, "per_page": 25, "page": 2}).get_data(as_text=True)
    assert f"第 26–{needing} 件，共 {needing} 件" in second and "沿用" in second
    only = client.get("/documents/scan", query_string={"as_of": later, "rule": "NDOC-FIL-01"}).get_data(as_text=True)
    assert "共 1 件" in only and NEVER_FILED in only
    assert scans == [later]                                      # paging and filtering read the kept scan
    client.get("/documents/scan", query_string={"as_of": "2030-01-02"})
    assert scans == [later, "2030-01-02"]                        # another day: another scan
    # a clean-up review changes the register: the next view scans again, without the repealed document
    post_form(doc_url(app, NEVER_FILED, "documents.review"), REVIEW, page=doc_url(app, NEVER_FILED))
    again = client.get("/documents/scan", query_string={"as_of": later}).get_data(as_text=True)
    assert scans == [later, "2030-01-02", later] and "沿用" not in again
    assert int(re.search(r'class="n-needing">(\d+)<', again).group(1)) == needing - 1


def test_the_register_state_moves_with_every_change_of_the_register(app, uow, register, make_user):
    from engine.documents.reviews import mark_reviewed
    from web.document_scan import register_state
    with uow(read_only=True) as u:
        before = register_state(u.session)
    make_user("li", ["legality_reviewer"])
    with uow() as u:
        mark_reviewed(u, FINE, "kept", "仍然适用", "li", date(2025, 6, 1))
        u.commit()
    with uow(read_only=True) as u:
        after = register_state(u.session)
    assert after == (before[0], before[1] + 1)                  # as many documents, one more event on their chains


def test_every_role_opens_the_scan_from_the_register_and_the_top_bar(client, login_as, register):
    for role in ("official", "legality_reviewer", "legal_advisor", "secretary", "auditor", "admin"):
        login_as(role)
        listing = client.get("/documents").get_data(as_text=True)
        assert 'href="/documents/scan"' in listing
        page = client.get("/documents/scan")
        assert page.status_code == 200, role
        html = page.get_data(as_text=True)
        assert re.search(r'<a href="/documents/scan" aria-current="page">清理扫描</a>', html)
        assert not re.search(r'<a href="/documents" aria-current="page">', html)        # the most specific entry
        for download in ("/documents/scan.csv", "/documents/scan.json"):
            assert client.get(download).status_code == 200, (role, download)
    english = client.get("/documents/scan?lang=en").get_data(as_text=True)
    assert "Clean-up scan" in english and "Needing action" in english and "By issuing organ" in english


def test_the_page_shows_the_drafting_procedure_and_says_when_none_is_recorded(app, client, login_as, make_user,
                                                                              register, tmp_path, uow):
    """The optional process columns (README, extending CASE_FORMAT §3) under 制定程序, an empty one as
    未记录; a row that records none of them says so."""
    lines = DEMO_CSV.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0] + ",deliberated_on,comment_opened_on,comment_closes_on,market_related,fair_competition_reviewed_on"
    row = lines[1].replace("宁河政规〔2015〕4号", "宁河政规〔2022〕9号") + ",,2022-01-05,2022-02-10,yes,2022-02-11"
    path = tmp_path / "process.csv"
    path.write_text(header + "\n" + row + "\n", encoding="utf-8")
    with uow() as u:
        import_documents(u, path, "keeper")
        u.commit()
    login_as("auditor")
    html = client.get(doc_url(app, "宁河政规〔2022〕9号") + "?as_of=2024-06-01").get_data(as_text=True)
    section = html[html.index('id="process"'):html.index('id="basis"')]
    for text in ("集体审议日期", "未记录", "征求意见开始日期", "2022-01-05", "2022-02-10", "涉及市场主体", "是",
                 "公平竞争审查日期", "2022-02-11"):
        assert text in section, text
    assert "可选列均为空" not in section
    old = client.get(doc_url(app, "宁河政规〔2018〕5号")).get_data(as_text=True)
    assert "可选列均为空" in old[old.index('id="process"'):old.index('id="basis"')]
