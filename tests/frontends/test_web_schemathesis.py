"""Property-based API tests from the OpenAPI schema (schemathesis): no input gives a server error.

Kept small (a few dozen examples per endpoint) so the whole suite stays fast on 2 cores.
"""

from __future__ import annotations

import warnings

import pytest

pytest.importorskip("fastapi")
schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from costcurve.web.app import create_app  # noqa: E402

schema = schemathesis.openapi.from_asgi("/api/openapi.json", create_app())


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_errors(case):
    response = case.call_and_validate(checks=[not_a_server_error])
    assert response.status_code < 500
    assert "Traceback" not in response.text
