"""The registers' import pages take .xlsx (Chinese or English headers) and offer the templates; the
exports come in either format and language (CASE_FORMAT v2 §3–§4)."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from engine.credit import use_cases as credit
from engine.documents import use_cases as docs

ROOT = Path(__file__).resolve().parents[2]
REGISTERS = {"documents": (docs, ROOT / "web" / "demo_documents.csv"),
             "credit": (credit, ROOT / "tests" / "registers" / "fixtures" / "penalties.csv")}


def as_xlsx(path: Path, table, headers: str = "zh") -> bytes:
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    zh = {c.name: c.zh for c in table}
    book = openpyxl.Workbook()
    book.active.append([zh[h] if headers == "zh" else h for h in rows[0]])
    for row in rows[1:]:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def fetch(client, url: str) -> tuple[int, str, bytes]:
    """A download's status, type and bytes (the response closed: its spooled file too)."""
    response = client.get(url)
    data = response.data
    response.close()
    return response.status_code, response.mimetype, data


def upload(post_form, prefix: str, raw: bytes, name: str):
    return post_form(f"/{prefix}/import", {"file": (io.BytesIO(raw), name)}, content_type="multipart/form-data")


@pytest.mark.parametrize("prefix", ["documents", "credit"])
def test_the_import_page_accepts_xlsx_and_links_the_templates(client, login_as, prefix):
    login_as("official")
    html = client.get(f"/{prefix}/import").get_data(as_text=True)
    assert ".xlsx" in html and 'accept=".csv,.xlsx' in html
    for link in ("template.xlsx?headers=zh", "template.csv?headers=zh", "template.xlsx?headers=en",
                 "template.csv?headers=en"):
        assert f"/{prefix}/import/{link}" in html


@pytest.mark.parametrize("prefix", ["documents", "credit"])
def test_an_xlsx_with_chinese_headers_is_imported_and_its_template_round_trips(client, login_as, post_form,
                                                                                prefix):
    module, source = REGISTERS[prefix]
    login_as("official")
    response = upload(post_form, prefix, as_xlsx(source, module.TABLE), "登记表.xlsx")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "已导入「登记表.xlsx」" in html, html[:2000]
    status, mimetype, template = fetch(client, f"/{prefix}/import/template.xlsx?headers=zh")
    assert status == 200 and mimetype.endswith("spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(io.BytesIO(template)).worksheets[0]
    assert [c.value for c in sheet[1]] == [c.zh for c in module.TABLE] and sheet.max_row == 2
    response = upload(post_form, prefix, template, "模板.xlsx")
    assert response.status_code == 200 and "已导入「模板.xlsx」" in response.get_data(as_text=True)
    _, _, csv_template = fetch(client, f"/{prefix}/import/template.csv?headers=en")
    assert csv_template.decode("utf-8-sig").splitlines()[0] == ",".join(c.name for c in module.TABLE)


@pytest.mark.parametrize("prefix", ["documents", "credit"])
def test_a_bad_workbook_is_one_message_on_the_page(client, login_as, post_form, prefix):
    login_as("official")
    response = upload(post_form, prefix, b"%PDF-1.4\n%\xe2\xe3\n", "登记表.xlsx")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "不是有效的 .xlsx 工作簿" in html and "PDF" in html
    assert "Traceback" not in html and "/tmp" not in html


@pytest.mark.parametrize("prefix", ["documents", "credit"])
def test_the_export_in_chinese_xlsx_and_a_bad_choice(client, login_as, post_form, prefix):
    module, source = REGISTERS[prefix]
    login_as("official")
    upload(post_form, prefix, source.read_bytes(), "r.csv")
    login_as("auditor")
    status, _, exported = fetch(client, f"/{prefix}/export.xlsx?headers=zh")
    assert status == 200
    sheet = openpyxl.load_workbook(io.BytesIO(exported)).worksheets[0]
    assert sheet.cell(1, 1).value == module.TABLE[0].zh and sheet.max_row > 2
    assert fetch(client, f"/{prefix}/export.csv")[2].startswith(b"\xef\xbb\xbf" + module.TABLE[0].name.encode())
    assert fetch(client, f"/{prefix}/export.csv?headers=fr")[0] == 400
    assert fetch(client, f"/{prefix}/import/template.csv")[0] == 403        # the template is the importers'


def test_the_catalogue_import_page_offers_its_template_and_takes_an_xlsx(client, login_as, post_form):
    from engine.catalogue.record import TABLE
    login_as("official")
    html = client.get("/catalogue/import").get_data(as_text=True)
    assert "/catalogue/import/template.xlsx?headers=zh" in html
    status, _, template = fetch(client, "/catalogue/import/template.xlsx?headers=zh")
    sheet = openpyxl.load_workbook(io.BytesIO(template)).worksheets[0]
    assert status == 200 and [c.value for c in sheet[1]] == [c.zh for c in TABLE]
    response = upload(post_form, "catalogue", template, "目录.xlsx")
    assert response.status_code == 200 and "已导入「目录.xlsx」" in response.get_data(as_text=True)
    status, _, exported = fetch(client, "/catalogue/export.xlsx?headers=zh")
    assert status == 200 and openpyxl.load_workbook(io.BytesIO(exported)).worksheets[0].max_row == 2
