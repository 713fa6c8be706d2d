"""Availability in a browser: notice labels in month view and timeline, refusal wording."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest

from booking.extensions import db
from booking.models import AvailabilityWindow, Booking, BookingStatus, Organisation, Resource, User
from tests.browser.pages import axe_violations, expect, new_context, sign_in
from tests.browser.test_calendar_browser import SHANGHAI, next_monday
from tests.conftest import PASSWORD, password_hash

pytestmark = pytest.mark.browser


@pytest.fixture
def booth(browser_app) -> dict:
    """A booth open every day 10-18 with 15 minutes' set-up and three days' notice,
    booked by another school 10:00-11:00 on a Tuesday."""
    with browser_app.app_context():
        school = Organisation(name="Vocational School", kind="school")
        other = Organisation(name="Other School", kind="school")
        studio = Organisation(name="Lianhai Digital Media", kind="enterprise")
        teacher = User(email="teacher@school.org", name="Wang Fang", organisation=school,
                       password_hash=password_hash())
        someone = User(email="x@other.org", name="Liu", organisation=other,
                       password_hash=password_hash())
        booth = Resource(organisation=studio, kind="facility", name="Sound booth",
                         buffer_before_minutes=15, notice_minutes=3 * 24 * 60,
                         windows=[AvailabilityWindow(weekday=d, start_time=time(10),
                                                     end_time=time(18)) for d in range(7)])
        db.session.add_all([school, other, studio, teacher, someone, booth])
        tuesday = next_monday() + timedelta(days=1)
        start = datetime.combine(tuesday, time(10), SHANGHAI)
        db.session.add(Booking(resource=booth, user=someone, organisation=other, start_at=start,
                               end_at=start + timedelta(hours=1),
                               occupied_start_at=start - timedelta(minutes=15),
                               occupied_end_at=start + timedelta(hours=1),
                               status=BookingStatus.CONFIRMED, title="Private"))
        booth.longest_occupied_minutes = 75
        db.session.commit()
        return {"id": booth.id, "tuesday": tuesday}


@pytest.mark.parametrize("locale, bookable_from, fully", [
    ("en-GB", "Bookable from", "Fully booked"), ("zh-CN", "可预约", "已约满")])
def test_days_inside_the_notice_period_say_when_they_become_bookable(
        browser, live_server, booth, locale, bookable_from, fully):
    context = new_context(browser, locale=locale)
    page = context.new_page()
    try:
        sign_in(page, live_server, "teacher@school.org", PASSWORD)
        today = datetime.now(SHANGHAI).date()
        page.goto(f"{live_server}/resources/{booth['id']}/calendar?view=month&date={today}")
        cell = page.locator("td.is-today")
        expect(cell).to_contain_text(bookable_from)
        expect(cell).not_to_contain_text(fully)
        assert axe_violations(page) == []
        page.goto(f"{live_server}/calendar?date={today + timedelta(days=1)}")
        row = page.get_by_role("row", name=re.compile("Sound booth"))
        expect(row.locator(".visually-hidden", has_text=bookable_from).first).to_be_attached()
    finally:
        context.close()


def test_a_refusal_shows_the_other_booking_own_times_and_names_the_buffer(
        browser, live_server, booth):
    context = new_context(browser)
    page = context.new_page()
    try:
        sign_in(page, live_server, "teacher@school.org", PASSWORD)
        day = booth["tuesday"]
        page.goto(f"{live_server}/bookings/new?resource_id={booth['id']}"
                  f"&start={day}T09:00&end={day}T10:00")
        page.get_by_role("button", name="Book", exact=True).click()
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text("Already booked at")
        expect(alert).to_contain_text("10:00–11:00")
        expect(alert).to_contain_text("15 minutes are kept free before each booking.")
        expect(alert).not_to_contain_text("09:45")
        expect(alert).not_to_contain_text("Private")
        assert axe_violations(page) == []
    finally:
        context.close()
