"""Security headers on every answer; over HTTPS, Secure cookies and HSTS."""

from __future__ import annotations

import re
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from booking import create_app
from booking.extensions import db
from tests.conftest import PASSWORD

EMAIL = "teacher@school.org"
TEMPLATES = Path(__file__).parents[1] / "templates"


@pytest.fixture
def teacher(make_user) -> int:
    return make_user(EMAIL)


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (p.split() for p in policy.split(";") if p.strip())
    return {p[0]: p[1:] for p in parts}


def _set_cookies(response) -> dict[str, str]:
    """Each cookie the answer sets: name -> its whole Set-Cookie line."""
    return {SimpleCookie(line).popitem()[0]: line
            for line in response.headers.getlist("Set-Cookie")}


def _secure(line: str) -> bool:
    return "secure" in [part.strip().lower() for part in line.split(";")]


@pytest.mark.parametrize("url", ["/login", "/api/v1/openapi.json", "/no-such-page"])
def test_every_answer_carries_the_security_headers(client, url):
    response = client.get(url)
    csp = _directives(response.headers["Content-Security-Policy"])
    assert not any("'unsafe-inline'" in values or "'unsafe-eval'" in values
                   for values in csp.values())
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert csp["default-src"] == ["'self'"] and csp["base-uri"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("no-referrer", "same-origin")
    assert response.headers["X-Frame-Options"] == "DENY"
    permissions = response.headers["Permissions-Policy"]
    assert all(f"{feature}=()" in permissions for feature in ("camera", "microphone",
                                                              "geolocation", "payment"))


def test_a_feed_never_sends_a_referrer(client, app, teacher):
    from booking.models import User
    from booking.services import feeds
    with app.app_context():
        _feed, token = feeds.create_feed(db.session.get(User, teacher), "me")
    assert client.get(f"/feeds/{token}.ics").headers["Referrer-Policy"] == "no-referrer"


def test_templates_hold_no_inline_script_or_style():
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template
        assert not re.search(r"<[a-zA-Z][^>]*\sstyle\s*=", text), template
        assert not re.search(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", text), template
        assert "<style" not in text, template  # page_styles() writes the only one


def test_pages_with_a_new_secret_are_not_stored(client, auth, teacher):
    auth.login(EMAIL)
    token_page = client.post("/account/tokens", data={"name": "sync"})
    feed_page = client.post("/feeds/", data={"scope": "me"})
    assert feed_page.status_code == 201 and "/feeds/" in feed_page.text
    for response in (token_page, feed_page):
        assert response.headers["Cache-Control"] == "no-store"


def test_over_plain_http_cookies_are_not_secure_and_there_is_no_hsts(client, teacher):
    response = client.post("/login", data={"email": EMAIL, "password": PASSWORD,
                                           "remember": "y"})
    cookies = _set_cookies(response)
    assert {"session", "remember_token"} <= set(cookies)
    assert not any(_secure(line) for line in cookies.values())
    assert "Strict-Transport-Security" not in response.headers


def _assert_https(response) -> None:
    cookies = _set_cookies(response)
    assert {"session", "remember_token"} <= set(cookies)
    assert all(_secure(line) for line in cookies.values()), cookies
    hsts = response.headers["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 180 * 24 * 3600


def test_over_https_every_cookie_is_secure_and_hsts_is_sent(client, teacher):
    response = client.post("/login", base_url="https://localhost",
                           data={"email": EMAIL, "password": PASSWORD, "remember": "y"})
    _assert_https(response)
    logout = client.post("/logout", base_url="https://localhost")
    assert all(_secure(line) for line in _set_cookies(logout).values())


def test_behind_a_trusted_https_proxy_too(database_url, teacher, app):
    proxied = create_app({**app.config, "TRUSTED_PROXIES": 1})
    client = proxied.test_client()
    response = client.post("/login", headers={"X-Forwarded-Proto": "https"},
                           data={"email": EMAIL, "password": PASSWORD, "remember": "y"})
    _assert_https(response)
    # Without a trusted proxy the header is the client's word, and proves nothing.
    plain = app.test_client().post("/login", headers={"X-Forwarded-Proto": "https"},
                                   data={"email": EMAIL, "password": PASSWORD, "remember": "y"})
    assert not any(_secure(line) for line in _set_cookies(plain).values())
    assert "Strict-Transport-Security" not in plain.headers
