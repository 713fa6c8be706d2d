"""Password guessing: one count per address for the page and the API together, one per account."""

import subprocess
import sys
from pathlib import Path

import pytest
from werkzeug.security import generate_password_hash

from booking import create_app
from booking.extensions import APP_WIDE_LIMITS, db, limits_may_apply
from booking.models import Organisation, User
from tests.conftest import FAST_PASSWORD_HASH, PASSWORD


OWNER = "owner@example.org"


def _limited_app(folder, **config):
    """Limits on, memory counters, and one person to guess at."""
    folder.mkdir()
    app = create_app({"TESTING": True, "SECRET_KEY": "k", "WTF_CSRF_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'limits.sqlite'}",
                      "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
                      "PASSWORD_HASH_METHOD": FAST_PASSWORD_HASH, **config})
    with app.app_context():
        db.create_all()
        organisation = Organisation(name="School", kind="school")
        # A cheap hash: these tests send many guesses, and the limits, not scrypt, are tested.
        db.session.add(User(email=OWNER, name="Owner", organisation=organisation,
                            password_hash=generate_password_hash(PASSWORD, "pbkdf2:sha256:1")))
        db.session.commit()
    return app


@pytest.fixture
def limited_app(tmp_path):
    return _limited_app(tmp_path / "direct")


@pytest.fixture
def proxied_app(tmp_path):
    """Behind one trusted proxy, so each test request can come from its own address."""
    return _limited_app(tmp_path / "proxied", TRUSTED_PROXIES=1)


def test_login_is_throttled_after_ten_attempts_a_minute(limited_app):
    client = limited_app.test_client()
    answers = [client.post("/login", data={"email": OWNER, "password": "guess"})
               for _ in range(11)]
    assert [a.status_code for a in answers[:10]] == [200] * 10
    assert answers[10].status_code == 429 and b"Too many attempts" in answers[10].data
    assert client.get("/login").status_code == 200  # reading the page is not an attempt


def test_api_tokens_are_throttled_too_and_answer_json(limited_app):
    client = limited_app.test_client()
    body = {"email": OWNER, "password": "guess"}
    answers = [client.post("/api/v1/tokens", json=body) for _ in range(11)]
    assert {a.status_code for a in answers[:10]} == {401}
    assert answers[10].status_code == 429
    assert answers[10].get_json()["error"] == "too_many_requests"
    assert "Retry-After" in answers[10].headers


def _guesses(client, address: str, count: int) -> list[int]:
    return [client.post("/login", data={"email": OWNER, "password": "guess"},
                        headers={"X-Forwarded-For": address}).status_code
            for _ in range(count)]


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(limited_app, tmp_path):
    # Without TRUSTED_PROXIES the header is ignored: all guesses share the proxy's address.
    client = limited_app.test_client()
    assert _guesses(client, "203.0.113.1", 10) == [200] * 10
    assert _guesses(client, "203.0.113.2", 1) == [429]
    # Made only now: the limiter is one object, and each app made gives it fresh counters.
    client = _limited_app(tmp_path / "proxied", TRUSTED_PROXIES=1).test_client()
    assert _guesses(client, "203.0.113.1", 11)[-1] == 429
    assert _guesses(client, "203.0.113.2", 1) == [200]  # another client, its own count


# One count per client address for both ways in; one per account for guesses from anywhere.
def _page(client, address: str, password: str = "wrong guess", email: str = OWNER) -> int:
    return client.post("/login", data={"email": email, "password": password},
                       headers={"X-Forwarded-For": address}).status_code


def _api(client, address: str, password: str = "wrong guess", email: str = OWNER) -> int:
    return client.post("/api/v1/tokens", json={"email": email, "password": password},
                       headers={"X-Forwarded-For": address}).status_code


def test_the_page_and_the_api_share_one_count_per_address(proxied_app):
    client = proxied_app.test_client()
    answers = [_page(client, "203.0.113.9") for _ in range(5)]
    answers += [_api(client, "203.0.113.9") for _ in range(5)]
    assert answers == [200] * 5 + [401] * 5
    assert _page(client, "203.0.113.9") == 429 and _api(client, "203.0.113.9") == 429
    assert _page(client, "203.0.113.10") == 200  # another address has its own count


def test_guesses_at_one_account_from_many_addresses_are_limited(proxied_app):
    client = proxied_app.test_client()
    answers = [(_page if i % 2 else _api)(client, f"198.51.100.{i}") for i in range(20)]
    assert 429 not in answers
    assert _page(client, "198.51.100.200") == 429
    assert _api(client, "198.51.100.201", password=PASSWORD) == 429  # even the right one
    assert _page(client, "198.51.100.202", email="other@example.org") == 200


def test_the_owner_signs_in_from_a_known_browser_while_the_account_is_attacked(proxied_app):
    owner = proxied_app.test_client()
    assert _page(owner, "192.0.2.1", password=PASSWORD) in (302, 303)
    owner.post("/logout", headers={"X-Forwarded-For": "192.0.2.1"})
    attacker = proxied_app.test_client()
    for i in range(25):
        _page(attacker, f"198.51.100.{i}")
    assert _page(attacker, "198.51.100.99", password=PASSWORD) == 429
    # Another network (a phone), the same browser: the browser's cookie proves it knew the
    # password before, so the attack's count does not apply to it.
    assert _page(owner, "192.0.2.77", password=PASSWORD) in (302, 303)


def test_only_failed_guesses_count_against_the_account(proxied_app):
    client = proxied_app.test_client()
    for i in range(25):  # the owner signing in on many new browsers, from many places
        assert _page(proxied_app.test_client(), f"192.0.2.{i}", password=PASSWORD) in (302, 303)
    assert _page(client, "192.0.2.100", password=PASSWORD) in (302, 303)


@pytest.mark.parametrize("method, path, limited", [
    ("POST", "/login", True), ("POST", "/api/v1/tokens", True), ("GET", "/login", True),
    ("POST", "/api/v1/bookings", False), ("GET", "/calendar", False), ("GET", "/", False),
    ("GET", "/no-such-page", False), ("GET", "/health", False)])
def test_the_limiter_checks_only_views_a_limit_may_apply_to(limited_app, method, path,
                                                            limited):
    """Only the password views are limited; the limiter's lookup is skipped elsewhere,
    unless the configuration limits every view (then everything but /health and feeds)."""
    with limited_app.test_request_context(path, method=method):
        assert limits_may_apply() is limited
    for setting in APP_WIDE_LIMITS:
        limited_app.config[setting] = "100 per minute"
        with limited_app.test_request_context(path, method=method):
            assert limits_may_apply() is (path != "/health")
        del limited_app.config[setting]


def test_a_default_limit_an_operator_configures_limits_every_view(tmp_path):
    """End to end, in a process of its own: the limiter object is shared by every app of a
    process, and a default limit, once configured, stays on it."""
    script = f"""
from tests.test_rate_limits import _limited_app
from pathlib import Path
app = _limited_app(Path({str(tmp_path)!r}) / "app", RATELIMIT_DEFAULT="3 per minute")
client = app.test_client()
statuses = [client.get("/").status_code for _ in range(4)]
assert statuses == [200, 200, 200, 429], statuses
assert client.get("/health").status_code == 200
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=Path(__file__).parents[1], timeout=120)
    assert result.returncode == 0, result.stderr
