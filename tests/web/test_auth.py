"""Signing in and out: passwords, the rate limit, inactive users, safe redirects, roles, session age."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.accounts.models import User
from tests.web.conftest import PASSWORD

GENERIC = "用户名或密码错误"


def sign_in(post_form, username, password=PASSWORD, **extra):
    return post_form("/login", {"username": username, "password": password, **extra})


def test_a_user_signs_in_with_the_right_password_and_lands_on_home(client, make_user, post_form):
    make_user("zhang", ["official"], display_name="张三")
    response = sign_in(post_form, "zhang")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert "张三" in home and "承办单位经办人" in home and "我提出的决策" in home


def test_the_username_is_not_case_sensitive(make_user, post_form):
    make_user("zhang", ["official"])
    assert sign_in(post_form, " Zhang ").status_code == 302


def test_a_wrong_password_and_an_unknown_user_get_the_same_generic_answer(client, make_user, post_form):
    make_user("zhang", ["official"])
    wrong = sign_in(post_form, "zhang", "not-the-password")
    unknown = sign_in(post_form, "nobody-here", "not-the-password")
    assert wrong.status_code == unknown.status_code == 200
    assert GENERIC in wrong.get_data(as_text=True) and GENERIC in unknown.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_passwords_are_stored_as_argon2_hashes(make_user, uow):
    make_user("zhang", ["official"])
    with uow(read_only=True) as u:
        stored = u.session.scalar(select(User.password_hash).where(User.username == "zhang"))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_the_sixth_failure_in_ten_minutes_is_refused_with_429_even_with_the_right_password(
        client, make_user, post_form):
    make_user("zhang", ["official"])
    for _ in range(5):
        assert sign_in(post_form, "zhang", "wrong-password").status_code == 200
    refused = sign_in(post_form, "zhang")
    assert refused.status_code == 429
    assert "登录失败次数过多" in refused.get_data(as_text=True)
    assert 0 < int(refused.headers["Retry-After"]) <= 600
    assert client.get("/").status_code == 302  # not signed in


def test_the_rate_limit_counts_per_username_and_address(app, client, make_user, post_form):
    make_user("zhang", ["official"])
    make_user("wang", ["secretary"])
    for _ in range(5):
        sign_in(post_form, "zhang", "wrong-password")
    assert sign_in(post_form, "wang").status_code == 302           # another user from the same address
    other = app.test_client()
    token_page = other.get("/login", environ_base={"REMOTE_ADDR": "10.0.0.9"}).get_data(as_text=True)
    from tests.web.conftest import read_csrf_token
    response = other.post("/login", data={"username": "zhang", "password": PASSWORD,
                                          "csrf_token": read_csrf_token(token_page)},
                          environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert response.status_code == 302                                # the same user from another address


def test_the_window_slides_failures_older_than_ten_minutes_no_longer_count(app):
    from engine.accounts.throttle import DatabaseThrottle
    from web.db import get_engine
    now = [1000.0]
    with app.app_context():
        throttle = DatabaseThrottle(get_engine(), 5, 600, clock=lambda: now[0])
    key = ("zhang", "127.0.0.1")
    for _ in range(5):
        throttle.record_failure(key)
    assert throttle.retry_after(key) > 0
    now[0] += 601
    assert throttle.retry_after(key) == 0


def test_an_inactive_user_cannot_sign_in(make_user, post_form):
    make_user("gone", ["official"], active=False)
    response = sign_in(post_form, "gone")
    assert response.status_code == 200 and GENERIC in response.get_data(as_text=True)


def test_a_user_deactivated_while_signed_in_is_signed_out_at_the_next_request(client, login_as, uow):
    login_as("official")
    with uow() as u:
        u.session.get(User, "official").active = False
        u.commit()
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("target", ["/cases?stage=legality_review", "/audit"])
def test_next_takes_the_user_back_to_a_page_of_this_site(make_user, post_form, target):
    make_user("zhang", ["official"])
    response = sign_in(post_form, "zhang", next=target)
    assert response.headers["Location"] == target


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                    "http:/evil.example", "javascript:alert(1)", " //evil.example"])
def test_next_never_leads_to_another_site(make_user, post_form, target):
    make_user("zhang", ["official"])
    response = sign_in(post_form, "zhang", next=target)
    assert response.headers["Location"] == "/"


def test_a_page_asked_for_before_signing_in_is_remembered_in_next(client):
    response = client.get("/?lang=zh")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_signing_out_is_a_post_and_ends_the_session(client, login_as, post_form):
    login_as("official")
    assert "退出登录" in client.get("/logout").get_data(as_text=True)  # GET only asks
    assert client.get("/").status_code == 200
    response = post_form("/logout", {}, page="/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302


def _sign_in_aged(client, seconds: float) -> None:
    """Move the sign-in the form recorded `seconds` into the past (no clock read here)."""
    with client.session_transaction() as session:
        session["signed_in_at"] -= seconds


def test_a_session_ends_eight_hours_after_sign_in(client, login_as):
    login_as("official")
    _sign_in_aged(client, 8 * 3600 - 60)
    assert client.get("/").status_code == 200          # a minute short of eight hours: still signed in
    _sign_in_aged(client, 61)
    assert client.get("/").status_code == 302


def test_a_role_the_user_lacks_gets_a_chinese_403(app, client, login_as):
    from web.auth import role_required

    @app.get("/only-admins")
    @role_required("admin")
    def only_admins():
        return "secret"

    login_as("official")
    response = client.get("/only-admins")
    body = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "无权" in body and "系统管理员" in body and "Traceback" not in body
    assert only_admins.required_roles == ("admin",)


def test_an_auditor_reads_but_any_change_is_refused(app, client, login_as, post_form):
    from web.auth import EVERYONE, role_required, safe_for_readers

    @app.post("/change-something")
    @role_required(*EVERYONE)
    def change_something():
        return "changed"

    @app.post("/verify-something")
    @role_required(*EVERYONE)
    @safe_for_readers
    def verify_something():
        return "verified"

    login_as("auditor")
    assert client.get("/").status_code == 200
    refused = post_form("/change-something", {}, page="/logout")
    assert refused.status_code == 403 and "审计人员只能查阅" in refused.get_data(as_text=True)
    assert post_form("/verify-something", {}, page="/logout").status_code == 200


def test_each_role_sees_its_own_landing(client, login_as):
    headings = {"official": "我提出的决策", "legality_reviewer": "待合法性审查", "legal_advisor": "规则库与案件",
                "secretary": "待集体讨论", "auditor": "全部决策（受阻的在前）", "admin": "全部决策"}
    for role, heading in headings.items():
        login_as(role)
        page = client.get("/").get_data(as_text=True)
        assert heading in page, role
    assert "/admin/users" in page  # the admin's nav has the users link


def test_english_on_request_and_remembered_in_a_cookie(client, login_as):
    login_as("official")
    english = client.get("/?lang=en")
    assert "Decisions I proposed" in english.get_data(as_text=True)
    assert "yifa_lang=en" in english.headers.get("Set-Cookie", "")
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    assert "我提出的决策" in client.get("/?lang=zh").get_data(as_text=True)


def test_the_first_admin_gets_a_password_from_the_command_line(tmp_path, monkeypatch, capsys):
    import io

    from engine.cli import main
    monkeypatch.setenv("YIFA_INSTANCE", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["user", "add", "root", "--role", "admin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-admin-password\n"))
    assert main(["web", "passwd", "root", "--stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["web", "passwd", "root", "--stdin"]) == 2
    assert "至少10个字符" in capsys.readouterr().err


def test_a_user_issues_and_revokes_their_own_api_token_on_a_page(app, client, login_as, post_form):
    login_as("auditor", username="zz_aud")
    page = client.get("/account/tokens")
    assert page.status_code == 200 and "API" in page.get_data(as_text=True)
    issued = post_form("/account/tokens", {"label": "脚本"}, page="/account/tokens")
    assert issued.status_code == 200
    import re
    token = re.search(r'<code class="token">([^<]+)</code>', issued.get_data(as_text=True)).group(1)
    assert client.get("/api/cases", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    token_id = re.search(r"/account/tokens/(\d+)/revoke", issued.get_data(as_text=True)).group(1)
    assert post_form(f"/account/tokens/{token_id}/revoke", {}, page="/account/tokens").status_code == 302
    assert client.get("/api/cases", headers={"Authorization": f"Bearer {token}"}).status_code == 401


# ---------------------------------------------------------------- one's own password
NEW_PASSWORD = "晴川历历汉阳树，芳草萋萋鹦鹉洲"


def change(post_form, current, new=NEW_PASSWORD, repeated=None):
    return post_form("/account/password", {"current_password": current, "password": new,
                                           "repeated_password": new if repeated is None else repeated})


def test_a_user_changes_their_own_password_and_their_other_sessions_end(app, client, login_as, post_form, uow):
    login_as("official", username="zhang")
    elsewhere = app.test_client()                     # the same user signed in on another device
    token = elsewhere.get("/login").get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[-1]
    assert elsewhere.post("/login", data={"username": "zhang", "password": PASSWORD,
                                          "csrf_token": token.split('"')[0]}).status_code == 302
    assert elsewhere.get("/").status_code == 200
    done = change(post_form, PASSWORD)
    assert done.status_code == 302 and done.headers["Location"] == "/account/password"
    assert "密码已修改" in client.get("/account/password").get_data(as_text=True)   # this session goes on
    assert elsewhere.get("/").status_code == 302                                   # the other one ended
    post_form("/logout", {})
    assert sign_in(post_form, "zhang").status_code == 200                          # the old password fails
    assert sign_in(post_form, "zhang", NEW_PASSWORD).status_code == 302
    with uow(read_only=True) as u:
        from engine.store.models import TrailEvent
        events = u.session.scalars(select(TrailEvent).where(TrailEvent.action == "user.password_changed")).all()
    assert [(e.actor, e.case_id) for e in events] == [("zhang", "@users")]
    assert NEW_PASSWORD not in events[0].payload and PASSWORD not in events[0].payload


@pytest.mark.parametrize("current, new, repeated, said", [
    ("not-the-password", NEW_PASSWORD, NEW_PASSWORD, "当前密码不正确"),
    (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x", "两次输入的新密码不一致"),
    (PASSWORD, "short", "short", "密码至少10个字符"),
    (PASSWORD, "1234567890", "1234567890", "连续的字符"),
    (PASSWORD, PASSWORD, PASSWORD, "新密码须与当前密码不同"),
    (PASSWORD, "七里海湿地" * 205, "七里海湿地" * 205, "密码至多1024个字符"),     # sign-in could never take it
])
def test_a_refused_change_says_why_and_keeps_the_password(client, login_as, post_form, current, new, repeated, said):
    login_as("secretary", username="wang")
    refused = change(post_form, current, new, repeated)
    assert refused.status_code == 400 and said in refused.get_data(as_text=True)
    assert client.get("/").status_code == 200                                      # still signed in
    post_form("/logout", {})
    assert sign_in(post_form, "wang").status_code == 302


def test_wrong_current_passwords_count_as_failed_sign_ins(client, login_as, post_form):
    login_as("official", username="zhang")
    for _ in range(5):
        assert change(post_form, "wrong-password").status_code == 400
    refused = change(post_form, PASSWORD)
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 600
    post_form("/logout", {})
    assert sign_in(post_form, "zhang").status_code == 429                          # the sign-in is locked too


def test_an_auditor_changes_their_own_password(login_as, post_form):
    login_as("auditor", username="sun")
    assert change(post_form, PASSWORD).status_code == 302
