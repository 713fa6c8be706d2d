"""Secrets outlive nothing they should not: a password change and a deactivation end them."""

from __future__ import annotations

from booking.extensions import db
from booking.models import User
from booking.services import feeds
from tests.api import bearer, issue_token, world  # noqa: F401
from tests.conftest import PASSWORD

URL = "/api/v1/tokens"
NEW_PASSWORD = "bamboo kite harbour"


def _feed_url(app, user_id: int) -> str:
    with app.app_context():
        _feed, token = feeds.create_feed(db.session.get(User, user_id), "me")
        return f"/feeds/{token}.ics"


def _works(client, secret: str) -> bool:
    return client.get(URL, headers=bearer(secret)).status_code == 200


def test_a_password_change_on_the_page_ends_api_tokens_but_not_feeds(app, client, auth, world):
    secret, feed = issue_token(app, world.teacher), _feed_url(app, world.teacher)
    auth.login("teacher@school.example")
    page = client.get("/account/password").text
    assert "API tokens stop working" in page and "subscription" in page
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code in (302, 303)
    assert not _works(client, secret) and not _works(client, world.tokens[world.teacher])
    assert _works(client, world.tokens[world.engineer])  # nobody else's
    assert client.get(feed).status_code == 200  # calendars keep working...
    # ...and the next page says so and offers new addresses.
    landing = client.get(response.headers["Location"])
    assert "new address" in landing.text and "/feeds/" in response.headers["Location"]
    fresh = client.post(URL, json={"email": "teacher@school.example", "password": NEW_PASSWORD})
    assert fresh.status_code == 201 and _works(client, fresh.get_json()["token"])


def test_deactivation_ends_tokens_and_feeds_for_good(app, client, auth, world):
    secret, feed = issue_token(app, world.teacher), _feed_url(app, world.teacher)
    auth.login("admin@school.example")
    client.post(f"/admin/members/{world.teacher}/deactivate")
    assert not _works(client, secret) and client.get(feed).status_code == 404
    client.post(f"/admin/members/{world.teacher}/activate")
    assert not _works(client, secret) and client.get(feed).status_code == 404
    with app.app_context():
        teacher = db.session.get(User, world.teacher)
        assert teacher.is_active and feeds.list_feeds(teacher) == []
