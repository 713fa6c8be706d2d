"""API tokens: the service, the /tokens routes and the page at /account/tokens."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from booking.db_types import utcnow
from booking.extensions import db
from booking.models import ApiToken, User, hash_secret
from booking.services import api_tokens
from tests.api import assert_invalid, bearer, issue_token, snapshot, world  # noqa: F401
from tests.conftest import PASSWORD

URL = "/api/v1/tokens"


def test_only_the_hash_of_a_token_is_stored(app, world):
    with app.app_context():
        token, secret = api_tokens.create_token(db.session.get(User, world.teacher), "sync")
        assert len(secret) >= 43  # 256 bits in URL-safe base64
        stored = db.session.scalars(sa.select(ApiToken.token_hash)).all()
        assert hash_secret(secret) in stored and secret not in stored
        assert token.expires_at - token.created_at == timedelta(days=30)


def test_expired_revoked_or_deactivated_tokens_authenticate_nobody(app, world):
    with app.app_context():
        user = db.session.get(User, world.teacher)
        now = utcnow()
        _token, secret = api_tokens.create_token(user, now=now - timedelta(days=31))
        assert api_tokens.authenticate(secret) is None
        token, secret = api_tokens.create_token(user)
        assert api_tokens.authenticate(secret) == user.id
        api_tokens.revoke_token(user, token.id)
        assert api_tokens.authenticate(secret) is None
        _token, secret = api_tokens.create_token(user)
        user.is_active_account = False
        db.session.commit()
        assert api_tokens.authenticate(secret) is None
        user.is_active_account = True
        user.organisation.is_active = False  # suspended: its people are not active
        db.session.commit()
        assert api_tokens.authenticate(secret) is None
        user.organisation.is_active = True
        db.session.commit()
        assert api_tokens.authenticate(secret) == user.id
        assert api_tokens.authenticate("") is None and api_tokens.authenticate("x" * 10_000) is None


def test_last_used_is_written_at_most_every_few_minutes(app, world):
    with app.app_context():
        user = db.session.get(User, world.teacher)
        token, secret = api_tokens.create_token(user)
        now = utcnow()
        api_tokens.authenticate(secret, now=now)
        api_tokens.authenticate(secret, now=now + timedelta(minutes=1))
        assert db.session.get(ApiToken, token.id).last_used_at == now


def test_sign_in_gives_a_working_token(client, world):
    response = client.post(URL, json={"email": "Teacher@School.example", "password": PASSWORD,
                                      "name": "timetable"})
    assert response.status_code == 201
    data = response.get_json()
    assert data["name"] == "timetable" and data["expires_at"] and data["token"]
    listed = client.get(URL, headers=bearer(data["token"])).get_json()["items"]
    assert data["id"] in [t["id"] for t in listed]
    assert all("token" not in t for t in listed), "a secret is never shown twice"


@pytest.mark.parametrize("body", [
    {"email": "teacher@school.example", "password": "wrong password"},
    {"email": "nobody@school.example", "password": PASSWORD}])
def test_wrong_credentials_are_401_and_store_nothing_but_the_audit_entry(client, app, world,
                                                                         body):
    before = snapshot(app)
    response = client.post(URL, json=body)
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"
    after = snapshot(app)
    entries_before, entries_after = before.pop("audit_entry"), after.pop("audit_entry")
    assert after == before
    [new] = entries_after[len(entries_before):]
    assert "'login.failed'" in new and repr(body["password"]) not in repr(new)


@pytest.mark.parametrize("body, field", [
    ({"email": "teacher@school.example"}, "password"),
    ({"email": 1, "password": PASSWORD}, "email"),
    ({"email": "teacher@school.example", "password": PASSWORD, "name": "x" * 101}, "name"),
    ({"email": "teacher@school.example", "password": PASSWORD, "scope": "all"}, "scope"),
    ([], "body")])
def test_malformed_sign_in_is_422(client, app, world, body, field):
    before = snapshot(app)
    response = client.post(URL, json=body)
    assert_invalid(response, field)
    assert snapshot(app) == before


def test_a_first_password_must_be_changed_before_a_token(client, app, world, make_user):
    make_user("new@school.example", world.school, must_change_password=True)
    before = snapshot(app)
    response = client.post(URL, json={"email": "new@school.example", "password": PASSWORD})
    assert response.status_code == 403
    assert snapshot(app) == before


def test_revoke_own_token_then_it_stops_working(client, app, world):
    secret = issue_token(app, world.teacher)
    mine = client.get(URL, headers=bearer(secret)).get_json()["items"]
    token_id = next(t["id"] for t in mine if t["id"] == max(x["id"] for x in mine))
    assert client.delete(f"{URL}/{token_id}", headers=bearer(secret)).status_code == 204
    response = client.get(URL, headers=bearer(secret))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert client.get(URL, headers=world.auth(world.teacher)).status_code == 200


def test_revoke_refusals_change_nothing(client, app, world):
    with app.app_context():
        others = db.session.scalar(sa.select(ApiToken.id).where(
            ApiToken.user_id == world.engineer))
    before = snapshot(app)
    assert client.delete(f"{URL}/{others}", headers=world.auth(world.teacher)).status_code == 404
    assert client.delete(f"{URL}/987654", headers=world.auth(world.teacher)).status_code == 404
    assert client.delete(f"{URL}/{others}").status_code == 401
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}?colour=red", headers=world.auth(world.teacher)).status_code == 422
    assert snapshot(app) == before


# The page at /account/tokens.
@pytest.fixture
def page_client(client):
    return client


def test_page_makes_lists_and_revokes_tokens(page_client, auth, app, world):
    auth.login("teacher@school.example")
    made = page_client.post("/account/tokens", data={"name": "hr-sync"})
    assert made.status_code == 200 and made.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="new-token"[^>]*value="([^"]+)"', made.text).group(1)
    assert page_client.get(URL, headers=bearer(secret)).status_code == 200
    page = page_client.get("/account/tokens").text
    assert "hr-sync" in page and secret not in page
    with app.app_context():
        token_id = db.session.scalar(sa.select(ApiToken.id).where(ApiToken.name == "hr-sync"))
    response = page_client.post(f"/account/tokens/{token_id}/revoke")
    assert response.headers["Location"].endswith("/account/tokens")
    assert page_client.get(URL, headers=bearer(secret)).status_code == 401
    assert "hr-sync" not in page_client.get("/account/tokens").text


def test_page_cannot_revoke_someone_elses_token(page_client, auth, app, world):
    with app.app_context():
        others = db.session.scalar(sa.select(ApiToken.id).where(
            ApiToken.user_id == world.engineer))
    auth.login("teacher@school.example")
    before = snapshot(app)
    assert page_client.post(f"/account/tokens/{others}/revoke").status_code == 404
    assert snapshot(app) == before


def test_page_needs_a_login(page_client, world):
    assert "/login" in page_client.get("/account/tokens").headers["Location"]
