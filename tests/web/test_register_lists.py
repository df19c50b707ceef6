"""The list pages of the normative-document and penalty registers, checked alike on each demo register
(31 rows): every role reads it newest first, in English too; a filter it cannot read is named and
ignored; it sorts by number and back; its pages are cut in SQL. What else each list does:
tests/web/test_documents.py, tests/web/test_credit.py."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from engine.credit.use_cases import import_penalties
from engine.documents.use_cases import import_documents
from tests.web import register_pages
from tests.web.register_pages import DEMO_COUNT, listed

WEB = Path(__file__).resolve().parents[2] / "web"


@dataclass(frozen=True)
class RegisterList:
    """One register's list page and what its demo register shows on it."""
    path: str
    demo_csv: Path
    keeper_role: str                          # the role of the user who imports the demo register
    load: Callable[..., Any]                  # import_documents / import_penalties
    top_bar: str                              # the link's text in the top bar
    table: str                                # its SQL table
    number: str                               # the column of the record's number, to sort by
    unit: str                                 # the counter of its rows: 件, 条
    newest: str
    oldest: str
    headers: tuple[str, ...]
    shown: tuple[str, ...]                    # on the first page of the demo register
    not_shown: tuple[str, ...]
    english: tuple[str, ...]                  # on the page in English
    unreadable: str                           # a query of filters it cannot read
    named: tuple[str, ...]                    # what the page says of them


DOCUMENTS = RegisterList(
    path="/documents", demo_csv=WEB / "demo_documents.csv", keeper_role="legality_reviewer", load=import_documents,
    top_bar="规范性文件", table="normative_documents", number="number", unit="件",
    newest="岳龙政规〔2025〕1号",              # issued 2025-03-10
    oldest="宁河政规〔2015〕4号",              # issued 2015-10-08
    headers=("文号", "标题", "制定机关", "类型", "状态", "印发日期", "有效期至", "最近评估日期", "需处理"),
    shown=("共 31 件",),
    not_shown=("未扫描",),                     # every row of the page was scanned
    english=("Normative-document register", "In force", "Needs action", "Documents 1–31 of 31"),
    unreadable="status=burned&kind=eternal&page=x&sort=colour",
    named=("未知的状态：burned", "未知的类型：eternal", "未知的排序：colour", "页码应为正整数"))

PENALTIES = RegisterList(
    path="/credit", demo_csv=WEB / "demo_penalties.csv", keeper_role="official", load=import_penalties,
    top_bar="信用修复", table="penalty_records", number="case_number", unit="条",
    newest="岳龙综执罚〔2026〕21号",           # decided 2026-10-26
    oldest="岳龙综执罚〔2017〕9号",            # decided 2017-11-13
    headers=("处罚决定书文号", "当事人", "统一社会信用代码", "处罚机关", "失信程度", "处罚决定日期", "公示日期"),
    shown=("共 31 条", "特定严重失信", "未履行", "已申请，待办结"),
    not_shown=(),
    english=("Penalty register", "Credit repair", "Penalties 1–31 of 31", "Specified severe"),
    unreadable="category=awful&decided_from=2026-02-30&sort=colour&page=x",
    named=("未知的失信类别：awful", "处罚决定日期（起）不是有效日期：2026-02-30", "未知的排序：colour", "页码应为正整数"))


@pytest.fixture(params=[DOCUMENTS, PENALTIES], ids=["documents", "credit"])
def demo_list(request, uow, make_user) -> RegisterList:
    """The demo register of a list, imported by a keeper of the register."""
    register: RegisterList = request.param
    make_user("keeper", [register.keeper_role])
    with uow() as u:
        register.load(u, register.demo_csv, "keeper")
        u.commit()
    return register


def test_every_role_reads_the_register_newest_first_and_finds_it_in_the_top_bar(client, login_as, demo_list):
    html = register_pages.read_by_every_role(client, login_as, demo_list.path, demo_list.top_bar)
    numbers = listed(html)
    assert len(numbers) == DEMO_COUNT                          # one page of 50
    assert (numbers[0], numbers[-1]) == (demo_list.newest, demo_list.oldest)
    for text in demo_list.headers + demo_list.shown:
        assert text in html, text
    for text in demo_list.not_shown:
        assert text not in html, text


def test_the_list_in_english(client, login_as, demo_list):
    login_as("auditor")
    html = client.get(f"{demo_list.path}?lang=en").get_data(as_text=True)
    for text in demo_list.english:
        assert text in html, text


def test_a_filter_that_cannot_be_read_is_named_and_ignored(client, login_as, demo_list):
    login_as("official")
    html = client.get(f"{demo_list.path}?{demo_list.unreadable}").get_data(as_text=True)
    for text in demo_list.named:
        assert text in html, text
    assert len(listed(html)) == DEMO_COUNT


def test_sorting_by_number_and_back(client, login_as, demo_list):
    login_as("official")
    by_number = listed(client.get(f"{demo_list.path}?sort={demo_list.number}").get_data(as_text=True))
    assert by_number == sorted(by_number)
    assert listed(client.get(f"{demo_list.path}?sort=-{demo_list.number}").get_data(as_text=True)) == by_number[::-1]


def test_pages_are_cut_in_sql_and_link_to_each_other(client, login_as, demo_list, sql_seen):
    """The demo register in pages of 25: each read with LIMIT, linked to the next and back, the last
    shown for a page past the end."""
    path, unit = demo_list.path, demo_list.unit
    login_as("official")
    first, statements = sql_seen(lambda: client.get(f"{path}?per_page=25").get_data(as_text=True))
    rows = [s for s in statements
            if f"FROM {demo_list.table}" in s and "count(" not in s.lower() and "DISTINCT" not in s.upper()]
    assert rows and all("LIMIT" in s.upper() for s in rows), rows          # never every row
    assert len(listed(first)) == 25 and f"第 1–25 {unit}，共 31 {unit}" in first
    assert f'href="{path}?page=2&amp;per_page=25"' in first and 'rel="next"' in first
    second = client.get(f"{path}?per_page=25&page=2").get_data(as_text=True)
    assert len(listed(second)) == 6 and f"第 26–31 {unit}，共 31 {unit}" in second and 'rel="prev"' in second
    assert set(listed(first)).isdisjoint(listed(second))
    beyond = client.get(f"{path}?per_page=25&page=99").get_data(as_text=True)
    assert listed(beyond) == listed(second)                                 # past the end: the last page


@pytest.mark.parametrize("path", ["/documents", "/credit", "/catalogue"])
def test_each_export_button_downloads_the_format_it_names(client, login_as, path):
    """导出 CSV gives the CSV and 导出 .xlsx the workbook (the CSV button once linked to the .xlsx)."""
    import re
    login_as("official")
    buttons = re.findall(r'<a class="button" href="([^"]+)" download>([^<]+)</a>', client.get(path).get_data(as_text=True))
    assert buttons
    for href, label in buttons:
        assert href.split("?")[0].endswith(".csv" if "CSV" in label else ".xlsx"), (href, label)
        answer = client.get(href.replace("&amp;", "&"))
        assert answer.status_code == 200 and answer.mimetype == (
            "text/csv" if "CSV" in label else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        answer.close()
