"""Password guessing is throttled per client address, on the pages and in the API."""

import pytest

from booking import create_app
from booking.extensions import db
from tests.conftest import _test_config


@pytest.fixture
def limited_app(tmp_path):
    app = create_app(_test_config(f"sqlite:///{tmp_path / 'limits.sqlite'}",
                                  RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://"))
    with app.app_context():
        db.create_all()
    return app


def test_login_is_throttled_after_ten_attempts_a_minute(limited_app):
    client = limited_app.test_client()
    answers = [client.post("/login", data={"email": "x@example.org", "password": "guess"})
               for _ in range(11)]
    assert [a.status_code for a in answers[:10]] == [200] * 10
    assert answers[10].status_code == 429 and b"Too many attempts" in answers[10].data
    assert client.get("/login").status_code == 200  # reading the page is not an attempt


def test_api_tokens_are_throttled_too_and_answer_json(limited_app):
    client = limited_app.test_client()
    body = {"email": "x@example.org", "password": "guess"}
    answers = [client.post("/api/v1/tokens", json=body) for _ in range(11)]
    assert {a.status_code for a in answers[:10]} == {401}
    assert answers[10].status_code == 429
    assert answers[10].get_json()["error"] == "too_many_requests"
    assert "Retry-After" in answers[10].headers


def _guesses(client, address: str, count: int) -> list[int]:
    return [client.post("/login", data={"email": "x@example.org", "password": "guess"},
                        headers={"X-Forwarded-For": address}).status_code
            for _ in range(count)]


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(limited_app, tmp_path):
    # Without TRUSTED_PROXIES the header is ignored: all guesses share the proxy's address.
    client = limited_app.test_client()
    assert _guesses(client, "203.0.113.1", 10) == [200] * 10
    assert _guesses(client, "203.0.113.2", 1) == [429]
    behind_proxy = create_app(_test_config(f"sqlite:///{tmp_path / 'p.sqlite'}",
                                           RATELIMIT_ENABLED=True,
                                           RATELIMIT_STORAGE_URI="memory://", TRUSTED_PROXIES=1))
    with behind_proxy.app_context():
        db.create_all()
    client = behind_proxy.test_client()
    assert _guesses(client, "203.0.113.1", 11)[-1] == 429
    assert _guesses(client, "203.0.113.2", 1) == [200]  # another client, its own count
