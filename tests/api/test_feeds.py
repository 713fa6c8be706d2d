"""GET/POST /feeds and DELETE /feeds/<id>."""

from __future__ import annotations

import pytest

from tests.api import assert_invalid, snapshot, world  # noqa: F401

URL = "/api/v1/feeds"


def test_make_list_and_revoke_a_feed(client, world):
    auth = world.auth(world.teacher)
    response = client.post(URL, json={"scope": "resource", "resource_id": world.lab},
                           headers=auth)
    assert response.status_code == 201, response.get_json()
    feed = response.get_json()
    assert feed["scope"] == "resource" and feed["resource_id"] == world.lab
    assert feed["url"].startswith("http://localhost:5000/feeds/") and feed["url"].endswith(".ics")
    assert client.get(feed["url"]).status_code == 200, "the URL works without logging in"
    listed = client.get(URL, headers=auth).get_json()["items"]
    assert [f["id"] for f in listed] == [feed["id"]] and "url" not in listed[0]
    assert client.delete(f"{URL}/{feed['id']}", headers=auth).status_code == 204
    assert client.get(feed["url"]).status_code == 404
    assert client.get(URL, headers=auth).get_json()["items"] == []


def test_a_personal_feed_needs_no_resource(client, world):
    response = client.post(URL, json={"scope": "me"}, headers=world.auth(world.teacher))
    assert response.status_code == 201 and response.get_json()["resource_id"] is None


@pytest.mark.parametrize("body, field", [
    ({}, "scope"), ({"scope": "everything"}, "scope"), ({"scope": "resource"}, "resource_id"),
    ({"scope": "me", "resource_id": 1}, "resource_id"),
    ({"scope": "resource", "resource_id": "lab"}, "resource_id"),
    ({"scope": "me", "colour": "red"}, "colour")])
def test_malformed_feed_requests_are_422(client, app, world, body, field):
    before = snapshot(app)
    response = client.post(URL, json=body, headers=world.auth(world.teacher))
    assert_invalid(response, field)
    assert snapshot(app) == before


def test_another_organisations_private_resource_gets_no_feed(client, app, world):
    """The resource is not the caller's to see: refused like an unknown one, nothing made."""
    before = snapshot(app)
    response = client.post(URL, json={"scope": "resource", "resource_id": world.private_lab},
                           headers=world.auth(world.teacher))
    assert_invalid(response, "resource_id")
    assert snapshot(app) == before


def test_feed_refusals_change_nothing(client, app, world):
    others = client.post(URL, json={"scope": "me"},
                         headers=world.auth(world.engineer)).get_json()["id"]
    before = snapshot(app)
    assert client.delete(f"{URL}/{others}", headers=world.auth(world.teacher)).status_code == 404
    assert client.delete(f"{URL}/424242", headers=world.auth(world.teacher)).status_code == 404
    assert client.delete(f"{URL}/{others}").status_code == 401
    assert client.post(URL, json={"scope": "me"}).status_code == 401
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}?all=1", headers=world.auth(world.teacher)).status_code == 422
    assert snapshot(app) == before
