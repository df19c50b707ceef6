"""The decision catalogue's pages: import (all or nothing, rows named), the list's filters, the scan and
its JSON as of a day; bad parameters answer 400 or are named, never 500."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parents[1] / "registers" / "fixtures" / "catalogue-2022.csv"


def upload(post_form, data: bytes, **form):
    return post_form("/catalogue/import", {"file": (io.BytesIO(data), "目录.csv"), **form},
                     content_type="multipart/form-data")


def test_an_official_imports_the_catalogue_and_everyone_reads_it_and_its_scan(client, login_as, post_form):
    login_as("official")
    done = upload(post_form, CATALOGUE.read_bytes())
    assert done.status_code == 200
    assert re.search(r'新增 <strong class="imported">4</strong>', done.get_data(as_text=True))
    login_as("auditor")
    listing = client.get("/catalogue?unit=岳龙镇人民政府&year=2022")
    html = listing.get_data(as_text=True)
    assert listing.status_code == 200 and "农村生活污水治理" in html and "停车收费调整" not in html
    assert "导入目录" not in html                                   # the auditor reads, never imports
    scan = client.get("/catalogue/scan?as_of=2023-01-05").get_data(as_text=True)
    assert "2022/宁河区人民政府目录应于2022-12-31前向社会公布" in scan and "CAT-ITEM-01" in scan
    assert "规则集 中华人民共和国（全国）：" in scan                  # a rulebook is named as people read it
    assert '<option value="CN-12/ninghe" >' not in scan and ">天津市宁河区</option>" in scan
    report = client.get("/catalogue/scan.json?as_of=2023-01-05")
    assert report.status_code == 200
    # item 1 names case YL-2022-001, which is not stored here: no decision on record either
    assert json.loads(report.get_data(as_text=True))["summary"]["by_rule"] == {"CAT-ITEM-01": 3, "CAT-PUB-01": 1}


def test_a_bad_file_is_refused_whole_with_its_rows_named(client, login_as, post_form):
    login_as("official")
    bad = CATALOGUE.read_text(encoding="utf-8").replace("development_plan", "zoning").encode()
    refused = upload(post_form, bad)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "zoning" in html and "类别" in html
    assert "尚未导入决策事项目录" in client.get("/catalogue").get_data(as_text=True)


def test_unreadable_parameters_are_named_not_a_server_error(client, login_as):
    login_as("legality_reviewer")
    assert client.get("/catalogue/scan?as_of=2023-02-30").status_code == 400
    assert client.get("/catalogue/scan.json?jurisdiction=XX").status_code == 400
    listing = client.get("/catalogue?year=abc&category=zoning&sort=title&page=x")
    assert listing.status_code == 200 and "年度应为四位数字" in listing.get_data(as_text=True)
    assert client.get("/catalogue/import").status_code == 403
