"""The OpenAPI description is valid, covers every route, and the app keeps to it."""

from __future__ import annotations

import os
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis import GenerationMode

from booking.api.openapi import description
from tests.api import local, next_weekday, world  # noqa: F401

# Ten per operation keeps the suite near half a minute; API_FUZZ_EXAMPLES=200 digs deeper.
MAX_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "10"))
# Data that matches the schema can still break a rule no JSON Schema can express (a date in
# year 1, an unknown IANA zone name, a minimum longer than the maximum, a NUL character that
# the app refuses in every request with 400), so 422 and 400 are acceptable answers to
# "valid" input; every other check runs as schemathesis ships it.
ACCEPTED_FOR_VALID_DATA = ["2xx", "400", "401", "403", "404", "409", "422"]


def config(token: str) -> schemathesis.Config:
    """Schemathesis settings: the token through the description's own bearer scheme.

    Passing it as a plain header instead would put it back on the cases that leave it out on
    purpose, and those would then be "invalid requests accepted".
    """
    return schemathesis.Config.from_dict({
        "auth": {"openapi": {"bearerAuth": {"bearer": token}}},
        "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED_FOR_VALID_DATA}},
    })


def test_description_is_valid_openapi_3_1(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    validate(spec)
    assert spec == description()


def test_every_route_is_described_and_nothing_else(app):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    described = {(path, method) for path, item in description()["paths"].items()
                 for method in item}
    assert routes == described


OPERATIONS = [(path, method) for path, item in description()["paths"].items()
              for method in item]


@pytest.fixture
def api_schema(app, world, make_booking):
    """The description loaded from the running app, over a small consortium."""
    day = next_weekday(1)
    make_booking(world.lab, world.teacher, local(day, "10:00"), local(day, "11:00"))
    make_booking(world.lab, world.engineer, local(day, "12:00"), local(day, "13:00"),
                 status="pending")
    admin_token = world.tokens[world.enterprise_admin]
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config(admin_token))


# schemathesis.pytest.from_fixture would be the usual way in, but schemathesis 4.32 reads
# pytest's private Function._nodeid, which pytest 9 removed; so each operation gets its
# own Hypothesis run here, with valid and invalid data alike.
@pytest.mark.parametrize("path, method", OPERATIONS)
def test_api_keeps_to_its_description(api_schema, path, method):
    """No 5xx; documented status codes, bodies and headers; as the enterprise's admin."""
    operation = api_schema[path][method.upper()]
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                      operation.as_strategy(GenerationMode.NEGATIVE))

    @given(case=cases)
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def keeps_to_description(case):
        case.call_and_validate()

    keeps_to_description()


def test_generated_requests_carry_the_token(api_schema):
    """The fuzzing above must reach the views, not stop at 401."""
    statuses = []

    @given(case=api_schema["/tokens"]["GET"].as_strategy(GenerationMode.POSITIVE))
    @settings(max_examples=3, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def call(case):
        statuses.append(case.call().status_code)

    call()
    assert set(statuses) == {200}
