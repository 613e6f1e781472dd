"""Property-based API tests generated from the service's own OpenAPI schema (schemathesis)."""

from __future__ import annotations

import schemathesis
from hypothesis import settings

from main import app

schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(max_examples=50, deadline=None)
def test_no_server_error_and_responses_match_the_schema(case):
    # Runs schemathesis's checks: no 5xx, status codes, content types and bodies as documented.
    case.call_and_validate()
