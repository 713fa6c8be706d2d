"""Booking from the calendar in a real browser: click, book, clash, take an alternative."""

from __future__ import annotations

import os
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from booking.extensions import db
from booking.models import AvailabilityWindow, Booking, BookingStatus, Organisation, Resource, User
from tests.conftest import PASSWORD, password_hash

pytestmark = pytest.mark.browser

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Set CALENDAR_SCREENSHOTS=/some/dir to keep screenshots of the pages for a design review.
SCREENSHOTS = os.environ.get("CALENDAR_SCREENSHOTS", "")


def expect(locator):
    from playwright.sync_api import expect as playwright_expect
    return playwright_expect(locator)


def next_monday(weeks_ahead: int = 2) -> date:
    today = datetime.now(SHANGHAI).date()
    return today + timedelta(days=(7 - today.weekday()) % 7 + 7 * weeks_ahead)


@pytest.fixture
def lab(browser_app) -> int:
    """A teacher at a school, and a studio's lab open on weekdays 09:00-18:00."""
    with browser_app.app_context():
        school = Organisation(name="Vocational School", kind="school")
        studio = Organisation(name="Haibin Animation Studio", kind="enterprise")
        db.session.add_all([school, studio])
        db.session.add(User(email="teacher@school.org", name="Wang Fang", organisation=school,
                            password_hash=password_hash()))
        lab = Resource(organisation=studio, kind="facility", name="Motion-capture studio",
                       windows=[AvailabilityWindow(weekday=d, start_time=time(9),
                                                   end_time=time(18)) for d in range(5)])
        db.session.add(lab)
        db.session.commit()
        return lab.id


def sign_in(page, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", "teacher@school.org")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))


def shoot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"calendar-{name}.png"), full_page=True)


def bookings(app) -> list[tuple[datetime, datetime, str, BookingStatus]]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Booking).order_by(Booking.start_at))
        return [(b.start_at, b.end_at, b.title, b.status) for b in rows]


def test_book_a_free_time_then_recover_from_a_clash_with_an_alternative(
        page, live_server, browser_app, lab):
    sign_in(page, live_server)
    tuesday = next_monday() + timedelta(days=1)
    calendar = re.compile(rf"/resources/{lab}/calendar\?view=week&date={tuesday}$")
    page.goto(f"{live_server}/resources/{lab}/calendar?date={tuesday}")
    expect(page.get_by_role("heading", name="Motion-capture studio")).to_be_visible()
    shoot(page, "week-empty")

    # A click on Tuesday 14:00 opens the form with the resource, date and times filled in.
    page.locator(f'a[data-cal-free][data-start="{tuesday}T14:00"]').click()
    expect(page.locator("#start")).to_have_value(f"{tuesday}T14:00")
    expect(page.locator("#end")).to_have_value(f"{tuesday}T15:00")
    page.fill("#title", "Animation class")
    page.get_by_role("button", name="Book", exact=True).click()

    # Back on the same week, the booking is there, and its time is no longer offered.
    page.wait_for_url(calendar)
    block = page.locator(".cal-block", has_text="Animation class")
    expect(block).to_contain_text("14:00–15:00")
    expect(block).to_contain_text("Yours")
    expect(page.locator(f'a[data-cal-free][data-start="{tuesday}T14:00"]')).to_have_count(0)

    # Stretch a booking from 13:00 into the taken hour: refused, with reasons and alternatives.
    page.locator(f'a[data-cal-free][data-start="{tuesday}T13:00"]').click()
    page.fill("#end", f"{tuesday}T15:00")
    page.fill("#title", "Longer class")
    page.get_by_role("button", name="Book", exact=True).click()
    page.wait_for_url(calendar)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("You have already booked")
    alternatives = page.locator("button.alternative")
    expect(alternatives.first).to_be_visible()
    shoot(page, "refused")
    assert len(bookings(browser_app)) == 1

    # One click books the alternative, and the calendar shows it.
    alternatives.first.click()
    page.wait_for_url(calendar)
    expect(page.locator(".cal-block", has_text="Longer class")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
    made = {title: (start, end, status) for start, end, title, status in bookings(browser_app)}
    assert set(made) == {"Animation class", "Longer class"}
    first, second = made["Animation class"], made["Longer class"]
    assert second[1] - second[0] == timedelta(hours=2)
    assert second[1] <= first[0] or first[1] <= second[0]  # no overlap
    assert {first[2], second[2]} == {BookingStatus.CONFIRMED}
    shoot(page, "week-booked")


def test_keyboard_reaches_and_opens_a_free_time(page, live_server, lab):
    sign_in(page, live_server)
    monday = next_monday()
    page.goto(f"{live_server}/resources/{lab}/calendar?view=day&date={monday}")
    first = page.locator(f'a[data-cal-free][data-start="{monday}T09:00"]')
    first.focus()
    page.keyboard.press("ArrowDown")  # calendar.js: the next time in the column
    focused = page.evaluate("document.activeElement.dataset.start")
    assert focused == f"{monday}T09:30"
    page.keyboard.press("Enter")
    expect(page.locator("#start")).to_have_value(f"{monday}T09:30")


def test_phone_width_keeps_the_page_inside_the_screen(browser, live_server, lab):
    context = browser.new_context(viewport={"width": 375, "height": 800}, locale="en-GB",
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in(page, live_server)
        monday = next_monday()
        for url in (f"/resources/{lab}/calendar?date={monday}",
                    f"/resources/{lab}/calendar?view=month&date={monday}",
                    f"/calendar?date={monday}"):
            page.goto(live_server + url)
            # The grid scrolls sideways inside its box; the page itself never does.
            assert page.evaluate("document.documentElement.scrollWidth") <= 375, url
        page.goto(f"{live_server}/resources/{lab}/calendar?date={monday}")
        shoot(page, "week-phone")
        page.locator(f'a[data-cal-free][data-start="{monday}T10:00"]').tap()
        expect(page.locator("#start")).to_have_value(f"{monday}T10:00")
    finally:
        context.close()


def test_timeline_books_any_free_lab(page, live_server, lab):
    sign_in(page, live_server)
    tuesday = next_monday() + timedelta(days=1)
    page.goto(f"{live_server}/calendar?date={tuesday}")
    row = page.get_by_role("row", name=re.compile("Motion-capture studio"))
    expect(row).to_be_visible()
    shoot(page, "timeline")
    row.get_by_role("link", name=re.compile("from 15:00")).click()
    expect(page.locator("#start")).to_have_value(f"{tuesday}T15:00")
    expect(page.locator("#next")).to_have_value(re.compile(r"^/calendar\?view=day"))
