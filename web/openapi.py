"""The OpenAPI 3.1 document of /api, built from the app's routes and the case file's JSON Schema.

Every `/api/…` rule of the URL map is listed (so a new route appears at once, with its
docstring as summary); the request and response bodies come from SPECS, keyed by endpoint.
The case body is engine.decisions.record.case_json_schema() (its `$defs` moved under components.schemas).
"""
from __future__ import annotations

import copy
import functools
import re
from typing import Any

from flask import Flask

from engine.accounts.models import ROLES

JSON = "application/json"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _body(schema: dict, required: bool = True) -> dict:
    return {"required": required, "content": {JSON: {"schema": schema}}}


def _ok(schema: dict, text: str = "OK") -> dict:
    return {"description": text, "content": {JSON: {"schema": schema}}}


def _obj(props: dict, required: tuple = ()) -> dict:
    out: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        out["required"] = list(required)
    return out


DATE = {"type": "string", "format": "date"}
VERSION = {"type": "integer", "minimum": 1, "description": "the case version read (optimistic lock); 409 if it moved"}
AS_OF = {"name": "as_of", "in": "query", "required": False, "schema": DATE,
         "description": "核查日期 / the day to judge as of (default today)"}

SPECS: dict[str, dict[str, Any]] = {
    "api.list_cases": {"responses": {"200": _ok(_obj({"cases": {"type": "array", "items": _ref("CaseSummary")}}))}},
    "api.create_case": {"parameters": [AS_OF], "requestBody": _body(_ref("Case")),
                        "responses": {"201": _ok(_ref("Outcome"), "Created, with the first report")}},
    "api.show_case": {"responses": {"200": _ok(_ref("CaseDetail"))}},
    "api.case_report": {"parameters": [AS_OF, {"name": "rulebook", "in": "query", "required": False,
                                               "schema": {"enum": ["now", "then"]}}],
                        "responses": {"200": _ok(_ref("Report"))}},
    "api.record_evidence": {"requestBody": _body(_obj({"section": {"description": "the stage's section of the case file (CASE_FORMAT §1)"},
                                                       "version": VERSION, "as_of": DATE}, ("section",))),
                            "responses": {"200": _ok(_ref("Outcome"))}},
    "api.advance": {"requestBody": _body(_obj({"stage": {"type": "string"}, "on": DATE, "version": VERSION}, ("stage",))),
                    "responses": {"200": _ok(_ref("Outcome"))}},
    "api.adjust": {"requestBody": _body(_obj({"kind": {"enum": ["suspend", "change", "stop"]}, "reason": {"type": "string", "minLength": 1},
                                              "on": DATE, "urgent": {"type": "boolean"}, "version": VERSION}, ("kind", "reason"))),
                   "responses": {"200": _ok(_ref("Outcome"))}},
    "api.trail": {"responses": {"200": _ok(_obj({"case": {"type": "string"}, "events": {"type": "array", "items": _ref("TrailEvent")}}))}},
    "api.verify_trail": {"responses": {"200": _ok(_ref("ChainStatus"))}},
    "api.check": {"parameters": [AS_OF, {"name": "jurisdiction", "in": "query", "required": False, "schema": {"type": "string"}},
                                 {"name": "engine", "in": "query", "required": False, "schema": {"enum": ["durable", "native"]}},
                                 {"name": "lang", "in": "query", "required": False, "schema": {"enum": ["zh", "en"]}}],
                  "requestBody": _body(_ref("Case")),
                  "responses": {"200": _ok(_ref("Report"), "The report, exactly as `yifa check --format json` prints it")}},
    "api.openapi": {"security": [], "responses": {"200": _ok({"type": "object"}, "This document")}},
    "api.my_tokens": {"responses": {"200": _ok(_obj({"tokens": {"type": "array", "items": _ref("Token")}}))}},
    "api.issue_my_token": {"requestBody": _body(_obj({"label": {"type": "string", "maxLength": 200}}), required=False),
                           "responses": {"201": _ok(_ref("IssuedToken"), "Issued; the plaintext is shown this once")}},
    "api.revoke_my_token": {"responses": {"200": _ok(_ref("Token"))}},
}

ERRORS = {"400": "输入有误 / bad input (problems list every field)", "401": "未登录或令牌无效 / no valid session or token",
          "403": "无权 / not allowed (role, own proposal, auditor writing)", "404": "不存在 / unknown case or token",
          "409": "冲突 / conflict, stage order or closed gate (problems: changes or blockers)"}

FINDING = _obj({"rule": {"type": "string"},
                "verdict": {"enum": ["violated", "missing", "satisfied", "not_applicable", "pending"]},
                "severity": {"enum": ["blocker", "error", "warning", "info"]}, "citation": _ref("Citation"),
                "message": {"type": "string"}, "verified": {"type": "boolean"}, "facts": {"type": "object"},
                "reason": {"type": "string"}, "due_on": DATE, "overdue": {"type": "boolean"}},
               ("rule", "verdict", "severity", "citation"))

COMPONENTS: dict[str, Any] = {
    "Citation": _obj({"instrument": {"type": "string"}, "article": {"type": "integer"},
                      "paragraph": {"type": "integer"}, "item": {"type": "integer"}}, ("instrument", "article")),
    "Finding": FINDING,
    "Report": _obj({"case": {"type": "string"}, "as_of": DATE,
                    "rulebook": _obj({"jurisdiction": {"type": "string"}, "version": {"type": "string"}}),
                    "stage": {"type": ["string", "null"]}, "findings": {"type": "array", "items": _ref("Finding")},
                    "summary": _obj({"violated": {"type": "integer"}, "missing": {"type": "integer"},
                                     "satisfied": {"type": "integer"},
                                     "not_applicable": {"type": "integer"}, "pending": {"type": "integer"},
                                     "blocking": {"type": "boolean"}})},
                   ("case", "as_of", "rulebook", "stage", "findings", "summary")),
    "Outcome": _obj({"case": {"type": "string"}, "version": {"type": "integer"}, "stage": {"type": ["string", "null"]},
                     "event_seq": {"type": "integer"}, "report": _ref("Report"),
                     "reopened": {"type": "array", "items": {"type": "string"}}}),
    "CaseSummary": _obj({"id": {"type": "string"}, "title": {"type": "string"}, "jurisdiction": {"type": "string"},
                         "stage": {"type": ["string", "null"]}, "created_by": {"type": ["string", "null"]},
                         "updated_at": {"type": "string", "format": "date-time"}, "blocked": {"type": "boolean"},
                         "blocked_at": {"type": ["string", "null"]}, "blocking_rules": {"type": "array", "items": {"type": "string"}},
                         "overdue": {"type": "boolean"}, "overdue_rules": {"type": "array", "items": {"type": "object"}},
                         "next_due": {"type": ["string", "null"], "format": "date"},
                         "violated": {"type": "integer"}, "blocking": {"type": "boolean"}}),
    "CaseDetail": _obj({"case": {"type": "string"}, "title": {"type": "string"}, "jurisdiction": {"type": "string"},
                        "stage": {"type": ["string", "null"]}, "version": {"type": "integer"},
                        "created_by": {"type": ["string", "null"]}, "workflow": {"type": "object"},
                        "document": _ref("Case"), "report": {"oneOf": [_ref("Report"), {"type": "null"}]}}),
    "TrailEvent": _obj({"seq": {"type": "integer"}, "at": {"type": "string", "format": "date-time"},
                        "actor": {"type": "string"}, "action": {"type": "string"}, "payload": {"type": "object"},
                        "payload_sha256": {"type": "string"}, "prev_hash": {"type": "string"}, "hash": {"type": "string"}}),
    "ChainStatus": _obj({"case": {"type": "string"}, "ok": {"type": "boolean"}, "verified": {"type": "integer"},
                         "head": {"type": ["string", "null"]},
                         "broken": {"oneOf": [{"type": "null"}, _obj({"where": {"type": "string"}, "seq": {"type": "integer"},
                                                                       "kind": {"enum": ["altered", "missing", "reordered"]},
                                                                       "message_zh": {"type": "string"}, "message_en": {"type": "string"}})]}}),
    "Token": _obj({"id": {"type": "integer"}, "label": {"type": ["string", "null"]}, "created_at": {"type": "string", "format": "date-time"},
                   "revoked_at": {"type": ["string", "null"], "format": "date-time"}, "active": {"type": "boolean"}}),
    "IssuedToken": {"allOf": [_ref("Token"), _obj({"token": {"type": "string", "pattern": "^yifa_"}}, ("token",))]},
    "Problem": _obj({"file": {"type": "string"}, "path": {"type": "string", "description": "the field path, e.g. legality_review.submitted_on"},
                     "message": {"type": "string", "description": "中文 / English"}, "line": {"type": ["integer", "null"]}}),
    "Blocker": _obj({"rule": {"type": "string"}, "severity": {"type": "string"}, "citation": _ref("Citation"),
                     "message": {"type": "string"}}),
    "Error": _obj({"error": _obj({"code": {"type": "string"}, "message_zh": {"type": "string"}, "message_en": {"type": "string"},
                                  "problems": {"type": "array", "items": {"oneOf": [_ref("Problem"), _ref("Blocker"), {"type": "string"}]}}},
                                 ("code", "message_zh", "message_en", "problems"))}, ("error",)),
}


def _path(rule: str) -> tuple[str, list[str]]:
    names = re.findall(r"<(?:[^:<>]+:)?([^<>]+)>", rule)
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule), names


@functools.lru_cache(maxsize=1)
def _case_schema() -> tuple[dict, dict]:
    from engine.decisions.record import case_json_schema
    schema = copy.deepcopy(case_json_schema())
    schema.pop("$schema", None)
    defs = schema.pop("$defs", {})
    text = _rewrite_refs(schema)
    return text, {name: _rewrite_refs(d) for name, d in defs.items()}


def _rewrite_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: (v.replace("#/$defs/", "#/components/schemas/") if k == "$ref" and isinstance(v, str)
                    else _rewrite_refs(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite_refs(v) for v in node]
    return node


def _operation(app: Flask, endpoint: str, method: str, params: list[str]) -> dict:
    view = app.view_functions[endpoint]
    doc = (view.__doc__ or "").strip()
    spec = copy.deepcopy(SPECS.get(endpoint, {"responses": {"200": _ok({"type": "object"})}}))
    op: dict[str, Any] = {"operationId": f"{endpoint.split('.', 1)[1]}_{method.lower()}",
                          "summary": doc.splitlines()[0] if doc else endpoint}
    if doc:
        op["description"] = doc
    roles = getattr(view, "required_roles", None)
    if roles:
        op["x-roles"] = [r for r in ROLES if r in roles]
    path_params = [{"name": n, "in": "path", "required": True,
                    "schema": {"type": "integer"} if n == "token_id" else {"type": "string"}} for n in params]
    op["parameters"] = path_params + spec.pop("parameters", [])
    responses = spec.pop("responses")
    for status, text in ERRORS.items():
        if status == "401" and "security" in spec:
            continue
        responses.setdefault(status, {"description": text, "content": {JSON: {"schema": _ref("Error")}}})
    op.update(spec)
    op["responses"] = responses
    return op


def openapi_document(app: Flask) -> dict[str, Any]:
    """The document: every /api route of `app` with its request and response bodies."""
    case, defs = _case_schema()
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/"):
            continue
        path, params = _path(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(app, rule.endpoint, method, params)
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {"title": "yifa 依法 API", "version": "1",
                 "description": "重大行政决策合规检查 JSON API / compliance checks for major administrative decisions. "
                                "Authenticate with `Authorization: Bearer <token>` (POST /api/me/tokens), or with the "
                                "session cookie plus the `X-CSRFToken` header on state-changing calls. Every error is "
                                "{\"error\": {code, message_zh, message_en, problems}}."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"session": [], "csrf": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "yifa_…"},
                "session": {"type": "apiKey", "in": "cookie", "name": "yifa_session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"},
            },
            "schemas": {**defs, "Case": case, **COMPONENTS},
        },
    }
