"""Schemathesis over the API's own OpenAPI document, every route with an admin key: whatever a client sends, no
5xx, and every answer matches the schema the document gives for it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from support import write_trade
from support_serving import client_for, open_host

from ordex.keys import create_key

SKIPPED = {("DELETE", "/v1/keys/{key_id}"),  # would revoke the key the fuzzing runs with
           ("POST", "/v1/retrain")}  # retrains models for minutes per call
EXAMPLES = 15  # per route: a few seconds each on two cores
# No 5xx; answers as the document says (status codes, content types, bodies, headers). A body the schema allows
# may still be refused with a 4xx (an empty message, a known but closed exception): that is no failure here.
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance, checks.response_headers_conformance]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    tmp = tmp_path_factory.mktemp("fuzz")
    host = open_host(tmp, write_trade(tmp / "md"))
    key = create_key(host.store, "admin", "fuzzer")
    yield client_for(host).app, key
    host.close()


@pytest.mark.slow
def test_no_request_gets_a_5xx_or_an_answer_outside_the_schema(fuzzed: tuple[Any, str]) -> None:
    app, key = fuzzed
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    tried = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None,
                  derandomize=True)  # the same examples on every run: CI fails on a regression, not on luck
        def call(case: schemathesis.Case) -> None:
            case.call_and_validate(headers={"authorization": f"Bearer {key}"}, checks=CHECKS)

        call()
        tried.append(f"{operation.method.upper()} {operation.path}")
    assert len(tried) >= 15, tried  # every route of the document but the skipped ones
