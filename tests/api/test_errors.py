"""What every API route shares: JSON errors, bearer-only auth, no CSRF, bounded ids."""

from __future__ import annotations

import pytest

from booking import create_app
from tests.api import local, next_weekday, snapshot, world  # noqa: F401
from tests.conftest import _test_config


@pytest.mark.parametrize("method, url, status", [
    ("GET", "/api/v1/nothing-here", 404), ("GET", "/api/v2/bookings", 404),
    ("PUT", "/api/v1/bookings", 405), ("DELETE", "/api/v1/resources/1", 405),
    ("GET", "/api/v1/bookings/abc", 404), ("GET", "/api/v1/bookings/-1", 404)])
def test_routing_errors_answer_json(client, world, method, url, status):
    response = client.open(url, method=method, headers=world.auth(world.teacher))
    assert response.status_code == status
    assert response.is_json and set(response.get_json()) >= {"error", "message"}


def test_a_browser_session_does_not_open_the_api(client, auth, world):
    auth.login("teacher@school.example")
    response = client.get("/api/v1/bookings")
    assert response.status_code == 401 and response.is_json


def test_the_api_needs_no_csrf_token(database_url, world, app):
    """With CSRF switched on, the pages want a token; the API (bearer only) does not."""
    protected = create_app(_test_config(database_url, WTF_CSRF_ENABLED=True))
    client = protected.test_client()
    day = next_weekday(4)
    body = {"resource_id": world.lab, "start": local(day, "09:00").isoformat(),
            "end": local(day, "10:00").isoformat()}
    response = client.post("/api/v1/bookings", json=body, headers=world.auth(world.teacher))
    assert response.status_code == 201, response.get_json()
    assert client.post("/logout").status_code == 400, "the pages still check CSRF"
    with protected.app_context():
        from booking.extensions import db
        db.engine.dispose()


def test_bearer_scheme_is_case_insensitive_and_other_schemes_fail(client, world):
    secret = world.tokens[world.teacher]
    assert client.get("/api/v1/bookings",
                      headers={"Authorization": f"bearer {secret}"}).status_code == 200
    for header in (f"Token {secret}", secret, "Bearer", "Bearer  ", f"Bearer {secret}x"):
        response = client.get("/api/v1/bookings", headers={"Authorization": header})
        assert response.status_code == 401, header


def test_oversized_body_is_refused_without_a_trace(client, app, world):
    before = snapshot(app)
    response = client.post("/api/v1/bookings", data=b"{" + b" " * (5 * 1024 * 1024) + b"}",
                           content_type="application/json", headers=world.auth(world.teacher))
    assert response.status_code == 413 and response.is_json
    assert snapshot(app) == before


def test_nul_characters_are_refused_with_json(client, app, world):
    before = snapshot(app)
    body = {"resource_id": world.lab, "start": "2031-01-01T10:00+08:00",
            "end": "2031-01-01T11:00+08:00", "title": "a\x00b"}
    response = client.post("/api/v1/bookings", json=body, headers=world.auth(world.teacher))
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request"
    assert snapshot(app) == before
