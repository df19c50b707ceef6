"""The clean-up scan page fits (web/templates/documents/scan.html): one line per document needing action,
its problems folded, long titles cut with the whole title on hover, the long title of a cited
instrument (国办发〔2018〕37号) named once per page, not once per item."""
from __future__ import annotations

import csv
import re

import pytest

from tests.registers.test_penalties_import import write_csv
from tests.web.test_documents import register  # noqa: F401

FULL_37 = "国务院办公厅关于加强行政规范性文件制定和监督管理工作的通知"
BYTES_PER_DOCUMENT = 4_000          # a row of the demo register: 3,173 bytes at most (5 problems), 2,000 on average
AVERAGE_BYTES = 2_500
LINES_PER_DOCUMENT = 20             # 18 at most (the source lines; on screen each row is one line, folded)
ROW = re.compile(r'<tr class="todo-row" data-number="([^"]+)">(.*?)</tr>', re.S)


def scan_page(client, per_page: int = 200) -> str:
    response = client.get(f"/documents/scan?per_page={per_page}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_each_document_needing_action_is_one_row_of_bounded_size(client, login_as, register):  # noqa: F811
    login_as("auditor")
    html = scan_page(client)
    rows = ROW.findall(html)
    needing = int(re.search(r'class="n-needing">(\d+)<', html).group(1))
    assert rows and len(rows) == needing
    numbers = [n for n, _ in rows]
    assert len(set(numbers)) == len(numbers)                      # each document once
    assert sum(len(b.encode()) for _, b in rows) / len(rows) <= AVERAGE_BYTES
    for number, body in rows:
        assert len(body.encode()) <= BYTES_PER_DOCUMENT, (number, len(body.encode()))
        assert body.count("\n") <= LINES_PER_DOCUMENT, (number, body.count("\n"))
        assert "<details>" in body and "<summary>" in body        # its problems folded
        assert html.count(f'data-number="{number}"') == 1


def test_the_long_title_of_a_cited_instrument_is_named_once(client, login_as, register):  # noqa: F811
    login_as("auditor")
    html = scan_page(client)
    assert html.count("国办发〔2018〕37号") > 3                     # cited by number in the items
    assert html.count(FULL_37) <= 2                                 # the legend under each table


def test_a_long_title_is_cut_with_the_whole_title_on_hover(client, login_as, register):  # noqa: F811
    login_as("auditor")
    html = scan_page(client)
    cut = re.findall(r'<span class="cut" title="([^"]+)">([^<]+)…</span>', html)
    assert cut
    assert all(full.startswith(shown) and len(shown) < len(full) for full, shown in cut)


LONG_TITLE = "宁河区人民政府关于进一步加强和规范农村集体经济组织资产、资源和资金管理若干问题的实施意见"


def add_needing(uow, tmp_path, changes: list[dict[str, str]]) -> None:
    """Import more documents needing action: a demo row overdue for its clean-up, each with `changes`."""
    from engine.documents.use_cases import import_documents
    from tests.web.test_documents import DEMO_CSV
    with open(DEMO_CSV, encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    needing = next(r for r in rows if r["number"] == "宁河政规〔2018〕5号")
    with uow() as u:
        import_documents(u, write_csv(tmp_path / "more.csv", [needing | c for c in changes], list(rows[0])), "keeper")
        u.commit()


@pytest.fixture
def long_titled(uow, register, tmp_path) -> None:  # noqa: F811
    """The demo register and one more document needing action, its title 45 characters long (the demo's: 21 at most)."""
    add_needing(uow, tmp_path, [{"number": "宁河政规〔2019〕99号", "title": LONG_TITLE}])


@pytest.mark.parametrize("page", ["/documents?per_page=200", "/documents/scan?per_page=200"])
def test_the_register_and_the_scan_cut_long_titles_and_keep_them_whole_on_hover(client, login_as, long_titled, page):
    login_as("auditor")
    html = client.get(page).get_data(as_text=True)
    titles = re.findall(r'<td class="title">(.*?)</td>', html)
    assert titles
    for cell in titles:
        shown = re.sub(r"<[^>]+>", "", cell)
        assert len(shown) <= 24, shown
    assert f'<span class="cut" title="{LONG_TITLE}">{LONG_TITLE[:23]}…</span>' in html


def test_beyond_ten_issuers_the_others_are_folded(client, login_as, uow, register, tmp_path):  # noqa: F811
    add_needing(uow, tmp_path, [{"number": f"测试政规〔2018〕{n}号", "issuer": f"测试第{n}委员会"} for n in range(1, 13)])
    login_as("auditor")
    html = client.get("/documents/scan").get_data(as_text=True)
    table = html[html.index('<table class="by-issuer">'):html.index("</table>", html.index('<table class="by-issuer">'))]
    assert table.count("<tr>") == 1 + 10                                      # the header and the first ten
    assert "其余 6 个制定机关" in html                                          # 4 demo issuers + 12 more
