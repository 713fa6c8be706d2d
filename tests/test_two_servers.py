"""Two gunicorn servers on one PostgreSQL and one Redis behave as one site.

The guessing limit counts across both (and across their workers), and signing out on one
ends the session on the other.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import requests
from werkzeug.security import generate_password_hash

from booking import create_app
from booking.extensions import db
from booking.models import Organisation, User
from tests.conftest import PASSWORD

REDIS_URL = "redis://127.0.0.1:6379/0"
ROOT = Path(__file__).parents[1]
EMAIL = "two.servers@example.org"


def _launch(config: dict) -> subprocess.Popen:
    """A gunicorn with two workers on a free port, the app loaded once before they fork."""
    command = [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", "--workers", "2",
               "--preload", "--log-level", "info", "--no-control-socket",
               f"booking:create_app({config!r})"]
    # A process group of its own, so the master and its workers can be stopped together.
    return subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _address(server: subprocess.Popen) -> str:
    """The base URL the server announces once it listens."""
    for line in server.stderr:
        if found := re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", line):
            return found.group(1)
    raise RuntimeError(f"gunicorn did not start: exit code {server.wait()}")


def _wait_until_serving(url: str) -> None:
    for _ in range(50):
        try:
            if requests.get(f"{url}/login", timeout=10).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} never answered")


@pytest.fixture(scope="module")
def servers(postgres_url) -> Iterator[tuple[str, str]]:
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"REQUIRE_REDIS=1 but Redis is not running at {REDIS_URL}")
        pytest.skip(f"Redis is not running at {REDIS_URL} (.ci/run starts one)")
    prefix = f"booking-test-{uuid.uuid4().hex}"
    config = {"SECRET_KEY": "two-servers", "SQLALCHEMY_DATABASE_URI": postgres_url,
              "RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix,
              "TRUSTED_PROXIES": 1}
    _add_person(postgres_url)
    started = [_launch(config) for _ in range(2)]
    try:
        urls = [_address(server) for server in started]
        for url in urls:
            _wait_until_serving(url)
        yield urls[0], urls[1]
    finally:
        for server in started:
            # Nothing to save: a graceful stop only costs seconds (gunicorn waits on workers).
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)
            server.stderr.close()
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"*{prefix}*"):
            client.delete(key)


def _add_person(url: str) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        if db.session.query(User).filter_by(email=EMAIL).first() is None:
            # A cheap hash: the guesses below test the limit, not scrypt's speed.
            db.session.add(User(email=EMAIL, name="Two Servers",
                                organisation=Organisation(name=f"Org {uuid.uuid4().hex}",
                                                          kind="school"),
                                password_hash=generate_password_hash(PASSWORD,
                                                                     "pbkdf2:sha256:1")))
            db.session.commit()
        db.engine.dispose()


class Browser:
    """A requests session that looks like a browser at one client address."""

    def __init__(self, address: str) -> None:
        self.http = requests.Session()
        self.http.headers["X-Forwarded-For"] = address

    def csrf(self, url: str) -> str:
        page = self.http.get(url, timeout=10).text
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    def sign_in(self, base: str, password: str = PASSWORD, remember: bool = False) -> int:
        data = {"csrf_token": self.csrf(f"{base}/login"), "email": EMAIL, "password": password}
        if remember:
            data["remember"] = "y"
        return self.http.post(f"{base}/login", data=data, allow_redirects=False,
                              timeout=10).status_code

    def post(self, base: str, path: str, page: str = "/account") -> int:
        data = {"csrf_token": self.csrf(f"{base}{page}")}
        return self.http.post(f"{base}{path}", data=data, allow_redirects=False,
                              timeout=10).status_code

    def signed_in(self, base: str) -> bool:
        return self.http.get(f"{base}/account", allow_redirects=False,
                             timeout=10).status_code == 200


def _api_guess(base: str, address: str) -> int:
    return requests.post(f"{base}/api/v1/tokens", json={"email": EMAIL, "password": "guess"},
                         headers={"X-Forwarded-For": address}, timeout=10).status_code


@pytest.mark.slow
def test_guessing_limit_holds_across_both_servers(servers):
    first, second = servers
    guesser = Browser("203.0.113.5")
    answers = [guesser.sign_in(first, password="guess") for _ in range(5)]
    answers += [_api_guess(second, "203.0.113.5") for _ in range(5)]
    assert answers == [200] * 5 + [401] * 5
    assert guesser.sign_in(second, password="guess") == 429
    assert _api_guess(first, "203.0.113.5") == 429


@pytest.mark.slow
def test_logout_on_one_server_ends_the_session_on_the_other(servers):
    first, second = servers
    browser = Browser("203.0.113.6")
    assert browser.sign_in(first, remember=True) == 302
    thief = Browser("198.51.100.6")
    thief.http.cookies.update(browser.http.cookies)
    assert thief.signed_in(second)
    assert browser.post(first, "/logout") == 302
    assert not thief.signed_in(second) and not browser.signed_in(second)


@pytest.mark.slow
def test_sign_out_everywhere_on_one_server_ends_sessions_on_both(servers):
    first, second = servers
    laptop, phone = Browser("203.0.113.7"), Browser("203.0.113.8")
    assert laptop.sign_in(first) == 302 and phone.sign_in(second, remember=True) == 302
    remembered = Browser("198.51.100.8")
    remembered.http.cookies.set("remember_token", phone.http.cookies["remember_token"])
    assert remembered.signed_in(first)
    assert laptop.post(first, "/account/sign-out-everywhere") == 302
    assert not any(b.signed_in(s) for b in (laptop, phone, remembered) for s in servers)
