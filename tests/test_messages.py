"""Refusals in words: the other booking's own times, the buffer named, "your request"."""

from __future__ import annotations

from dataclasses import replace
from datetime import time, timedelta

import pytest

from booking import create_app, scheduling
from booking.messages import Refused, describe
from booking.scheduling import BookingRules, Clash, Interval, Occupancy, WeeklyWindow
from tests.test_calendar_grid import SHANGHAI, local

NOW = local(SHANGHAI, 2027, 3, 1, 8)
BOOTH = BookingRules(windows=[WeeklyWindow(d, time(9), time(18)) for d in range(5)],
                     buffer_before_minutes=15)


@pytest.fixture(scope="module")
def english():
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def refusal(requested: Interval, booked: Interval, **clash) -> str:
    occupied = BOOTH.occupied(booked)
    reasons = scheduling.check_booking(BOOTH, requested, now=NOW,
                                       occupying=[Occupancy(occupied, 1, 7)])
    (conflict,) = [r for r in reasons if r.code == scheduling.CONFLICT]
    seen = replace(conflict, clashes=(Clash(7, booked, **clash),))
    return describe(seen, "Asia/Shanghai", Refused(requested, 15, 0))


def test_a_clash_made_only_by_the_buffer_shows_the_booking_own_times_and_names_the_buffer(english):
    booked = Interval(local(SHANGHAI, 2027, 3, 2, 10), local(SHANGHAI, 2027, 3, 2, 11))
    said = refusal(Interval(booked.start - timedelta(hours=1), booked.start), booked)
    assert "10:00–11:00" in said and "09:45" not in said
    assert "15 minutes are kept free before each booking." in said


def test_an_overlap_shows_the_booking_own_times_without_naming_the_buffer(english):
    booked = Interval(local(SHANGHAI, 2027, 3, 2, 10), local(SHANGHAI, 2027, 3, 2, 11))
    said = refusal(Interval(booked.start + timedelta(minutes=30), booked.end + timedelta(hours=1)),
                   booked)
    assert said == "Already booked at Mar 2, 2027 10:00–11:00."


def test_my_own_pending_request_is_called_my_request(english):
    booked = Interval(local(SHANGHAI, 2027, 3, 2, 10), local(SHANGHAI, 2027, 3, 2, 11))
    said = refusal(booked, booked, mine=True, pending=True)
    assert said.startswith("Your own request at Mar 2, 2027 10:00–11:00, still awaiting approval")
    assert "Already booked" not in said


def test_without_context_the_old_sentence_stays(english):
    reason = scheduling.Reason(scheduling.CONFLICT, (Interval(NOW, NOW + timedelta(hours=1)),))
    assert describe(reason, "Asia/Shanghai") == "Already booked at Mar 1, 2027 08:00–09:00."
