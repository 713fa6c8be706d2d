"""A refusal offers what would help (issue 14, item 5), in the page's own words."""

from __future__ import annotations

import pytest

from tests.api import local, next_weekday, world  # noqa: F401

URL = "/api/v1/bookings"


@pytest.fixture
def tuesday():
    return next_weekday(1)


def _ask(client, world, resource, day, start, end, quantity=1):
    return client.post(URL, json={"resource_id": resource, "quantity": quantity,
                                  "start": local(day, start).isoformat(),
                                  "end": local(day, end).isoformat()},
                       headers=world.auth(world.teacher))


def test_the_same_time_on_later_days_and_on_other_resources_i_may_book(client, world, tuesday,
                                                                       make_booking):
    make_booking(world.lab, world.engineer, local(tuesday, "10:00"), local(tuesday, "11:00"))
    answer = _ask(client, world, world.lab, tuesday, "10:00", "11:00")
    assert answer.status_code == 409
    body = answer.get_json()
    later = [(i["start"][:10], i["start"][11:16]) for i in body["same_time_later"]]
    assert later[0][1] == "10:00" and later[0][0] > str(tuesday) and len(later) == 3
    # The Berlin lab is another facility open to all; the private studio is not shared.
    assert [e["name"] for e in body["elsewhere"]] == ["Berlin lab"]
    assert body["elsewhere"][0]["start"] == local(tuesday, "10:00").isoformat()
    assert body["places_left"] is None
    assert body["alternatives"]  # other hours, as before


def test_four_places_left_book_four(client, world, tuesday, make_resource, make_booking):
    hall = make_resource(world.enterprise, name="Training hall", capacity=20)
    make_booking(hall, world.engineer, local(tuesday, "09:00"), local(tuesday, "12:00"),
                 quantity=16)
    answer = _ask(client, world, hall, tuesday, "10:00", "11:00", quantity=10)
    assert answer.status_code == 409
    assert answer.get_json()["places_left"] == 4
    booked = _ask(client, world, hall, tuesday, "10:00", "11:00",
                  quantity=answer.get_json()["places_left"])
    assert booked.status_code == 201


def test_the_api_says_what_the_page_says_about_buffers(client, world, tuesday, make_resource,
                                                       make_booking):
    booth = make_resource(world.enterprise, name="Booth", buffer_before_minutes=15)
    make_booking(booth, world.engineer, local(tuesday, "11:00"), local(tuesday, "12:00"))
    answer = _ask(client, world, booth, tuesday, "10:00", "11:00")
    assert answer.status_code == 409
    message = answer.get_json()["reasons"][0]["message"]
    assert "11:00" in message and "10:45" not in message
    assert "15 minutes are kept free before each booking" in message
