"""The OpenAPI document validates, and a property-based run finds no 5xx and no schema drift."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from liuyanban.api.models import ApiToken
from liuyanban.core.models import RateCounter
from liuyanban.wsgi import application


def test_openapi_document_is_valid(client: Any) -> None:
    document = client.get("/api/v1/openapi.json").json()
    # openapi-spec-validator is not installed: schemathesis loads and resolves every operation.
    loaded = schemathesis.openapi.from_dict(document)
    # An operation that does not resolve is an Err, whose .ok() raises and fails the test.
    operations = [r.ok() for r in loaded.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 35
    paths = document["paths"]
    assert "/api/v1/messages/{tracking_number}/reply-final" in paths
    assert "/api/v1/exports/messages.csv" in paths


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
POSTS = {
    "/api/v1/messages",
    "/api/v1/messages/{tracking_number}/approve",
    "/api/v1/messages/{tracking_number}/reject",
    "/api/v1/messages/{tracking_number}/accept",
    "/api/v1/messages/{tracking_number}/evaluate",
}


def _fuzz(operation: Any, secret: str, examples: int) -> None:
    """Generate cases for one operation; every answer must be < 500 and match the schema."""

    @given(case=operation.as_strategy())
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        RateCounter.objects.all().delete()  # the throttle would answer 429 to a long run
        # Only what a client must be able to rely on: no 5xx, declared statuses, schemas, types.
        # (Business validation may refuse schema-valid data, and public reads need no auth.)
        case.call_and_validate(headers={"Authorization": f"Bearer {secret}"}, checks=CHECKS)

    run()


@pytest.fixture
def keep_test_connection() -> Iterator[None]:
    """Calling the WSGI app directly would close the test's database connection after each
    request (Django's test client disconnects the same handlers for the same reason)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_property_based_run(world: Any, keep_test_connection: None) -> None:
    """GETs and a few POSTs (8 examples each) through the WSGI app: no 5xx, no drift."""
    world.message_in("published")
    _, secret = ApiToken.issue(user=world.olga, name="fuzz")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    tried = 0
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]
        if operation.method.upper() == "GET" or operation.path in POSTS:
            _fuzz(operation, secret, 8)
            tried += 1
    assert tried >= 15
