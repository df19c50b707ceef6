"""User administration: admin only; every change is an event of the users chain."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.accounts.models import ApiToken, UnitRole, User
from engine.store.models import TrailEvent
from engine.trail import verify_all
from web.admin import USERS_CHAIN

NEW_PASSWORD = "a-new-password-42"


def test_an_admin_creates_a_user_who_can_then_sign_in(client, login_as, post_form, uow):
    login_as("admin")
    response = post_form("/admin/users", {"username": "wang", "display_name": "王五",
                                          "roles": ["official", "secretary"], "password": NEW_PASSWORD})
    assert response.status_code == 302
    listing = client.get("/admin/users").get_data(as_text=True)
    assert "wang" in listing and "王五" in listing
    post_form("/logout", {}, page="/")
    signed_in = post_form("/login", {"username": "wang", "password": NEW_PASSWORD})
    assert signed_in.status_code == 302
    assert "王五" in client.get("/").get_data(as_text=True)
    with uow(read_only=True) as u:
        events = u.session.scalars(select(TrailEvent).where(TrailEvent.case_id == USERS_CHAIN)).all()
        assert [e.action for e in events] == ["user.created"]
        assert NEW_PASSWORD not in events[0].payload
        assert all(s.ok for s in verify_all(u.session))


def test_bad_input_is_refused_with_the_field(client, login_as, post_form):
    login_as("admin")
    short = post_form("/admin/users", {"username": "li", "roles": ["official"], "password": "short"})
    assert short.status_code == 400 and "password" in short.get_data(as_text=True)
    no_roles = post_form("/admin/users", {"username": "li", "password": NEW_PASSWORD}, page="/admin/users")
    assert no_roles.status_code == 400 and "roles" in no_roles.get_data(as_text=True)
    bad_name = post_form("/admin/users", {"username": "Li Si<>", "roles": ["official"], "password": NEW_PASSWORD})
    assert bad_name.status_code == 400


@pytest.mark.parametrize("password, why", [
    ("1234567890", "连续的字符"), ("qwertyuiop", "连续的字符"), ("aaaaaaaaaa", "重复的字符"),
    ("woaini1314", "过于常见"), ("Password123", "过于常见"), ("li-si-zhang", "与用户名相同"),
])
def test_a_guessable_password_is_refused_naming_the_field_and_why(client, login_as, post_form, password, why):
    """NIST SP 800-63B: a common, sequential or repeated password, or the username, is refused."""
    login_as("admin")
    answer = post_form("/admin/users", {"username": "li-si-zhang", "roles": ["official"], "password": password})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "密码" in page and why in page


def test_a_long_unusual_password_is_accepted(client, login_as, post_form):
    login_as("admin")
    answer = post_form("/admin/users", {"username": "li", "roles": ["official"], "password": "七里海 湿地 2025 春"})
    assert answer.status_code == 302


@pytest.mark.parametrize("role", ["official", "legality_reviewer", "legal_advisor", "secretary", "auditor"])
def test_a_non_admin_gets_403(client, login_as, role):
    login_as(role)
    assert client.get("/admin/users").status_code == 403
    assert client.post("/admin/users", data={"username": "x"}).status_code in (400, 403)


def test_roles_deactivation_password_and_tokens(client, login_as, post_form, make_user, uow):
    make_user("zhao", ["official"])
    login_as("admin")
    page = "/admin/users/zhao"
    assert post_form(f"{page}/roles", {"roles": ["official", "auditor"]}, page=page).status_code == 302
    assert post_form(f"{page}/password", {"password": NEW_PASSWORD}, page=page).status_code == 302
    assert post_form(f"{page}/password", {"password": "short"}, page=page).status_code == 400
    issued = post_form(f"{page}/tokens", {"label": "ci"}, page=page)
    assert issued.status_code == 200 and "yifa_" in issued.get_data(as_text=True)
    with uow(read_only=True) as u:
        assert set(u.session.scalars(select(UnitRole.role).where(UnitRole.username == "zhao"))) == {"official", "auditor"}
        token = u.session.scalars(select(ApiToken).where(ApiToken.username == "zhao")).one()
    assert post_form(f"{page}/tokens/{token.id}/revoke", {}, page=page).status_code == 302
    assert post_form(f"{page}/active", {"active": "0"}, page=page).status_code == 302
    with uow(read_only=True) as u:
        assert u.session.get(User, "zhao").active is False
        assert u.session.get(ApiToken, token.id).revoked_at is not None
        actions = [e.action for e in u.session.scalars(select(TrailEvent).where(TrailEvent.case_id == USERS_CHAIN)
                                                         .order_by(TrailEvent.seq))]
        assert actions == ["user.roles_changed", "user.password_reset", "token.issued", "token.revoked", "user.deactivated"]
        assert all(s.ok for s in verify_all(u.session))
    post_form("/logout", {}, page="/")
    assert post_form("/login", {"username": "zhao", "password": NEW_PASSWORD}).status_code == 200  # deactivated


def test_an_admin_cannot_lock_themselves_out(client, login_as, post_form):
    login_as("admin")
    page = "/admin/users/admin"
    assert post_form(f"{page}/roles", {"roles": ["auditor"]}, page=page).status_code == 400
    assert post_form(f"{page}/active", {"active": "0"}, page=page).status_code == 400
    assert client.get("/admin/users/nobody").status_code == 404


@pytest.mark.parametrize("page", ["/admin/users", "/admin/users/zhao"])
def test_each_role_checkbox_sits_in_its_own_label_in_a_fieldset(client, login_as, make_user, page):
    """One role per line, the box inside the label of its own name (never beside the previous one)."""
    import re
    make_user("zhao", ["official"])
    login_as("admin")
    html = client.get(page).get_data(as_text=True)
    fieldset = html[html.index('<fieldset class="checks">'):html.index("</fieldset>")]
    boxes = re.findall(r'<label class="check"><input type="checkbox" name="roles" value="([a-z_]+)"[^>]*> <span>[^<]+</span></label>',
                       fieldset)
    assert "<legend>" in fieldset
    from engine.accounts.models import ROLES
    assert boxes == list(ROLES) and fieldset.count('type="checkbox"') == len(ROLES)
