"""Property-based tests of the named-query API: schemathesis against /api/openapi.json.

Schemathesis reads the OpenAPI document, generates requests for every operation from its
parameter schemas (valid and invalid ones), sends them to the app in-process (WSGI) and
checks every answer: never a 5xx, and status code, media type, headers and body as the
document promises.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from server.config import Settings
from tests.http.publication import real_app

EXAMPLES = 12
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture(scope="module")
def app(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with real_app(built_settings, tmp_path_factory.mktemp("properties") / "store") as app:
        yield app


@pytest.fixture(scope="module")
def api_schema(app: Flask) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


QUERY_NAMES = sorted(path.stem for path in (Path(__file__).parents[2] / "queries").glob("*.rq"))


def test_the_operations_are_found() -> None:
    assert len(QUERY_NAMES) >= 28


# schemathesis's own pytest plugin does not run under pytest 9 (it sets a private node
# attribute), so each operation gets its own hypothesis test over the operation's strategies.
@pytest.mark.parametrize("name", QUERY_NAMES)
def test_every_operation_conforms_to_the_document(
    api_schema: schemathesis.BaseSchema, name: str
) -> None:
    operation = api_schema[f"/api/{name}"]["GET"]
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @given(case=cases)
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    def conforms(case: schemathesis.Case) -> None:
        case.call_and_validate(checks=CHECKS)

    conforms()
