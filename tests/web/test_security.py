"""Headers, CSRF, cookies, bearer tokens, and error pages that never show a traceback."""
from __future__ import annotations

import hashlib

import pytest
from flask_login import current_user
from sqlalchemy import select

from engine.accounts.models import ApiToken
from engine.accounts.use_cases import issue_token, revoke_token
from tests.web.conftest import PASSWORD


@pytest.fixture
def api_app(app):
    """The app with a small API route (the real API comes in its own blueprint)."""
    from web.auth import EVERYONE, role_required

    @app.route("/api/test/whoami", methods=["GET", "POST"])
    @role_required(*EVERYONE)
    def whoami():
        return {"username": current_user.username, "via_token": current_user.via_token}

    return app


@pytest.fixture
def token_for(make_user, uow):
    """Issue a token to a (new) user; give (plaintext, token id)."""

    def issue(username="zhang", roles=("official",)):
        make_user(username, list(roles))
        with uow() as u:
            plaintext = issue_token(u.session, username, "测试")
            token_id = u.session.scalar(select(ApiToken.id).order_by(ApiToken.id.desc()))
            u.commit()
        return plaintext, token_id

    return issue


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


# ---------------------------------------------------------------- headers and cookies
@pytest.mark.parametrize("path", ["/login", "/no-such-page", "/static/yifa.css", "/health"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    response.close()  # a static file's handle
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in headers


def test_pages_have_no_inline_script(client, login_as):
    login_as("official")
    for path in ("/", "/login?lang=en", "/logout", "/nope"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>" not in page and "onclick=" not in page and "style=" not in page


def test_the_session_cookie_is_httponly_and_samesite_lax(client):
    cookie = client.get("/login").headers["Set-Cookie"]
    assert "yifa_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_behind_tls_cookies_are_secure_and_hsts_is_sent(tmp_path, monkeypatch, migrated_sqlite):
    import shutil

    from web import create_app
    monkeypatch.setenv("YIFA_BEHIND_TLS", "1")
    monkeypatch.setenv("YIFA_INSTANCE", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    shutil.copy(migrated_sqlite, tmp_path / "yifa.sqlite3")
    app = create_app({"TESTING": True})
    response = app.test_client().get("/login", base_url="https://localhost")
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_the_secret_key_is_kept_in_the_instance_folder_readable_by_its_owner_only(app, tmp_path):
    key_file = tmp_path / "secret_key"
    assert key_file.read_text().strip() == app.config["SECRET_KEY"]
    assert key_file.stat().st_mode & 0o777 == 0o600


# ---------------------------------------------------------------- CSRF
def test_a_form_post_without_its_csrf_token_is_refused_with_400(client, make_user):
    make_user("zhang", ["official"])
    client.get("/login")
    response = client.post("/login", data={"username": "zhang", "password": PASSWORD})
    assert response.status_code == 400
    assert "安全令牌" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_a_forged_csrf_token_is_refused(client, make_user):
    make_user("zhang", ["official"])
    client.get("/login")
    response = client.post("/login", data={"username": "zhang", "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 400


def test_an_api_post_with_a_session_cookie_still_needs_its_csrf_token(api_app, client, login_as):
    login_as("official")
    response = client.post("/api/test/whoami")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "csrf"


# ---------------------------------------------------------------- bearer tokens
def test_a_bearer_token_authenticates_an_api_request_without_csrf(api_app, client, token_for):
    token, _ = token_for()
    assert client.get("/api/test/whoami", headers=bearer(token)).get_json() == {"username": "zhang", "via_token": True}
    assert client.post("/api/test/whoami", headers=bearer(token)).status_code == 200
    assert "Set-Cookie" not in client.get("/api/test/whoami", headers=bearer(token)).headers


def test_only_the_sha256_of_a_token_is_stored(api_app, token_for, uow):
    token, token_id = token_for()
    with uow(read_only=True) as u:
        stored = u.session.get(ApiToken, token_id).token_hash
    assert stored == hashlib.sha256(token.encode()).hexdigest() and token not in stored


def test_a_revoked_token_is_refused_with_401_json(api_app, client, token_for, uow):
    token, token_id = token_for()
    with uow() as u:
        revoke_token(u.session, token_id, "zhang")
        u.commit()
    response = client.get("/api/test/whoami", headers=bearer(token))
    assert response.status_code == 401
    error = response.get_json()["error"]
    assert error["code"] == "unauthorized" and error["message_zh"] and error["message_en"]
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_bearer_token_is_not_accepted_outside_the_api(client, token_for):
    token, _ = token_for()
    assert client.get("/", headers=bearer(token)).status_code == 302


def test_an_unknown_token_is_refused_even_with_a_valid_session_cookie(api_app, client, login_as):
    login_as("official")
    assert client.get("/api/test/whoami").status_code == 200  # the cookie alone works for a GET
    assert client.get("/api/test/whoami", headers=bearer("yifa_not-a-token")).status_code == 401


def test_only_the_owner_or_an_admin_revokes_a_token(api_app, token_for, make_user, uow):
    from engine.core.errors import PermissionDeniedError
    _, token_id = token_for()
    make_user("li", ["legality_reviewer"])
    make_user("root", ["admin"])
    with uow() as u, pytest.raises(PermissionDeniedError):
        revoke_token(u.session, token_id, "li")
    with uow() as u, pytest.raises(PermissionDeniedError):
        issue_token(u.session, "zhang", "not mine", actor="li")
    with uow() as u:
        assert issue_token(u.session, "zhang", "for zhang", actor="root").startswith("yifa_")
    with uow() as u:
        revoke_token(u.session, token_id, "root")
        u.commit()


# ---------------------------------------------------------------- error pages
def test_404_is_a_chinese_page_without_a_traceback(client):
    response = client.get("/no-such-page")
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "页面不存在" in body and "Page not found" in body and "Traceback" not in body


def test_api_errors_are_json(api_app, client):
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404
    error = response.get_json()["error"]
    assert error == {"code": "not_found", "message_zh": "页面不存在", "message_en": "Page not found", "problems": []}


def test_an_unexpected_error_is_a_500_page_without_a_traceback(app, client, login_as):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    login_as("official")
    response = client.get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "服务器内部错误" in body and "secret internals" not in body and "Traceback" not in body


def test_a_domain_refusal_reaching_the_app_gets_its_status(app, client, login_as):
    from engine.core.errors import PermissionDeniedError, UnknownCaseError

    @app.get("/api/test/refused")
    def refused():
        raise PermissionDeniedError("用户 x 无权进行此操作", "user x lacks the role")

    @app.get("/api/test/unknown")
    def unknown():
        raise UnknownCaseError("NOPE-1")

    login_as("official")
    error = client.get("/api/test/refused").get_json()["error"]
    assert (error["code"], error["message_zh"], error["message_en"]) == ("forbidden", "用户 x 无权进行此操作", "user x lacks the role")
    assert client.get("/api/test/unknown").status_code == 404


@pytest.mark.slow
def test_an_upload_over_20_mb_is_refused_with_413(client):
    client.get("/login")
    response = client.post("/login", data={"f": "x" * (20 * 1024 * 1024 + 1)})
    assert response.status_code == 413 and "上传内容过大" in response.get_data(as_text=True)


@pytest.mark.parametrize("referrer, back", [
    ("http://localhost/documents/import?x=1", "/documents/import?x=1"),   # this site's page: go back to it
    ("https://evil.example/phish", "/documents/import"),                   # another host: never, the form's own page
    (None, "/documents/import"),
])
def test_a_too_large_upload_names_the_limit_and_links_back_to_its_page(app, client, login_as, referrer, back):
    """A 413 is no dead end: it says the limit and how to go on, and links back to the upload's page
    (this site only: a foreign Referer is never a link target)."""
    login_as("official")
    app.config["IMPORT_UPLOAD_BYTES"] = 2000       # the real limit is 256 MB; a small one keeps the test fast
    headers = {"Referer": referrer} if referrer else {}
    response = client.post("/documents/import", data={"file": "x" * 5000}, headers=headers)
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "不能超过 1 KB" in page and "返回上一页" in page
    assert f'href="{back}"' in page.replace("&amp;", "&")
    assert "evil.example" not in page


def test_a_register_upload_may_be_larger_than_any_other_upload(app, client, login_as, post_form):
    """A register file for import is streamed to disk and may reach IMPORT_UPLOAD_BYTES (256 MB: a
    province's penalty register); every other upload keeps MAX_CONTENT_LENGTH (20 MB)."""
    import io
    from pathlib import Path
    register = (Path(__file__).parents[1] / "registers" / "fixtures" / "penalties.csv").read_bytes()
    login_as("official")
    app.config["MAX_CONTENT_LENGTH"] = len(register) // 2          # smaller than the register file
    imported = post_form("/credit/import", {"file": (io.BytesIO(register), "处罚登记表.csv")},
                         content_type="multipart/form-data")
    assert imported.status_code == 200 and 'class="imported">20<' in imported.get_data(as_text=True)
    refused = client.post("/login", data={"f": "x" * len(register)})
    assert refused.status_code == 413 and "不能超过 1 KB" in refused.get_data(as_text=True)
