"""Revocation that revokes: a copied session cookie stops working after sign-out, a password reset,
a role change or deactivation; a token cannot mint tokens; an expired token is refused."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from engine.accounts.models import ApiToken
from engine.accounts.use_cases import end_sessions, issue_token, set_active, set_password, set_roles
from engine.core import clock
from tests.days import TODAY
from tests.web.conftest import PASSWORD, read_csrf_token

PAGE = "/account/tokens"          # any page that needs a signed-in user


def _signed_in(client) -> bool:
    return client.get(PAGE).status_code == 200


def _name(client) -> str:
    return client.application.config["SESSION_COOKIE_NAME"]


def _steal(client) -> str:
    cookie = client.get_cookie(_name(client))
    assert cookie is not None
    return cookie.value


def _replay(client, value: str) -> None:
    client.set_cookie(_name(client), value)


def test_a_cookie_copied_before_sign_out_no_longer_signs_in(client, login_as, post_form):
    login_as("official", username="wei")
    stolen = _steal(client)
    assert _signed_in(client)
    post_form("/logout", {}, page="/logout")
    _replay(client, stolen)
    assert not _signed_in(client)


@pytest.mark.parametrize("change", ["password", "roles", "deactivated", "signed_out_elsewhere"])
def test_a_cookie_dies_when_an_admin_changes_the_account(client, login_as, make_user, uow, change):
    login_as("official", username="wei")
    assert _signed_in(client)
    make_user("root", ["admin"])
    with uow() as u:
        if change == "password":
            set_password(u.session, "wei", "a-new-password-123")
        elif change == "roles":
            set_roles(u.session, "wei", ["official", "auditor"], "root")
        elif change == "deactivated":
            set_active(u.session, "wei", False, "root")
        else:
            end_sessions(u.session, "wei")
        u.commit()
    assert not _signed_in(client)


def _admin_posts(app, make_user, path: str, data: dict) -> int:
    """An admin, in a browser of their own, submits a form of the user page."""
    make_user("root", ["admin"])
    admin = app.test_client()
    token = read_csrf_token(admin.get("/login").get_data(as_text=True))
    assert admin.post("/login", data={"username": "root", "password": PASSWORD, "csrf_token": token}).status_code == 302
    page = "/admin/users/wei"
    token = read_csrf_token(admin.get(page).get_data(as_text=True))
    return admin.post(f"{page}/{path}", data={**data, "csrf_token": token}).status_code


@pytest.mark.parametrize("path, data", [("password", {"password": "a-new-password-123"}),
                                        ("roles", {"roles": ["official", "auditor"]}),
                                        ("active", {"active": "0"})])
def test_a_copied_cookie_dies_when_an_admin_uses_the_user_page(app, client, login_as, make_user, path, data):
    login_as("official", username="wei")
    stolen = _steal(client)
    assert _admin_posts(app, make_user, path, data) == 302
    assert not _signed_in(client)
    _replay(client, stolen)
    assert not _signed_in(client)


def test_an_untouched_session_stays_signed_in(client, login_as, make_user, uow):
    login_as("official", username="wei")
    make_user("other", ["official"])
    with uow() as u:
        set_password(u.session, "other", "a-new-password-123")     # someone else's change
        u.commit()
    assert _signed_in(client)


def _token(client, login_as, post_form) -> str:
    login_as("official", username="wei")
    html = client.get("/").get_data(as_text=True)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    response = client.post("/api/me/tokens", json={"label": "t"}, headers={"X-CSRFToken": csrf})
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["expires_at"] and body["active"]
    post_form("/logout", {}, page="/logout")
    return body["token"]


def test_a_token_cannot_mint_tokens(client, login_as, post_form):
    token = _token(client, login_as, post_form)
    minted = client.post("/api/me/tokens", json={"label": "spare"}, headers={"Authorization": f"Bearer {token}"})
    assert minted.status_code == 403
    assert "浏览器" in minted.get_json()["error"]["message_zh"]
    listed = client.get("/api/me/tokens", headers={"Authorization": f"Bearer {token}"}).get_json()["tokens"]
    assert len(listed) == 1


def test_a_token_expires_after_its_days_and_is_refused(client, login_as, post_form, uow):
    token = _token(client, login_as, post_form)
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/cases", headers=auth).status_code == 200
    with uow() as u:
        row = u.session.query(ApiToken).filter_by(username="wei").one()
        issued = row.expires_at - row.created_at
        assert timedelta(days=89, hours=23) < issued <= timedelta(days=90, minutes=1)   # the default
        row.expires_at = clock.now() - timedelta(seconds=1)
        u.commit()
    assert client.get("/api/cases", headers=auth).status_code == 401


@pytest.mark.parametrize("days, refused", [(None, False), (89, False), (91, True), (400, True)])
def test_a_token_runs_out_on_the_instance_clock(client, login_as, post_form, monkeypatch, days, refused):
    """Validity is measured on the instance's day (YIFA_TODAY), never the machine's date."""
    token = _token(client, login_as, post_form)
    if days is not None:
        monkeypatch.setenv("YIFA_TODAY", (TODAY + timedelta(days=days)).isoformat())
    answer = client.get("/api/cases", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == (401 if refused else 200)
    if refused:
        assert answer.get_json()["error"]


def test_the_days_are_bounded(make_user, uow):
    make_user("wei", ["official"])
    from engine.core.errors import InputError
    with uow() as u:
        for days in (0, 366, "30", True):
            with pytest.raises(InputError):
                issue_token(u.session, "wei", "t", "wei", days)
        assert issue_token(u.session, "wei", "t", "wei", 7).startswith("yifa_")


def test_the_tokens_page_shows_the_expiry(client, login_as, post_form):
    login_as("official", username="wei")
    post_form(PAGE, {"label": "laptop", "days": "30"})
    html = client.get(PAGE).get_data(as_text=True)
    assert "到期（北京时间）" in html and "laptop" in html


# ---------------------------------------------------------------- an admin on their own account
def _sign_in(client, username: str) -> None:
    csrf = read_csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": csrf})
    assert response.status_code == 302


def test_an_admin_changing_their_own_password_keeps_this_session_only(app, client, make_user):
    make_user("root", ["admin"])
    elsewhere = app.test_client()
    _sign_in(elsewhere, "root")
    _sign_in(client, "root")
    csrf = read_csrf_token(client.get("/admin/users/root").get_data(as_text=True))
    response = client.post("/admin/users/root/password", data={"password": "a-new-password-123", "csrf_token": csrf})
    assert response.status_code == 302
    assert _signed_in(client)
    assert elsewhere.get(PAGE).status_code != 200


def test_an_admin_issues_a_token_of_the_days_asked(app, client, make_user, uow):
    make_user("wei", ["official"])
    make_user("root", ["admin"])
    _sign_in(client, "root")
    csrf = read_csrf_token(client.get("/admin/users/wei").get_data(as_text=True))
    response = client.post("/admin/users/wei/tokens", data={"label": "x", "days": "30", "csrf_token": csrf})
    assert response.status_code == 200
    with uow() as u:
        row = u.session.query(ApiToken).filter_by(username="wei").one()
        assert row.expires_at - row.created_at == timedelta(days=30)
