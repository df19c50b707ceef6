"""A bounded schemathesis run against /api/openapi.json on the app: whatever the generated request
(every operation, every parameter, bodies valid and not), the API answers 2xx–4xx, never a 500.
Tokens of an official and an auditor are used in turn, so the write operations are reached too."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from engine.accounts.use_cases import create_user, issue_token
from tests.web.conftest import get_engine_of

pytestmark = pytest.mark.slow
EXAMPLES_PER_OPERATION = 30


@pytest.fixture
def api_app(app):
    from engine.store.uow import UnitOfWork
    with UnitOfWork(get_engine_of(app)) as u:
        create_user(u.session, "fuzz-official", "测试", ["official"], "fuzz-password-123")
        create_user(u.session, "fuzz-auditor", "测试", ["auditor"], "fuzz-password-123")
        app.config["FUZZ_TOKENS"] = [issue_token(u.session, "fuzz-official", "fuzz"),
                                     issue_token(u.session, "fuzz-auditor", "fuzz")]
        u.commit()
    return app


def test_no_generated_request_gets_a_server_error(api_app):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", api_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8          # the schema really lists the API (a broken one would pass)
    tokens = api_app.config["FUZZ_TOKENS"]
    failures = []

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def call(case):
            for token in tokens:
                response = case.call(headers={"Authorization": f"Bearer {token}"})
                if response.status_code >= 500 or "Traceback" in response.text:
                    failures.append((case.method, case.formatted_path, case.query, case.body,
                                     response.status_code, response.text[:300]))
        call()
    assert not failures, failures[:5]
