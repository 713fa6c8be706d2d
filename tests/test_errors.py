"""The one error path answers every request, also one whose URLs cannot be built."""

from __future__ import annotations

import pytest

ROUTES = [("get", "/"), ("get", "/health"), ("get", "/login"), ("post", "/login"),
          ("get", "/resources/"), ("get", "/no-such-page"), ("get", "/api/v1/resources"),
          ("post", "/api/v1/tokens"), ("get", "/api/v1/no-such-thing")]


@pytest.mark.parametrize("method, path", ROUTES)
@pytest.mark.parametrize("host", ["a..b", "h" * 300, "l" * 64 + ".example.org"])
def test_a_host_header_werkzeug_refuses_is_a_plain_400(client, method, path, host):
    """The HTML error page built links without a URL adapter: a 500 on every route."""
    response = getattr(client, method)(path, headers={"Host": host})
    assert response.status_code == 400
    if path.startswith("/api/"):
        assert response.get_json()["error"] == "bad_request"
    else:
        assert response.mimetype == "text/plain"
        assert "Bad Request" in response.get_data(as_text=True)
    assert host not in response.get_data(as_text=True)  # the client's text is not echoed


def test_a_usual_host_still_gets_the_html_error_page(client):
    response = client.get("/no-such-page", headers={"Host": "booking.example.org"})
    assert response.status_code == 404 and response.mimetype == "text/html"
