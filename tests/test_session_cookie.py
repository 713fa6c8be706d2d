"""The session cookie a process remembers (extensions.LazySessionInterface) is still checked:
its age on every request, its exact string and keys, and every request gets its own copy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask, session

from booking.extensions import LazySessionInterface


@pytest.fixture
def little_app() -> Flask:
    app = Flask(__name__)
    app.secret_key = "first key"
    app.permanent_session_lifetime = timedelta(seconds=100)
    app.session_interface = LazySessionInterface()

    @app.get("/set/<value>")
    def set_value(value: str):
        session["value"] = value
        return "ok"

    @app.get("/read")
    def read():
        return session.get("value", "-")

    @app.get("/change")
    def change():
        seen = session.get("value", "-")
        session["value"] = "changed"
        return seen

    return app


class Clock:
    def __init__(self, monkeypatch) -> None:
        self.now = 1_900_000_000.0
        monkeypatch.setattr("time.time", lambda: self.now)


def cookie_of(app: Flask, value: str) -> str:
    client = app.test_client()
    client.get(f"/set/{value}")
    return client.get_cookie("session").value


def read(app: Flask, cookie: str, path: str = "/read") -> str:
    client = app.test_client()
    client.set_cookie("session", cookie)
    return client.get(path).get_data(as_text=True)


def test_a_remembered_cookie_still_expires(little_app, monkeypatch):
    clock = Clock(monkeypatch)
    cookie = cookie_of(little_app, "a")
    assert read(little_app, cookie) == read(little_app, cookie) == "a"  # remembered
    clock.now += 100
    assert read(little_app, cookie) == "a"
    clock.now += 1
    assert read(little_app, cookie) == "-"
    clock.now -= 300  # signed in the future
    assert read(little_app, cookie) == "-"


def test_each_request_gets_its_own_copy(little_app):
    cookie = cookie_of(little_app, "a")
    assert read(little_app, cookie, "/change") == "a"
    assert read(little_app, cookie, "/change") == "a"  # the old cookie, the old session
    assert read(little_app, cookie) == "a"


def test_only_the_exact_cookie_under_the_same_key_is_remembered(little_app):
    cookie = cookie_of(little_app, "a")
    assert read(little_app, cookie) == "a"
    payload, _sep, signature = cookie.rpartition(".")
    forged = f"{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    assert read(little_app, forged) == "-"
    little_app.secret_key = "second key"
    assert read(little_app, cookie) == "-"
