"""The normative-document register's pages (web/documents.py): list, document, review, import, export."""
from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import url_for
from sqlalchemy import event, func, select

from engine.registers.documents import import_documents
from engine.registers.models import NormativeDocumentRecord
from engine.store.models import TrailEvent
from engine.trail import verify_all
from web.db import get_engine
from web.demo import REVIEWED_DOCUMENT, seed_demo

ROOT = Path(__file__).resolve().parents[2]
DEMO_CSV = ROOT / "web" / "demo_documents.csv"
BAD_CSV = ROOT / "tests" / "registers" / "fixtures" / "two-bad-rows.csv"
DEMO_COUNT = 31
ROW = re.compile(r'<td class="number"><a href="([^"]+)">([^<]+)</a>')


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


def listed(html: str) -> list[str]:
    """The document numbers of a list page, in order."""
    return [m.group(2) for m in ROW.finditer(html)]


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
def test_every_role_reads_the_register_newest_first_and_finds_it_in_the_top_bar(client, login_as, register):
    for role in ("official", "legality_reviewer", "legal_advisor", "secretary", "auditor", "admin"):
        login_as(role)
        page = client.get("/documents")
        assert page.status_code == 200, role
        html = page.get_data(as_text=True)
        assert 'href="/documents"' in html and "规范性文件" in html
    numbers = listed(html)
    assert len(numbers) == DEMO_COUNT                         # one page of 50
    assert numbers[0] == "岳龙政规〔2025〕1号"                  # issued 2025-03-10, the newest
    assert numbers[-1] == "宁河政规〔2015〕4号"                 # issued 2015-10-08, the oldest
    for header in ("文号", "标题", "制定机关", "类型", "状态", "印发日期", "有效期至", "最近清理评估日期", "需处理"):
        assert header in html, header
    assert "共 31 件" in html and "未扫描" in html               # the scan's column waits for the lead's scan


def test_the_list_in_english(client, login_as, register):
    login_as("auditor")
    html = client.get("/documents?lang=en").get_data(as_text=True)
    assert "Normative-document register" in html and "In force" in html and "Needs action" in html
    assert "Documents 1–31 of 31" in html


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
    page = client.get("/documents", query_string=query)
    assert page.status_code == 200
    assert set(listed(page.get_data(as_text=True))) == expected


def test_a_filter_that_cannot_be_read_is_named_and_ignored(client, login_as, register):
    login_as("official")
    html = client.get("/documents?status=burned&kind=eternal&page=x&sort=colour").get_data(as_text=True)
    assert "未知的状态：burned" in html and "未知的类型：eternal" in html and "未知的排序：colour" in html
    assert "页码应为正整数" in html and len(listed(html)) == DEMO_COUNT


def test_pages_are_cut_in_sql_and_link_to_each_other(app, client, login_as, register):
    login_as("official")
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = get_engine_of(app)
    event.listen(engine, "before_cursor_execute", seen)
    try:
        first = client.get("/documents?per_page=25").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    rows = [s for s in statements if "FROM normative_documents" in s and "count(" not in s.lower()
            and "DISTINCT" not in s.upper()]
    assert rows and all("LIMIT" in s.upper() for s in rows), rows   # never every row
    assert len(listed(first)) == 25 and "第 1–25 件，共 31 件" in first
    assert 'href="/documents?page=2&amp;per_page=25"' in first and 'rel="next"' in first
    second = client.get("/documents?per_page=25&page=2").get_data(as_text=True)
    assert len(listed(second)) == 6 and "第 26–31 件，共 31 件" in second and 'rel="prev"' in second
    assert set(listed(first)).isdisjoint(listed(second))
    beyond = client.get("/documents?per_page=25&page=99").get_data(as_text=True)
    assert listed(beyond) == listed(second)                     # past the end: the last page


def test_sorting_by_a_column_and_back(client, login_as, register):
    login_as("official")
    by_number = listed(client.get("/documents?sort=number").get_data(as_text=True))
    assert by_number == sorted(by_number)
    assert listed(client.get("/documents?sort=-number").get_data(as_text=True)) == by_number[::-1]
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
    assert 'id="findings"' in html and "尚未接入" in html          # the scan's place
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
    assert "<strong>文件</strong>" in html and "请选择要导入的 CSV 文件" in html and "<strong>编码</strong>" in html


@pytest.mark.parametrize("role", ["legal_advisor", "secretary", "auditor"])
def test_only_the_keepers_of_the_register_may_import(client, login_as, role):
    login_as(role)
    assert client.get("/documents/import").status_code == 403
    assert "导入登记表" not in client.get("/documents").get_data(as_text=True)


# ---------------------------------------------------------------- the export
def test_the_export_is_byte_for_byte_the_cli_export(app, client, login_as, post_form, register, tmp_path):
    login_as("legality_reviewer")
    post_form(doc_url(app, "宁河政规〔2020〕1号", "documents.review"), REVIEW, page=doc_url(app, "宁河政规〔2020〕1号"))
    response = client.get("/documents/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="normative-documents.csv"' in response.headers["Content-Disposition"]
    body = response.get_data()
    out = tmp_path / "cli.csv"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": app.config["DATABASE_URL"]}
    proc = subprocess.run([sys.executable, "-m", "engine.cli", "docs", "export", "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    assert body == out.read_bytes()
    assert body.startswith(b"\xef\xbb\xbfnumber,title,") and b"\r\n" in body
    assert len(body.decode("utf-8-sig").splitlines()) == DEMO_COUNT + 1


# ---------------------------------------------------------------- the demo
def test_the_demo_register_is_imported_and_one_document_reviewed_through_the_trail(app, uow):
    with app.app_context():
        added = seed_demo(get_engine())
        assert seed_demo(get_engine()) == []
    assert any("规范性文件 31 件" in a for a in added)
    assert count(uow) == DEMO_COUNT
    number, _, _, on = REVIEWED_DOCUMENT
    reviewed = record(uow, number)
    assert (reviewed.status, reviewed.last_reviewed_on) == ("repealed", on)
    assert [e.action for e in events_of(uow, number)] == ["document.imported", "document.reviewed"]
    with uow(read_only=True) as u:
        statuses = verify_all(u.session)
    assert all(s.ok for s in statuses) and sum(s.case_id.startswith("doc:") for s in statuses) == DEMO_COUNT
