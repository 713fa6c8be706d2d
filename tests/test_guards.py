"""JSON that no route can use is a 400 with a message on every route, never a 500."""

from __future__ import annotations

import pytest

from booking.limits import MAX_JSON_DEPTH
from tests.api import snapshot

ROUTES = [("get", "/health"), ("post", "/api/v1/bookings"), ("post", "/api/v1/tokens"),
          ("patch", "/api/v1/resources/1"), ("post", "/login"), ("get", "/")]


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("method, path", ROUTES)
@pytest.mark.parametrize("body, words", [
    (nested(300), "nested"),       # a few hundred levels: the NUL guard's recursion gave up
    (nested(100_000), "nested"),   # beyond the decoder's own stack
    ('{"title": "\\ud800"}', "Unicode"),        # a lone surrogate no database can store
    ('{"\\udfff": 1}', "Unicode"),              # in a key too
    (b'{"title": "\xed\xa0\x80"}', "Unicode"),  # an encoded surrogate in the raw bytes
])
def test_unusable_json_is_a_400_with_a_message(app, client, method, path, body, words):
    before = snapshot(app)
    response = getattr(client, method)(path, data=body, content_type="application/json")
    assert response.status_code == 400
    if path.startswith("/api/"):
        assert words in response.get_json()["message"]
    else:
        assert words in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_json_as_deep_as_allowed_still_reaches_the_route(client):
    response = client.post("/api/v1/tokens", data=nested(MAX_JSON_DEPTH),
                           content_type="application/json")
    assert response.status_code == 422  # the route's own answer: not an object
    too_deep = client.post("/api/v1/tokens", data=nested(MAX_JSON_DEPTH + 1),
                           content_type="application/json")
    assert too_deep.status_code == 400


def test_malformed_json_is_still_the_routes_own_422(client):
    response = client.post("/api/v1/tokens", data="{not json", content_type="application/json")
    assert response.status_code == 422
    assert "JSON object" in response.get_json()["fields"]["body"][0]
