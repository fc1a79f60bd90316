"""Schemathesis against the named-query API: whatever its OpenAPI document allows is answered.

Requests are generated from /api/openapi.json of the running server (valid and invalid
parameter values alike) and every answer must be no server error and conform to the
documented status codes, content types and response schemas. Each operation's strategy
drives hypothesis directly (schemathesis' pytest plugin does not run under pytest 9).
"""

from __future__ import annotations

import schemathesis
from hypothesis import given, settings

from tests.live_server import LiveServer
from tests.reliability.conftest import CLIENT_TIMEOUT_S, FUZZ_SETTINGS

EXAMPLES_PER_OPERATION = 6


def test_every_api_operation_keeps_its_contract(server: LiveServer) -> None:
    reply = server.request("GET", "/api/openapi.json")
    assert reply.status == 200, "the API has no OpenAPI document at /api/openapi.json"
    schema = schemathesis.openapi.from_url(
        f"{server.base_url}/api/openapi.json", timeout=CLIENT_TIMEOUT_S
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10, [operation.label for operation in operations]
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(FUZZ_SETTINGS, max_examples=EXAMPLES_PER_OPERATION)
        def keeps_its_contract(case: schemathesis.Case) -> None:
            case.call_and_validate(base_url=server.base_url, timeout=CLIENT_TIMEOUT_S)

        keeps_its_contract()
