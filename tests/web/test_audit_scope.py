"""An auditor of one township verifies the chains of what they may see: the count of "all N chains
intact" and the broken list speak of their units' records only (engine/units/scope.py), never of
another unit's — neither its chains nor a break in them."""
from __future__ import annotations

import re

import pytest

from engine.accounts.use_cases import create_user

PASSWORD = "an-auditor-of-fengtai"
FENGTAI_CASE = "FT-DEMO-01"
YUELONG_CASE = "YL-DEMO-03"


@pytest.fixture
def fengtai_auditor(seeded, uow) -> str:
    with uow() as u:
        create_user(u.session, "ft-auditor", "丰台镇审计联络员", ["auditor"], PASSWORD, unit="fengtai")
        u.commit()
    return "ft-auditor"


def intact_count(html: str) -> int:
    found = re.search(r"全部 (\d+) 条审计链完整", html)
    assert found, html[:2000]
    return int(found.group(1))


def sign_in_as(client, post_form, username: str, password: str) -> None:
    if client.get("/login").status_code == 302:
        post_form("/logout", {})
    assert post_form("/login", {"username": username, "password": password}).status_code == 302


def test_a_township_auditor_counts_and_verifies_only_its_own_chains(client, sign_in, post_form, tamper,
                                                                    fengtai_auditor):
    def break_chain(chain: str) -> None:
        tamper("UPDATE trail_events SET payload = '{}' WHERE case_id = :c AND seq = 1", c=chain)

    sign_in("auditor")                                   # 宁河区审计局: the whole district
    district = intact_count(post_form("/audit/verify-all", {}, page="/audit").get_data(as_text=True))
    sign_in_as(client, post_form, fengtai_auditor, PASSWORD)
    own = post_form("/audit/verify-all", {}, page="/audit").get_data(as_text=True)
    assert 0 < intact_count(own) < district
    assert YUELONG_CASE not in own

    break_chain(YUELONG_CASE)                       # a break in 岳龙镇's chain …
    own_after = post_form("/audit/verify-all", {}, page="/audit").get_data(as_text=True)
    assert "审计链断裂" not in own_after and YUELONG_CASE not in own_after   # … is not 丰台镇's to see
    assert intact_count(own_after) == intact_count(own)

    break_chain(FENGTAI_CASE)                       # a break in its own is shown, over its own count
    broken = post_form("/audit/verify-all", {}, page="/audit").get_data(as_text=True)
    assert f"{FENGTAI_CASE}#1" in broken and YUELONG_CASE not in broken
    assert f"：1 / {intact_count(own)}" in broken

    sign_in("auditor")                                   # the district sees both breaks among all its chains
    whole = post_form("/audit/verify-all", {}, page="/audit").get_data(as_text=True)
    assert f"{FENGTAI_CASE}#1" in whole and f"{YUELONG_CASE}#1" in whole and f"：2 / {district}" in whole
