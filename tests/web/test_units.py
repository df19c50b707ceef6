"""Units × roles × routes: what one township's people may see and change of another's (engine/units).

The demo is 宁河区 (`root`) with its 司法局 (`ninghe-sfj`, a department whose reviewer holds the
review over the whole district), 岳龙镇 (`yuelong`, the demo's records) and 丰台镇 (`fengtai`, one
case). For a record of 丰台镇, each demo user stands in one relation to it, and the answer is written
here (not read from the code under test):

    own unit      fengtai             sees and records
    sibling       official (yuelong)  404 on reads and writes: the record is not shown to exist
    parent, over its subtree          auditor (reads), district-reviewer (reads, reviews)
    parent, that unit alone           a 宁河区 official without subtree: 404
    child         for a 宁河区 record: the 岳龙镇 official, 404
"""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from engine.decisions.record import load_case
from engine.decisions.use_cases import create_case
from tests.days import TODAY
from tests.web.conftest import read_csrf_token
from web.db import get_engine
from web.demo import DEMO_USERS

PASSWORDS = {u.username: u.password for u in DEMO_USERS}
FENGTAI_CASE, YUELONG_CASE, DISTRICT_CASE = "FT-DEMO-01", "YL-DEMO-01", "NH-UNIT-01"
YUELONG_PENALTY = "岳龙综执罚〔2024〕12号"
YUELONG_DOCUMENT = "宁河政规〔2020〕1号"

# (user, case) → the status of GET /cases/<case>, written down
CASE_PAGE = {
    ("fengtai", FENGTAI_CASE): 200, ("fengtai", YUELONG_CASE): 404, ("fengtai", DISTRICT_CASE): 404,
    ("official", FENGTAI_CASE): 404, ("official", YUELONG_CASE): 200, ("official", DISTRICT_CASE): 404,
    ("district-reviewer", FENGTAI_CASE): 200, ("district-reviewer", YUELONG_CASE): 200,
    ("district-reviewer", DISTRICT_CASE): 200,
    ("auditor", FENGTAI_CASE): 200, ("auditor", YUELONG_CASE): 200, ("auditor", DISTRICT_CASE): 200,
    ("ninghe-official", FENGTAI_CASE): 404, ("ninghe-official", YUELONG_CASE): 404,
    ("ninghe-official", DISTRICT_CASE): 200,
}


@pytest.fixture
def district(app, uow):
    """The demo, and a 宁河区 official (that unit alone) with a case of the district's own."""
    from pathlib import Path

    from engine.accounts.use_cases import create_user
    from web.demo import seed_demo
    with app.app_context():
        seed_demo(get_engine(), TODAY)
    with uow() as u:
        create_user(u.session, "ninghe-official", "区发改委 刘", ["official"], "ninghe-official-pass-2026",
                    unit="root", subtree=False)
        u.commit()
    example = Path(__file__).resolve().parents[2] / "examples" / "ninghe-county-road-2025.yaml"
    case = load_case(example, TODAY).model_copy(update={"id": DISTRICT_CASE})
    with uow() as u:
        create_case(u, case, "ninghe-official", TODAY)
        u.commit()
    PASSWORDS["ninghe-official"] = "ninghe-official-pass-2026"


def exported(client, path: str) -> list[str]:
    """The lines of a downloaded register file (the response closed: it streams from a file)."""
    with client.get(path) as answer:
        assert answer.status_code == 200
        return answer.get_data(as_text=True).strip().splitlines()


def sign_in(client, username: str) -> None:
    if client.get("/login").status_code == 302:
        html = client.get("/").get_data(as_text=True)
        client.post("/logout", data={"csrf_token": read_csrf_token(html)})
    token = read_csrf_token(client.get("/login").get_data(as_text=True))
    answer = client.post("/login", data={"username": username, "password": PASSWORDS[username], "csrf_token": token})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]


def submit(client, page: str, url: str, fields: dict):
    """Post `fields` to `url` with the CSRF token of `page`, the form they were typed into."""
    return client.post(url, data={"csrf_token": read_csrf_token(page), **fields})


@pytest.mark.parametrize("user", sorted({u for u, _ in CASE_PAGE}))
def test_each_user_sees_the_cases_of_the_units_their_roles_cover_and_no_other(client, district, user):
    sign_in(client, user)
    listed = client.get("/cases").get_data(as_text=True)
    for (who, case), status in CASE_PAGE.items():
        if who != user:
            continue
        assert client.get(f"/cases/{case}").status_code == status, (user, case)
        audit = client.get(f"/audit/cases/{case}").status_code      # 403 for a role that never audits
        assert audit in ((403, 404) if status == 404 else (200, 403)), (user, case)
        assert (f"/cases/{case}\"" in listed) == (status == 200), (user, case, "in the list")


def test_an_official_of_another_township_can_neither_record_nor_advance_nor_export_its_case(client, district):
    sign_in(client, "official")
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").get_data(as_text=True)).group(1)
    form = {"csrf_token": token, "proposed_on": "2026-01-05"}
    assert client.post(f"/cases/{FENGTAI_CASE}/stages/initiation", data=form).status_code == 404
    assert client.post(f"/cases/{FENGTAI_CASE}/advance", data={"csrf_token": token, "stage": "public_participation",
                                                                 "on": "2026-01-06"}).status_code == 404
    assert client.get(f"/audit/cases/{FENGTAI_CASE}/export.json").status_code in (403, 404)
    assert client.get(f"/cases/{FENGTAI_CASE}/graph.svg").status_code == 404


def test_the_api_answers_for_the_tokens_units_only(client, district, uow):
    from engine.accounts.use_cases import issue_token
    with uow() as u:
        official = issue_token(u.session, "official", "units test")
        district_reviewer = issue_token(u.session, "district-reviewer", "units test")
        u.commit()

    def ids(token: str) -> set[str]:
        answer = client.get("/api/cases", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200
        return {c["id"] for c in answer.get_json()["cases"]}

    assert FENGTAI_CASE not in ids(official) and YUELONG_CASE in ids(official)
    assert {FENGTAI_CASE, YUELONG_CASE, DISTRICT_CASE} <= ids(district_reviewer)
    assert client.get(f"/api/cases/{FENGTAI_CASE}",
                      headers={"Authorization": f"Bearer {official}"}).status_code == 404
    assert client.get(f"/api/cases/{FENGTAI_CASE}",
                      headers={"Authorization": f"Bearer {district_reviewer}"}).status_code == 200


def test_the_registers_show_only_the_units_records(client, district):
    sign_in(client, "fengtai")
    assert client.get(f"/credit/{quote(YUELONG_PENALTY)}").status_code == 404
    penalties = client.get("/credit").get_data(as_text=True)
    assert YUELONG_PENALTY not in penalties
    assert len(exported(client, "/credit/export.csv")) == 1          # the header: 丰台镇 has no penalty yet
    sign_in(client, "official")
    assert client.get(f"/credit/{quote(YUELONG_PENALTY)}").status_code == 200
    assert len(exported(client, "/credit/export.csv")) == 32          # the header and 岳龙镇's 31 (demo_penalties.csv)
    sign_in(client, "auditor")
    assert client.get(f"/documents/{quote(YUELONG_DOCUMENT)}").status_code == 200


def test_the_home_page_and_reminders_of_one_township_leave_out_the_other(client, district):
    sign_in(client, "fengtai")
    home = client.get("/").get_data(as_text=True)
    assert FENGTAI_CASE in home and "YL-DEMO" not in home
    sign_in(client, "official")
    home = client.get("/").get_data(as_text=True)
    assert FENGTAI_CASE not in home and "YL-DEMO-01" in home


def test_a_use_case_refuses_a_role_that_does_not_reach_the_records_unit(app, district, uow):
    from engine.core.errors import PermissionDeniedError
    from engine.decisions.use_cases import record_evidence
    with uow() as u, pytest.raises(PermissionDeniedError, match="所属单位"):
        record_evidence(u, FENGTAI_CASE, "initiation", {"proposed_on": "2026-01-05"}, "official", as_of=TODAY)


def test_an_import_cannot_change_another_units_record(app, district, uow, tmp_path):
    from engine.core.errors import InputError
    from engine.credit.queries import penalty_by_number
    from engine.credit.use_cases import COLUMNS, from_record, import_penalties
    from engine.registers.csvio import write_register
    with uow() as u:
        row = from_record(penalty_by_number(u.session, YUELONG_PENALTY)).to_row()
    path = tmp_path / "fengtai.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        write_register([dict(row, party="丰台某公司")], COLUMNS, out)
    with uow() as u, pytest.raises(InputError, match="已登记在其他单位"):
        import_penalties(u, path, "fengtai")
    with uow() as u:
        assert penalty_by_number(u.session, YUELONG_PENALTY).party == row["party"]


def test_the_admin_gives_a_user_roles_in_a_unit_and_the_pages_say_where(client, district, uow):
    from engine.accounts.queries import role_rows
    sign_in(client, "admin")
    page = client.get("/admin/users").get_data(as_text=True)
    assert "宁河区丰台镇人民政府" in page and "天津市宁河区人民政府（含下级）" in page
    answer = submit(client, page, "/admin/users", {"username": "wang", "display_name": "王", "roles": ["official"],
                                                   "unit": "fengtai", "password": "丰台镇王某的密码-2026"})
    assert answer.status_code == 302
    with uow() as u:
        assert [(r.unit_code, r.role, r.subtree) for r in role_rows(u.session, "wang")] == [("fengtai", "official", False)]
    page = client.get("/admin/users/wang").get_data(as_text=True)
    assert "宁河区丰台镇人民政府：" in page
    answer = submit(client, page, "/admin/users/wang/roles", {"unit": "root", "subtree": "yes", "roles": ["auditor"]})
    assert answer.status_code == 302
    with uow() as u:
        assert sorted((r.unit_code, r.role, r.subtree) for r in role_rows(u.session, "wang")) == [
            ("fengtai", "official", False), ("root", "auditor", True)]


def test_a_new_case_belongs_to_the_unit_chosen_among_the_users_own_and_takes_its_rulebook(client, district, uow):
    from engine.decisions.queries import find_case
    sign_in(client, "fengtai")
    form = client.get("/cases/new").get_data(as_text=True)
    assert re.search(r'<option value="fengtai" selected>', form)
    assert 'value="yuelong"' not in form                       # not a unit of theirs
    assert re.search(r'<option value="CN-12/ninghe"[^>]*selected', form)     # 丰台镇's rulebook
    fields = {"csrf_token": read_csrf_token(form), "id": "FT-NEW-01", "title": "丰台镇文化广场", "jurisdiction": "CN-12/ninghe",
              "decision_body.name": "天津市宁河区丰台镇人民政府", "decision_body.level": "township",
              "category": "public_construction"}
    refused = client.post("/cases/new", data=dict(fields, unit="yuelong"))
    assert refused.status_code == 400 and "请选择本人可为其提出决策的单位" in refused.get_data(as_text=True)
    answer = client.post("/cases/new", data=dict(fields, unit="fengtai"))
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
    with uow() as u:
        assert find_case(u.session, "FT-NEW-01").unit_code == "fengtai"


def test_the_admin_adds_a_unit_on_its_page_and_a_bad_one_is_refused_with_what_was_typed(client, district, uow):
    from engine.units.queries import unit_by_code
    sign_in(client, "admin")
    page = client.get("/admin/units").get_data(as_text=True)
    assert "宁河区司法局" in page and "部门" in page
    township = {"level": "township", "jurisdiction": "CN-12/ninghe", "parent": "root"}
    refused = submit(client, page, "/admin/units", {**township, "code": "Bad Code", "name": "芦台街道"})
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "单位代码" in text and 'value="芦台街道"' in text
    answer = submit(client, page, "/admin/units", {**township, "code": "lutai", "name": "芦台街道办事处"})
    assert answer.status_code == 302
    with uow() as u:
        unit = unit_by_code(u.session, "lutai")
        assert (unit.name, unit.parent_code, unit.path) == ("芦台街道办事处", "root", "/root/lutai/")


def test_the_daily_digest_of_each_user_reads_the_register_of_their_units_once_per_scope(app, district, uow,
                                                                                         monkeypatch):
    import engine.reminders.queries as reminder_queries
    from engine.reminders.todo import todos_for
    reads: list[int] = []
    read = reminder_queries.read_register
    monkeypatch.setattr(reminder_queries, "read_register", lambda *a, **k: reads.append(1) or read(*a, **k))
    with uow(read_only=True) as u:
        register_of = reminder_queries.registers_by_scope(u.session, TODAY)
        fengtai = register_of("fengtai")
        official = todos_for(register_of("official"), "official", {"official"})
        register_of("secretary")                                  # 岳龙镇 again: read already
        district_wide = register_of("auditor")
    assert {c.id for c in fengtai.cases} == {FENGTAI_CASE}
    assert official and not any(t.ref == FENGTAI_CASE for t in official)
    assert {c.id for c in district_wide.cases} >= {FENGTAI_CASE, YUELONG_CASE}
    assert len(reads) == 3                                        # 丰台镇, 岳龙镇, the district
