"""The penalty register and credit-repair pages (web/credit.py): list, record timeline, follow-ups, exports, import."""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import url_for
from sqlalchemy import func, select

from engine.credit.models import PenaltyRecordRow
from engine.credit.queries import iter_penalties
from engine.credit.scan import CreditScanner, CreditSummary, write_follow_ups_csv, write_json
from engine.credit.use_cases import import_penalties
from engine.store.models import TrailEvent
from tests.days import TODAY
from tests.web import register_pages
from tests.web.register_pages import DEMO_COUNT, listed
from web import credit_followups
from web.db import get_engine

ROOT = Path(__file__).resolve().parents[2]
DEMO_CSV = ROOT / "web" / "demo_penalties.csv"
FIXTURE_CSV = ROOT / "tests" / "registers" / "fixtures" / "penalties.csv"
FIXTURE_COUNT = 20
AS_OF = TODAY                        # the day the tests take as today (YIFA_TODAY, tests/conftest.py)
TOWNSHIP = "岳龙镇人民政府"
EXAMPLE = "宁河综执罚〔2021〕12号"       # CASE_FORMAT §6's example record (the fixture's first row)


@pytest.fixture(autouse=True)
def fresh_follow_ups():
    credit_followups.clear()
    yield
    credit_followups.clear()


def load(uow, make_user, *paths: Path) -> None:
    make_user("keeper", ["official"])
    with uow() as u:
        for path in paths:
            import_penalties(u, path, "keeper")
        u.commit()


@pytest.fixture
def register(uow, make_user) -> None:
    """The demo register (31 penalties), imported by a keeper of the register."""
    load(uow, make_user, DEMO_CSV)


@pytest.fixture
def both_registers(uow, make_user) -> None:
    """The demo register and the registers tests' fixture (20 more penalties, CASE_FORMAT §6's example first)."""
    load(uow, make_user, DEMO_CSV, FIXTURE_CSV)


def numbers_in(path: Path) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as stream:
        return [row["case_number"] for row in csv.DictReader(stream)]


def rows_of(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


def record_url(app, number: str, **args) -> str:
    with app.test_request_context():
        return url_for("credit.show", case_number=number, **args)


def count(uow) -> int:
    with uow(read_only=True) as u:
        return u.session.scalar(select(func.count()).select_from(PenaltyRecordRow))


def engine_follow_ups(uow, as_of: date, authority: str | None = None, fmt: str = "csv") -> tuple[str, CreditSummary]:
    """What the engine writes for the stored register (the CLI's `yifa credit scan` path)."""
    out = io.StringIO(newline="")
    with uow(read_only=True) as u:
        scanner = CreditScanner(as_of, "CN", authority=authority)
        scans = scanner.scan(iter_penalties(u.session))
        summary = write_follow_ups_csv(scans, out) if fmt == "csv" else write_json(scanner, scans, out)
    return out.getvalue(), summary


# ---------------------------------------------------------------- the list
@pytest.mark.parametrize(("query", "expected"), [
    ({"authority": "宁河区应急管理局"}, {"宁河应急罚〔2021〕4号", "宁河应急罚〔2026〕2号"}),
    ({"category": "specified_severe"}, {"津宁市监罚〔2019〕31号", "津宁市监罚〔2024〕15号"}),
    ({"decided_from": "2026-06-01", "decided_to": "2026-09-30"},
     {"宁河城管罚〔2026〕6号", "岳龙综执罚〔2026〕14号", "岳龙综执罚〔2026〕18号"}),
    ({"q": "〔2018〕"}, {"岳龙综执罚〔2018〕5号", "岳龙综执罚〔2018〕11号", "津宁市监罚〔2018〕23号"}),
    ({"q": "养殖"}, {"岳龙综执罚〔2018〕11号", "岳龙综执罚〔2023〕2号"}),              # the party's name
    ({"q": "93120117"}, {"岳龙综执罚〔2023〕2号", "岳龙综执罚〔2026〕21号"}),          # a cooperative's credit code
    ({"q": "〔2026〕", "authority": TOWNSHIP, "category": "general"},
     {"岳龙综执罚〔2026〕3号", "岳龙综执罚〔2026〕9号", "岳龙综执罚〔2026〕18号", "岳龙综执罚〔2026〕21号"}),
    ({"q": "%"}, set()),                                       # a LIKE wildcard is a character like any other
])
def test_filters_combine(client, login_as, register, query, expected):
    login_as("official")
    assert register_pages.listed_by(client, "/credit", query) == expected


def test_sorting_by_decision_day_and_by_authority(client, login_as, register):
    login_as("official")
    oldest = listed(client.get("/credit?sort=decided_on").get_data(as_text=True))
    assert oldest[0] == "岳龙综执罚〔2017〕9号"
    rows = {r["case_number"]: r["authority"] for r in rows_of(DEMO_CSV)}
    by_authority = [rows[n] for n in listed(client.get("/credit?sort=authority").get_data(as_text=True))]
    assert by_authority == sorted(by_authority)


def engine_of(app):
    with app.app_context():
        return get_engine()


# ---------------------------------------------------------------- one penalty
def test_the_example_record_as_of_case_format_6(app, client, login_as, both_registers):
    login_as("secretary")
    url = record_url(app, EXAMPLE, as_of="2022-01-10")
    assert url.startswith("/credit/" + quote(EXAMPLE)) and "%E3%80%94" in url      # 〔 percent-encoded
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "527-2019" in html and "发改办财金〔2019〕527号" in html and "信用修复机制的通知" in html
    assert '<dd class="eligible" data-eligible="false">' in html
    assert re.findall(r'data-missing="(\w+)"', html) == ["commitment"] and "未作出信用承诺" in html
    assert "2021-08-10" in html and "2022-05-10" in html and "可修复" in html
    follow_ups = re.findall(r'<li class="follow-up[^"]*" data-action="(\w+)" data-rule="([\w-]+)"', html)
    assert follow_ups == [("notify_party", "CRED-AUTH-04")]
    # CASE_FORMAT §6 v2: two regimes per record; here both are 527号 and the page says so
    assert "告知可申请修复" in html and "公示期限与信用修复适用同一制度" in html
    assert "penalty.imported" in html and "keeper" in html and f"penalty:{EXAMPLE}" in html   # its trail
    assert f'href="{record_url(app, EXAMPLE)}"' in client.get("/credit", query_string={"q": "〔2021〕12"}).get_data(as_text=True)


def test_the_timeline_is_in_date_order_with_future_dates_marked(app, client, login_as, both_registers):
    login_as("official")
    html = client.get(record_url(app, EXAMPLE, as_of="2022-01-10")).get_data(as_text=True)
    days = re.findall(r'<li class="event entry-(\w+)[^"]*">\s*<div class="event-head">\s*<time datetime="([\d-]+)"', html)
    assert [d for _, d in days] == sorted(d for _, d in days)
    assert [(kind, d) for kind, d in days][:5] == [("record", "2021-05-10"), ("record", "2021-05-14"),
                                                   ("record", "2021-05-28"), ("period", "2021-08-10"),
                                                   ("period", "2022-05-10")]
    assert days[-1][0] == "trail"                                 # imported today, after the as-of day
    future = re.findall(r'<li class="event entry-(\w+) is-future">', html)
    assert future == ["period", "trail"]                          # the maximum period's end, and the import
    today = client.get(record_url(app, EXAMPLE, as_of=AS_OF.isoformat())).get_data(as_text=True)
    assert re.search(r'entry-due is-overdue">\s*<div class="event-head">\s*<time datetime="2022-05-10"', today)


def test_a_record_under_two_regimes_says_which_governed_what(app, client, login_as, register):
    # CASE_FORMAT §6 v2: the periods follow the regime on the decision date, repair the one on the
    # application date (before one: the viewing date) — so the page names both, unverified
    login_as("legal_advisor")
    number = "岳龙综执罚〔2023〕2号"         # decided under 527号 (2023-03-15), applied under Order 58 (2023-06-20)
    html = client.get(record_url(app, number, as_of=AS_OF.isoformat())).get_data(as_text=True)
    assert "两个制度" in html and "失信行为纠正后的信用信息修复管理办法" in html and "order58-2023" in html
    assert "未核实" in html and "准予修复" in html
    # not yet applied on 2023-06-01: repair follows the regime in force that day, Order 58 too
    before = client.get(record_url(app, number, as_of="2023-06-01")).get_data(as_text=True)
    assert "两个制度" in before and "晚于查看日期" in before
    same = client.get(record_url(app, number, as_of="2023-04-01")).get_data(as_text=True)
    assert "两个制度" not in same and "公示期限与信用修复适用同一制度" in same


def test_the_findings_are_grouped_by_topic_with_their_articles(app, client, login_as, register):
    login_as("official")
    html = client.get(record_url(app, "岳龙综执罚〔2022〕4号", as_of=AS_OF.isoformat())).get_data(as_text=True)
    topics = re.findall(r'<section class="stage-findings card topic-findings" id="findings-(\w+)">', html)
    # the rule files' topics, in TOPICS order; publication now has a rule (1171号's 7 working days, not in force here)
    assert topics == ["publication", "fulfilment", "repair", "withdrawal"]
    withdrawal = html[html.index('id="findings-withdrawal"'):]
    assert "CRED-AUTH-02" in withdrawal and "《中华人民共和国行政处罚法》第四十八条第二款" in withdrawal
    assert "撤回公示信息" in html and "2022-09-16" in html          # 3 working days after the revocation


@pytest.mark.parametrize("bad", ["2022-13-01", "yesterday", "2022-1-1", "20220110"])
def test_an_unreadable_as_of_is_named_beside_its_field_on_a_page_and_refused_on_a_download(app, client, login_as,
                                                                                       register, bad):
    """A page is no dead end: it shows as of today, naming the day it could not read; a download
    (CSV, JSON) for another system is refused with 400 naming the field."""
    login_as("official")
    for url in (record_url(app, "岳龙综执罚〔2022〕4号"), "/credit/follow-ups"):
        page = client.get(url, query_string={"as_of": bad})
        html = page.get_data(as_text=True)
        assert page.status_code == 200, url
        assert "查看日期不是有效日期" in html and "已按今天显示" in html, url
        assert f'value="{TODAY.isoformat()}"' in html, url
    for url in ("/credit/follow-ups.csv", "/credit/scan.json"):
        page = client.get(url, query_string={"as_of": bad})
        assert page.status_code == 400, url
        assert "as_of" in page.get_data(as_text=True) and "查看日期" in page.get_data(as_text=True)


def test_an_unknown_number_is_a_404_page(app, client, login_as, register):
    login_as("official")
    page = client.get(record_url(app, "岳龙综执罚〔1999〕1号"))
    assert page.status_code == 404 and "岳龙综执罚〔1999〕1号" in page.get_data(as_text=True)


def test_a_record_in_english(app, client, login_as, register):
    login_as("auditor")
    html = client.get(record_url(app, "岳龙综执罚〔2024〕12号", as_of=AS_OF.isoformat(), lang="en")).get_data(as_text=True)
    assert "Governing regime" in html and "Decide the application" in html and "Overdue" in html
    assert "The repair application of 2025-02-10" in html


# ---------------------------------------------------------------- the follow-ups
def totals(html: str) -> tuple[int, int, int]:
    found = re.search(r'<strong class="records">(\d+)</strong>.*?<strong class="follow-ups">(\d+)</strong>'
                      r'.*?<strong class="overdue">(\d+)</strong>', html, re.S)
    assert found, "no totals in the page"
    return int(found.group(1)), int(found.group(2)), int(found.group(3))


@pytest.mark.parametrize("authority", [None, TOWNSHIP, "宁河区市场监督管理局"])
@pytest.mark.parametrize("as_of", [AS_OF, date(2022, 1, 10), date(2024, 3, 1)])
def test_the_follow_up_counts_are_the_engines(client, login_as, uow, both_registers, authority, as_of):
    login_as("official")
    html = client.get("/credit/follow-ups", query_string={"as_of": as_of.isoformat(), "authority": authority or ""})
    assert html.status_code == 200
    _, summary = engine_follow_ups(uow, as_of, authority)
    assert totals(html.get_data(as_text=True)) == (summary.records, summary.follow_ups, summary.overdue)


def test_the_follow_ups_are_grouped_by_authority_overdue_first(client, login_as, register):
    login_as("official")
    html = client.get("/credit/follow-ups", query_string={"as_of": AS_OF.isoformat()}).get_data(as_text=True)
    groups = re.findall(r'<th scope="rowgroup" colspan="7" id="group-\d+">\s*([^<\s]+)', html)
    assert groups == sorted(groups) and TOWNSHIP in groups
    township = html[html.index(f">\n        {TOWNSHIP}"):]
    township = township[:township.index("</tbody>")]
    states = re.findall(r'<tr class="follow-up( is-overdue)?">', township)
    assert states == sorted(states, key=lambda s: not s)          # every overdue item before the others
    # v2: follow-ups still due are listed too (CASE_FORMAT §6), after the overdue ones
    # 岳龙综执罚〔2024〕12号 (general, 2024-10-21) may be shown 3 years under Order 58 (Shenzhen guidance
    # item 1; the former 1-year maximum had no source), so its take-down is no longer due
    assert states.count(" is-overdue") == 5 and len(states) == 11
    assert "岳龙综执罚〔2018〕11号" in township and "撤下公示信息" in township and "2021-09-03" in township
    assert f'href="{quote("/credit/岳龙综执罚〔2024〕12号", safe="/")}?as_of' not in township   # as of today: plain links


def test_the_follow_ups_are_cut_into_pages_after_grouping(client, login_as, uow, both_registers):
    login_as("official")
    _, summary = engine_follow_ups(uow, AS_OF)
    assert summary.follow_ups > 25
    seen: list[str] = []
    for n in (1, 2):
        html = client.get("/credit/follow-ups", query_string={"as_of": AS_OF.isoformat(), "per_page": 25, "page": n})
        text = html.get_data(as_text=True)
        seen += re.findall(r'<tr class="follow-up[^"]*">\s*<td class="state">.*?<td class="number"><a href="[^"]+">([^<]+)</a>'
                           r'</td>\s*<td class="party">[^<]*</td>\s*<td class="action">([^<]+)</td>', text, re.S)
        groups = re.findall(r'id="group-\d+">\s*([^<\s]+)', text)
        if n == 1:          # 宁河区 authorities first (20 follow-ups), then the township's first 5
            assert groups[-1] == TOWNSHIP and len(groups) == 5 and "续上页" not in text
        else:               # the township's other 13, its group marked as continued
            assert groups == [TOWNSHIP] and "（续上页）" in text and 'rel="prev"' in text
    assert len(seen) == summary.follow_ups and len(set(seen)) == len(seen)


def test_an_action_filter_keeps_that_action_only(client, login_as, uow, register):
    login_as("official")
    html = client.get("/credit/follow-ups", query_string={"as_of": AS_OF.isoformat(), "action": "take_down"})
    text = html.get_data(as_text=True)
    actions = re.findall(r'<td class="action">([^<]+)</td>', text)
    assert actions and set(actions) == {"撤下公示信息"}
    bad = client.get("/credit/follow-ups", query_string={"action": "shoot"})
    assert bad.status_code == 400 and "action" in bad.get_data(as_text=True)


def test_the_follow_up_list_is_kept_until_the_register_changes(client, login_as, uow, register, tmp_path, monkeypatch):
    login_as("official")
    scans = []
    real = credit_followups._scan
    monkeypatch.setattr(credit_followups, "_scan", lambda *a: scans.append(1) or real(*a))
    url = f"/credit/follow-ups?as_of={AS_OF.isoformat()}&authority={quote(TOWNSHIP)}"
    first = totals(client.get(url).get_data(as_text=True))
    client.get(url + "&action=take_down")
    assert totals(client.get(url).get_data(as_text=True)) == first and len(scans) == 1
    rows = rows_of(DEMO_CSV)
    for row in rows:
        if row["case_number"] == "岳龙综执罚〔2026〕18号":      # the party performs the penalty
            row["fulfilled_on"] = "2026-10-30"
    changed = tmp_path / "changed.csv"
    with open(changed, "w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with uow() as u:
        assert import_penalties(u, changed, "keeper").updated == ["岳龙综执罚〔2026〕18号"]
        u.commit()
    after = totals(client.get(url).get_data(as_text=True))
    assert len(scans) == 2 and after == (first[0], first[1] - 1, first[2])


def test_the_follow_up_csv_is_the_engines(client, login_as, uow, both_registers):
    login_as("auditor")
    for authority in (None, TOWNSHIP):
        response = client.get("/credit/follow-ups.csv", query_string={"as_of": AS_OF.isoformat(), "authority": authority or ""})
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert "attachment" in response.headers["Content-Disposition"]
        expected, _ = engine_follow_ups(uow, AS_OF, authority)
        assert response.get_data() == expected.encode("utf-8")
        response.close()
    only = client.get("/credit/follow-ups.csv", query_string={"as_of": AS_OF.isoformat(), "action": "notify_party"})
    body = only.get_data(as_text=True)
    only.close()
    expected_rows = [r for r in csv.DictReader(io.StringIO(engine_follow_ups(uow, AS_OF)[0])) if r["action"] == "notify_party"]
    assert list(csv.DictReader(io.StringIO(body))) == expected_rows and expected_rows


def test_the_scan_json_is_exactly_case_format_6(client, login_as, uow, both_registers):
    login_as("legal_advisor")
    response = client.get("/credit/scan.json", query_string={"as_of": "2022-01-10"})
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_data(as_text=True)
    response.close()
    expected, _ = engine_follow_ups(uow, date(2022, 1, 10), fmt="json")
    assert body == expected
    data = json.loads(body)
    assert list(data) == ["as_of", "records", "follow_ups"] and data["as_of"] == "2022-01-10"
    example = next(r for r in data["records"] if r["case_number"] == EXAMPLE)
    assert {k: example[k] for k in ("regime", "category", "min_period_ends_on", "max_period_ends_on", "eligible",
                                    "missing", "repairable")} == {
        "regime": "527-2019", "category": "general", "min_period_ends_on": "2021-08-10",
        "max_period_ends_on": "2022-05-10", "eligible": False, "missing": ["commitment"], "repairable": True}
    assert list(example) == ["case_number", "regime", "category", "min_period_ends_on", "max_period_ends_on",
                             "eligible", "missing", "repairable", "findings"]
    follow_up = next(f for f in data["follow_ups"] if f["case_number"] == EXAMPLE)
    assert list(follow_up) == ["case_number", "authority", "action", "rule", "due_on", "overdue", "message"]
    assert (follow_up["action"], follow_up["rule"], follow_up["due_on"]) == ("notify_party", "CRED-AUTH-04", None)
    township = client.get("/credit/scan.json", query_string={"as_of": "2022-01-10", "authority": TOWNSHIP})
    records = json.loads(township.get_data(as_text=True))["records"]
    township.close()
    assert records and {r["case_number"] for r in records} <= set(numbers_in(FIXTURE_CSV)) | set(numbers_in(DEMO_CSV))
    assert len(records) == engine_follow_ups(uow, date(2022, 1, 10), TOWNSHIP, fmt="json")[1].records


# ---------------------------------------------------------------- the import
def upload(post_form, raw: bytes, name: str = "处罚登记表.csv", **fields):
    return post_form("/credit/import", {"file": (io.BytesIO(raw), name), **fields}, content_type="multipart/form-data")


def bad_register() -> bytes:
    """The fixture with three bad rows: a wrong check character (row 3), an unknown category and an
    impossible date (row 6), a repair result without its date (row 10)."""
    text = FIXTURE_CSV.read_text(encoding="utf-8-sig")
    for good, bad in (("91120117MA05FQ813M", "91120117MA05FQ813N"),
                      ("2021-03-18,general,", "2021-02-30,serious,"),
                      ("2022-12-08,2022-12-16,granted", "2022-12-08,,granted")):
        assert text.count(good) == 1, good
        text = text.replace(good, bad)
    return text.encode("utf-8")


def test_a_register_with_bad_rows_is_refused_whole_with_every_row_shown(client, login_as, post_form, uow):
    login_as("official")
    response = upload(post_form, bad_register(), "三行错误.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "未导入任何处罚记录" in html and "三行错误.csv" in html
    cells = re.findall(r'<td class="row">(\d+)</td>\s*<td>([^<]*)<code class="en">(\w+)</code>', html)
    assert [(row, column) for row, _, column in cells] == [
        ("3", "credit_code"), ("6", "decided_on"), ("6", "category"), ("10", "repair_result")]
    assert "serious" in html and "2021-02-30" in html and "统一社会信用代码" in html
    assert "/tmp" not in html and "upload.csv" not in html
    assert count(uow) == 0
    with uow(read_only=True) as u:
        assert not u.session.scalar(select(func.count()).select_from(TrailEvent).where(TrailEvent.case_id.like("penalty:%")))


def test_skip_invalid_imports_the_good_rows_and_offers_the_bad_ones(client, login_as, post_form, uow):
    login_as("legality_reviewer")
    response = upload(post_form, bad_register(), skip_invalid="yes")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(rf'新增 <strong class="imported">{FIXTURE_COUNT - 3}</strong>', html)
    assert re.search(r'拒绝（行） <strong class="rejected">3</strong>', html)
    assert count(uow) == FIXTURE_COUNT - 3
    link = re.search(r'href="(/credit/import/rejected/[^"]+)"', html).group(1)
    download = client.get(link)
    assert download.status_code == 200 and download.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    download.close()
    assert [r["case_number"] for r in rows] == ["宁河综执罚〔2021〕15号", "津宁环罚〔2021〕8号", "津宁市监罚〔2022〕35号"]
    assert "credit_code" in rows[0]["reason"] and "category" in rows[1]["reason"]
    login_as("admin")                                               # another session may not fetch it
    assert client.get(link).status_code == 404


def test_skipped_rows_are_kept_a_day_in_the_blob_store_for_any_server(client, login_as, post_form, app, monkeypatch):
    """The skipped rows are an object of the blob store (where every app server finds them), not a
    file of this server's instance folder; a day later the link says they expired, and the next
    import tidies them away."""
    from engine.store.blobs import blob_store
    from web import register_imports
    store = blob_store()
    monkeypatch.setattr(register_imports, "_seconds_now", lambda: 1_900_000_000.0)
    login_as("legality_reviewer")
    html = upload(post_form, bad_register(), skip_invalid="yes").get_data(as_text=True)
    link = re.search(r'href="(/credit/import/rejected/([^"]+))"', html)
    kept = store.keys("imports/rejected/penalty-imports")
    assert kept == [f"imports/rejected/penalty-imports/{link.group(2)}.csv"]
    assert not (Path(app.config["INSTANCE_PATH"]) / "penalty-imports").exists()
    store.put(kept[0], store.get(kept[0]) + "ok,served from the store\r\n".encode())
    served = client.get(link.group(1))
    assert served.status_code == 200 and served.get_data().endswith("ok,served from the store\r\n".encode())
    served.close()
    monkeypatch.setattr(register_imports, "_seconds_now", lambda: 1_900_000_000.0 + 24 * 3600 + 1)
    expired = client.get(link.group(1))
    assert expired.status_code == 404 and "已过期" in expired.get_data(as_text=True)
    html = upload(post_form, bad_register(), skip_invalid="yes").get_data(as_text=True)
    again = re.search(r'href="/credit/import/rejected/([^"]+)"', html).group(1)
    assert store.keys("imports/rejected/penalty-imports") == [f"imports/rejected/penalty-imports/{again}.csv"]


def test_skipped_rows_an_older_version_kept_on_disk_are_removed_when_the_app_starts(tmp_path, monkeypatch):
    """Before the blob store, each server kept skipped rows in `<instance>/<register>-imports/`; no
    page links them now, so the app removes them as it starts and leaves everything else alone."""
    from engine.store.blobs import blob_store
    from web import create_app
    instance = tmp_path / "instance"
    monkeypatch.setenv("YIFA_INSTANCE", str(instance))
    old = [instance / folder / f"rejected-{n}.csv" for folder in ("penalty-imports", "document-imports",
                                                                  "catalogue-imports") for n in ("a1", "b2")]
    for path in old:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("case_number,reason\r\n宁河综执罚〔2021〕12号,bad\r\n", encoding="utf-8")
    other = instance / "document-imports" / "notes.txt"
    other.write_text("kept", encoding="utf-8")
    create_app({"TESTING": True, "INSTANCE_PATH": str(instance),
                "DATABASE_URL": f"sqlite:///{instance / 'yifa.sqlite3'}"})
    store = blob_store()
    store.put("imports/rejected/penalty-imports/1900000000-abcdefghijkl.csv", b"kept a day")
    assert not any(path.exists() for path in old)
    assert not (instance / "penalty-imports").exists() and other.read_text(encoding="utf-8") == "kept"
    create_app({"TESTING": True, "INSTANCE_PATH": str(instance),
                "DATABASE_URL": f"sqlite:///{instance / 'yifa.sqlite3'}"})
    assert store.keys("imports/rejected/penalty-imports") == ["imports/rejected/penalty-imports/1900000000-abcdefghijkl.csv"]


def test_blob_keys_below_a_prefix(tmp_path):
    from engine.store.blobs import BlobStore
    store = BlobStore(str(tmp_path / "store"))
    assert store.keys("imports/rejected") == []
    for key in ("imports/rejected/a/1-x.csv", "imports/rejected/b/2-y.csv", "imports/job/upload", "attachments/c/d"):
        store.put(key, b"-")
    (tmp_path / "store" / "imports" / "rejected" / "a" / ".half-written.part").write_bytes(b"-")
    assert sorted(store.keys("imports/rejected")) == ["imports/rejected/a/1-x.csv", "imports/rejected/b/2-y.csv"]
    assert store.keys("imports/rejected/a") == ["imports/rejected/a/1-x.csv"]


def test_importing_again_counts_updated_and_unchanged_and_reads_gb18030(client, login_as, post_form):
    login_as("official")
    first = upload(post_form, DEMO_CSV.read_bytes()).get_data(as_text=True)
    assert re.search(rf'新增 <strong class="imported">{DEMO_COUNT}</strong>', first)
    changed = DEMO_CSV.read_text(encoding="utf-8-sig").replace("天津市宁河区某某饲料有限公司", "天津市宁河区某某饲料科技有限公司")
    again = upload(post_form, changed.encode("gb18030"), encoding="gb18030").get_data(as_text=True)
    assert re.search(r'更新 <strong class="updated">1</strong>', again)
    assert re.search(rf'未变 <strong class="unchanged">{DEMO_COUNT - 1}</strong>', again)


def test_an_import_without_a_file_names_the_field(client, login_as, post_form):
    login_as("official")
    response = post_form("/credit/import", {"encoding": "latin-1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "<strong>文件</strong>" in html and "<strong>编码</strong>" in html


@pytest.mark.parametrize("role", ["legal_advisor", "secretary", "auditor"])
def test_only_the_keepers_of_the_register_may_import(client, login_as, uow, role):
    login_as(role)
    assert client.get("/credit/import").status_code == 403
    html = client.get("/credit").get_data(as_text=True)
    assert "导入登记表" not in html
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)
    response = client.post("/credit/import", data={"file": (io.BytesIO(DEMO_CSV.read_bytes()), "x.csv"),
                                                   "csrf_token": token}, content_type="multipart/form-data")
    assert response.status_code == 403 and count(uow) == 0


def test_an_import_without_the_csrf_token_is_refused(client, login_as, uow):
    login_as("official")
    for data in ({}, {"csrf_token": "forged"}):
        response = client.post("/credit/import", data={"file": (io.BytesIO(DEMO_CSV.read_bytes()), "x.csv"), **data},
                               content_type="multipart/form-data")
        assert response.status_code == 400 and "安全令牌" in response.get_data(as_text=True)
    assert count(uow) == 0


# ---------------------------------------------------------------- the export
def test_the_export_is_byte_for_byte_the_cli_export(app, client, login_as, register, tmp_path):
    login_as("secretary")
    register_pages.assert_export_is_the_cli_export(app, client, "/credit", "credit", "filename=penalties.csv",
                                                   b"case_number,party,", tmp_path)


# ---------------------------------------------------------------- the demo
def test_the_demo_register_is_imported_through_the_trail_once(app, uow):
    assert f"行政处罚 {DEMO_COUNT} 条 / {DEMO_COUNT} penalties" in register_pages.seeded_once(app)
    assert count(uow) == DEMO_COUNT
    register_pages.assert_every_trail_intact(uow, "penalty:")
    with uow(read_only=True) as u:
        actors = set(u.session.scalars(select(TrailEvent.actor).where(TrailEvent.case_id.like("penalty:%"))))
    assert actors == {"official"}


def test_the_demo_register_covers_every_regime_and_the_stories_it_tells(uow, register):
    with uow(read_only=True) as u:
        scanner = CreditScanner(AS_OF)
        scans = {s.record.case_number: s for s in scanner.scan(iter_penalties(u.session))}
    assert {s.to_json()["regime"] for s in scans.values()} == {"1171-2017", "527-2019", "order58-2023", "order36-2025"}
    assert {s.record.authority for s in scans.values()} >= {TOWNSHIP, "宁河区市场监督管理局"}
    actions = {(n, f.action, f.overdue) for n, s in scans.items() for f in s.follow_ups()}
    assert ("岳龙综执罚〔2018〕11号", "take_down", True) in actions          # past its maximum, still shown
    assert ("岳龙综执罚〔2022〕4号", "withdraw_publication", True) in actions  # revoked, not withdrawn
    assert ("岳龙综执罚〔2025〕15号", "notify_party", False) in actions       # eligible, not applied
    assert ("岳龙综执罚〔2021〕6号", "chase_fulfilment", False) in actions    # unfulfilled
    assert ("岳龙综执罚〔2024〕12号", "process_application", True) in actions
    assert scans["岳龙综执罚〔2026〕9号"].record.repair_decided_on is None     # applied, pending
    assert scans["津宁市监罚〔2024〕15号"].to_json()["repairable"] is False    # specified severe
