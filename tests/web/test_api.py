"""The JSON API: tokens, CSRF, the stateless check (same JSON as the CLI), errors, gates, OpenAPI."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from engine.decisions.record import case_to_document, load_case
from web import demo_data

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "yuelong-sewage-2024.yaml"


@pytest.fixture
def token_of(client, login_as):
    """Sign in as a role, issue a token through the API (session + X-CSRFToken), sign out; give the token."""
    def issue(role: str, username: str | None = None) -> str:
        login_as(role, username=username)
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").get_data(as_text=True)).group(1)
        response = client.post("/api/me/tokens", json={"label": "test"}, headers={"X-CSRFToken": csrf})
        assert response.status_code == 201, response.get_json()
        client.delete_cookie("yifa_session")
        return response.get_json()["token"]
    return issue


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_token_authenticates_and_a_revoked_one_is_refused(client, token_of):
    token = token_of("auditor")
    assert client.get("/api/cases", headers=bearer(token)).status_code == 200
    mine = client.get("/api/me/tokens", headers=bearer(token)).get_json()["tokens"]
    assert client.delete(f"/api/me/tokens/{mine[0]['id']}", headers=bearer(token)).status_code == 200
    refused = client.get("/api/cases", headers=bearer(token))
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "unauthorized"
    assert client.get("/api/cases").status_code == 401
    assert client.get("/api/cases", headers=bearer("yifa_nonsense")).status_code == 401


def test_a_session_post_without_the_csrf_header_is_refused(client, login_as):
    login_as("official")
    response = client.post("/api/check", json={"id": "X", "title": "t"})
    assert response.status_code in (400, 403)
    assert response.get_json()["error"]["code"] == "csrf"


@pytest.mark.slow
def test_the_check_endpoint_gives_exactly_what_the_cli_prints(client, token_of):
    token = token_of("auditor")   # a reader may check: nothing is stored
    cli = subprocess.run([sys.executable, "-m", "engine.cli", "check", str(EXAMPLE), "--format", "json",
                          "--as-of", "2025-01-15"], capture_output=True, text=True, cwd=ROOT, check=False)
    expected = json.loads(cli.stdout)
    body = case_to_document(load_case(EXAMPLE))
    response = client.post("/api/check?as_of=2025-01-15", json=body, headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json() == expected
    assert response.headers["X-Yifa-Exit-Status"] == str(cli.returncode)
    assert client.get("/api/cases", headers=bearer(token)).get_json()["cases"] == []   # nothing stored


def test_a_bad_case_file_gives_400_with_every_problem_and_its_field_path(client, token_of):
    token = token_of("official")
    body = {"id": "X-1", "title": "t", "legality_review": {"submitted_on": "2024-02-30"}, "flags": {"technical": "yes"}}
    for path in ("/api/check", "/api/cases"):
        response = client.post(path, json=body, headers=bearer(token))
        assert response.status_code == 400
        error = response.get_json()["error"]
        assert error["code"] == "invalid_input"
        paths = {p["path"] for p in error["problems"]}
        assert {"legality_review.submitted_on", "flags.technical"} <= paths
        assert all(set(p) == {"file", "path", "message", "line"} for p in error["problems"])
    not_json = client.post("/api/check", data="id: x", headers={**bearer(token), "Content-Type": "text/yaml"})
    assert not_json.status_code == 400
    unknown = client.post("/api/check", json={"id": "X", "title": "t", "jurisdiction": "XX/nowhere"}, headers=bearer(token))
    assert unknown.status_code == 400 and unknown.get_json()["error"]["problems"][0]["path"] == "jurisdiction"


def test_impossible_dates_give_400_with_the_field_path_and_nothing_is_stored(client, token_of):
    official = token_of("official")
    case = demo_data.drafted_road_case("T-9", "村道")
    backwards = {**case, "legality_review": {**demo_data.LEGALITY_SUBMITTED, "opinion_on": "2025-04-01"}}
    for path in ("/api/check?as_of=2025-04-28", "/api/cases?as_of=2025-04-28"):
        response = client.post(path, json=backwards, headers=bearer(official))
        assert response.status_code == 400, response.get_json()
        assert [p["path"] for p in response.get_json()["error"]["problems"]] == ["legality_review.opinion_on"]
    late = {**case, "legality_review": {**demo_data.LEGALITY_SUBMITTED, "submitted_on": "2099-04-22"}}
    refused = client.post("/api/cases?as_of=2025-04-28", json=late, headers=bearer(official))
    assert refused.status_code == 400
    problem = refused.get_json()["error"]["problems"][0]
    assert problem["path"] == "legality_review.submitted_on" and "2026-04-28" in problem["message"]
    assert client.get("/api/cases", headers=bearer(official)).get_json()["cases"] == []
    assert client.post("/api/cases?as_of=2025-04-28", json=case, headers=bearer(official)).status_code == 201
    put = client.put("/api/cases/T-9/stages/legality_review",
                     json={"section": {**demo_data.LEGALITY_SUBMITTED, "submitted_on": "2099-04-22"}, "as_of": "2025-04-28"},
                     headers=bearer(token_of("legality_reviewer")))
    assert put.status_code == 400 and put.get_json()["error"]["problems"][0]["path"] == "legality_review.submitted_on"
    assert "legality_review" not in client.get("/api/cases/T-9", headers=bearer(official)).get_json()["document"]


def _road_case(case_id: str) -> dict:
    case = demo_data.drafted_road_case(case_id, "测试村道")
    return {**case, "legality_review": demo_data.LEGALITY_SUBMITTED, "collective_decision": demo_data.MEETING}


@pytest.mark.slow
def test_create_then_advance_is_refused_with_the_missing_legality_opinion(client, token_of):
    official, secretary = token_of("official"), token_of("secretary")
    created = client.post("/api/cases?as_of=2025-04-28", json=_road_case("T-1"), headers=bearer(official))
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["report"]["case"] == "T-1"
    refused = client.post("/api/cases/T-1/advance", json={"stage": "collective_decision", "on": "2025-04-30"},
                          headers=bearer(secretary))
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "gate_closed"
    rules = {b["rule"] for b in error["problems"]}
    assert "MAD-LEG-01" in rules
    assert all({"rule", "citation", "message"} <= set(b) for b in error["problems"])
    events = client.get("/api/cases/T-1/trail", headers=bearer(secretary)).get_json()["events"]
    assert events[-1]["action"] == "stage.advance_refused"
    verified = client.post("/api/cases/T-1/trail/verify", headers=bearer(secretary)).get_json()
    assert verified["ok"] and verified["verified"] == len(events)
    # the official may not advance into the secretary's stage: 403 JSON
    forbidden = client.post("/api/cases/T-1/advance", json={"stage": "collective_decision", "on": "2025-04-30"},
                            headers=bearer(official))
    assert forbidden.status_code == 403 and forbidden.get_json()["error"]["code"] == "forbidden"


def test_evidence_dating_the_meeting_behind_a_closed_gate_is_refused_and_the_stage_does_not_move(client, token_of):
    official, secretary = token_of("official"), token_of("secretary")
    case = {**demo_data.drafted_road_case("T-3", "村道"), "legality_review": demo_data.LEGALITY_SUBMITTED}
    assert client.post("/api/cases?as_of=2025-04-28", json=case, headers=bearer(official)).status_code == 201
    before = client.get("/api/cases/T-3", headers=bearer(secretary)).get_json()
    section = {**demo_data.MEETING, "held_on": "2025-04-30"}
    refused = client.put("/api/cases/T-3/stages/collective_decision", json={"section": section, "as_of": "2025-04-30"},
                         headers=bearer(secretary))
    assert refused.status_code == 409, refused.get_json()
    error = refused.get_json()["error"]
    assert error["code"] == "gate_closed" and "MAD-LEG-01" in {b["rule"] for b in error["problems"]}
    after = client.get("/api/cases/T-3", headers=bearer(secretary)).get_json()
    assert (after["stage"], after["version"]) == (before["stage"], before["version"])
    assert "collective_decision" not in after["document"]
    events = client.get("/api/cases/T-3/trail", headers=bearer(secretary)).get_json()["events"]
    assert events[-1]["action"] == "stage.advance_refused"


def test_evidence_with_a_stale_version_is_a_conflict_naming_the_change(client, token_of):
    official = token_of("official")
    client.post("/api/cases?as_of=2025-04-20", json=demo_data.drafted_road_case("T-2", "村道"), headers=bearer(official))
    shown = client.get("/api/cases/T-2", headers=bearer(official)).get_json()
    assert shown["version"] == 1 and shown["report"]["case"] == "T-2"
    proposed = date.fromisoformat(shown["document"]["initiation"]["proposed_on"]) - timedelta(days=1)
    section = {"proposed_on": proposed.isoformat()}   # an earlier proposal: still before the start
    first = client.put("/api/cases/T-2/stages/initiation", json={"section": {**shown["document"]["initiation"], **section},
                                                                 "version": 1}, headers=bearer(official))
    assert first.status_code == 200, first.get_json()
    stale = client.put("/api/cases/T-2/stages/initiation", json={"section": shown["document"]["initiation"], "version": 1},
                       headers=bearer(official))
    assert stale.status_code == 409
    error = stale.get_json()["error"]
    assert error["code"] == "conflict" and any("official" in c and "evidence" in c for c in error["problems"])
    report = client.get("/api/cases/T-2/report?as_of=2025-05-01", headers=bearer(official)).get_json()
    assert report["as_of"] == "2025-05-01" and "findings" in report
    assert client.get("/api/cases/NOPE", headers=bearer(official)).status_code == 404
    bad = client.get("/api/cases/T-2/report?as_of=2025-13-01", headers=bearer(official))
    assert bad.status_code == 400 and bad.get_json()["error"]["problems"][0]["path"] == "as_of"


def test_an_auditor_reads_but_cannot_create(client, token_of):
    token = token_of("auditor")
    response = client.post("/api/cases", json=demo_data.drafted_road_case("T-3", "x"), headers=bearer(token))
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"


def test_adjust_needs_a_decision(client, token_of):
    official, secretary = token_of("official"), token_of("secretary")
    client.post("/api/cases", json=demo_data.drafted_road_case("T-4", "x"), headers=bearer(official))
    response = client.post("/api/cases/T-4/adjust", json={"kind": "stop", "reason": "r", "on": "2025-06-01"},
                           headers=bearer(secretary))
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "stage_order"
    bad = client.post("/api/cases/T-4/adjust", json={"kind": "pause", "reason": "r"}, headers=bearer(secretary))
    assert bad.status_code == 400 and bad.get_json()["error"]["problems"][0]["path"] == "kind"


def test_the_openapi_document_lists_every_api_route(app, client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    doc = json.loads(response.get_data(as_text=True))
    assert doc["openapi"].startswith("3.1")
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        assert path in doc["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in doc["paths"][path], (path, method)
    schemas = doc["components"]["schemas"]
    assert "Case" in schemas and "Error" in schemas and "Report" in schemas
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', response.get_data(as_text=True)))
    assert refs <= set(schemas), refs - set(schemas)
    post_cases = doc["paths"]["/api/cases"]["post"]
    assert post_cases["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Case"}
    assert "409" in doc["paths"]["/api/cases/{case_id}/advance"]["post"]["responses"]


@pytest.mark.parametrize("body, words", [
    ("[" * 100_000 + "]" * 100_000, "nesting too deep"),
    ('{"id": "A\\ud800", "title": "t"}', "lone surrogate"),
    ('{"id": "A", "title": "t", "public_participation": {"comments_received": ' + "9" * 5000 + "}}", "too large"),
])
def test_hostile_json_is_refused_with_400_and_its_reason_never_500(client, token_of, body, words):
    token = token_of("official")
    response = client.post("/api/check", data=body, headers={**bearer(token), "Content-Type": "application/json"})
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert words in json.dumps(response.get_json(), ensure_ascii=False)


def test_the_township_case_with_rounds_and_an_approval_is_created_through_the_api(client, token_of):
    """CASE_FORMAT §1 additions through the API: no blocker, and a breach names its round."""
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "case_township_rounds.yaml"
    document = case_to_document(load_case(fixture))
    document["public_participation"]["consultation"][1]["reason_stated_in_notice"] = False
    created = client.post("/api/cases?as_of=2023-08-01", json=document, headers=bearer(token_of("official")))
    assert created.status_code == 201, created.get_json()
    report = created.get_json()["report"]
    assert report["summary"]["blocking"] is False
    found = next(f for f in report["findings"] if f["rule"] == "MAD-PP-04")
    assert found["verdict"] == "violated" and found["facts"]["round"] == 2
    stored = client.get("/api/cases/YL-2023-PLAN", headers=bearer(token_of("auditor"))).get_json()
    assert len(stored["document"]["public_participation"]["consultation"]) == 2
    assert stored["document"]["approval"]["body"]["name"] == "宁河区人民政府"
