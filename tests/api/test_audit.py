"""GET /api/v1/audit: the audit trail for programs, paged like every list."""

from __future__ import annotations

from booking.api.openapi import description
from tests.api import assert_invalid, bearer, local, next_weekday, world  # noqa: F401
from tests.conftest import PASSWORD

URL = "/api/v1/audit"


def _book(client, world, who) -> int:
    day = next_weekday(1)
    answer = client.post("/api/v1/bookings", headers=world.auth(who), json={
        "resource_id": world.lab, "start": local(day, "10:00").isoformat(),
        "end": local(day, "11:00").isoformat()})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["id"]


def test_members_are_refused_with_403(client, world):
    answer = client.get(URL, headers=world.auth(world.teacher))
    assert answer.status_code == 403 and answer.get_json()["error"]
    assert client.get(URL).status_code == 401


def test_an_entry_has_the_documented_shape(client, world):
    booking_id = _book(client, world, world.teacher)
    answer = client.get(URL, headers=world.auth(world.enterprise_admin))
    assert answer.status_code == 200
    data = answer.get_json()
    assert data["next"] is None
    entry = next(e for e in data["items"] if e["action"] == "booking.created")
    assert set(entry) >= {"at", "actor", "action", "object", "organisation_id", "details"}
    assert entry["actor"] == {"id": world.teacher, "email": "teacher@school.example"}
    assert entry["object"] == {"type": "booking", "id": booking_id}
    assert entry["organisation_id"] == world.enterprise
    assert entry["other_organisation_id"] == world.school
    assert entry["at"].endswith("+00:00")
    assert entry["details"]["after"]["status"] == "confirmed"


def test_org_admins_see_their_organisations_entries_only(client, world):
    _book(client, world, world.engineer)  # the enterprise's own booking on its own lab
    client.post("/api/v1/tokens", json={"email": "engineer@media.example", "password": "nope"})
    school = client.get(URL, headers=world.auth(world.school_admin)).get_json()["items"]
    enterprise = client.get(URL, headers=world.auth(world.enterprise_admin)).get_json()["items"]
    # The world's tokens were made for each person: each organisation sees its own.
    assert {e["organisation_id"] for e in school} == {world.school}
    assert {e["organisation_id"] for e in enterprise} == {world.enterprise}
    assert {"booking.created", "login.failed"} <= {e["action"] for e in enterprise}
    assert not {"booking.created", "login.failed"} & {e["action"] for e in school}


def test_a_failed_token_request_is_recorded_though_it_is_refused(client, world):
    answer = client.post("/api/v1/tokens", json={"email": "teacher@school.example",
                                                 "password": "wrong-wrong-wrong"})
    assert answer.status_code == 401
    items = client.get(URL + "?action=login.failed",
                       headers=world.auth(world.school_admin)).get_json()["items"]
    assert [(e["actor"], e["object"], e["details"]) for e in items] == [
        ({"id": None, "email": "teacher@school.example"},
         {"type": "person", "id": world.teacher}, {"reason": "wrong_password"})]


def test_paged_like_other_lists(client, world):
    for _ in range(3):
        client.post("/api/v1/tokens", json={"email": "teacher@school.example",
                                            "password": PASSWORD})
    first = client.get(URL + "?limit=2", headers=world.auth(world.school_admin)).get_json()
    assert len(first["items"]) == 2 and first["next"]
    second = client.get(first["next"], headers=world.auth(world.school_admin)).get_json()
    assert second["items"] and not {e["at"] for e in second["items"]} & {
        e["at"] for e in first["items"]}


def test_filters_and_their_errors(client, world):
    booking_id = _book(client, world, world.teacher)
    auth = world.auth(world.enterprise_admin)
    items = client.get(f"{URL}?object_type=booking&object_id={booking_id}",
                       headers=auth).get_json()["items"]
    assert [e["action"] for e in items] == ["booking.created"]
    items = client.get(f"{URL}?actor_id={world.teacher}&action=booking.created",
                       headers=auth).get_json()["items"]
    assert len(items) == 1
    assert_invalid(client.get(URL + "?object_type=planet", headers=auth), "object_type")
    assert_invalid(client.get(URL + "?object_id=3", headers=auth), "object_type")
    assert_invalid(client.get(URL + "?start=yesterday", headers=auth), "start")
    assert_invalid(client.get(URL + "?colour=red", headers=auth), "colour")


def test_described_in_openapi():
    operation = description()["paths"]["/audit"]["get"]
    assert {"200", "403", "422"} <= set(operation["responses"])
    assert "AuditEntry" in description()["components"]["schemas"]
