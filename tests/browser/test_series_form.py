"""The series form in a browser: every date previewed, and only a book button that can work."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa

from booking.extensions import db
from booking.models import AvailabilityWindow, Booking, BookingStatus, Organisation, Resource, User
from tests.browser.pages import axe_violations, english_weekdays, expect, new_context, sign_in
from tests.browser.test_calendar_browser import SHANGHAI, next_monday
from tests.conftest import PASSWORD, password_hash

pytestmark = pytest.mark.browser


@pytest.fixture
def labs(browser_app) -> dict[str, int]:
    """A teacher; a lab open on weekdays, taken on the second Tuesday; a lab needing approval."""
    with browser_app.app_context():
        school = Organisation(name="Vocational School", kind="school")
        studio = Organisation(name="Haibin Animation Studio", kind="enterprise")
        teacher = User(email="teacher@school.org", name="Wang Fang", organisation=school,
                       password_hash=password_hash())
        hours = [AvailabilityWindow(weekday=d, start_time=time(9), end_time=time(18))
                 for d in range(5)]
        lab = Resource(organisation=studio, kind="facility", name="Lab", windows=hours)
        strict = Resource(organisation=studio, kind="facility", name="Studio",
                          approval_required=True,
                          windows=[AvailabilityWindow(weekday=w.weekday, start_time=w.start_time,
                                                      end_time=w.end_time) for w in hours])
        db.session.add_all([school, studio, teacher, lab, strict])
        db.session.flush()
        taken = datetime.combine(first_tuesday() + timedelta(weeks=1), time(14), SHANGHAI)
        db.session.add(Booking(resource=lab, user=teacher, organisation=school, start_at=taken,
                               end_at=taken + timedelta(hours=2), occupied_start_at=taken,
                               occupied_end_at=taken + timedelta(hours=2),
                               status=BookingStatus.CONFIRMED, title="Already there"))
        lab.longest_occupied_minutes = 120
        db.session.commit()
        return {"lab": lab.id, "studio": strict.id}


def first_tuesday():
    return next_monday() + timedelta(days=1)


def open_form(page, base: str, resource_id: int) -> None:
    start = f"{first_tuesday()}T14:00"
    end = f"{first_tuesday()}T16:00"
    page.goto(f"{base}/series/new?resource_id={resource_id}&start={start}&end={end}")
    page.fill("#count", "4")


def statuses(app, resource_id: int) -> list[BookingStatus]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Booking.status).where(
            Booking.resource_id == resource_id, Booking.title != "Already there")))


def test_preview_shows_left_out_and_refused_dates_and_books_only_the_free_ones(
        browser, browser_app, live_server, labs):
    context = new_context(browser)
    page = context.new_page()
    try:
        sign_in(page, live_server, "teacher@school.org", PASSWORD)
        open_form(page, live_server, labs["lab"])
        page.fill("#skip", str(first_tuesday() + timedelta(weeks=2)))
        page.get_by_role("button", name="Check the dates").click()
        rows = page.locator("table.series-preview tbody tr")
        expect(rows).to_have_count(4)  # the left-out date is shown too
        expect(page.locator("#preview-heading")).to_have_text("2 of 3 dates are free")
        expect(rows.nth(1)).to_contain_text("You have already booked")
        expect(rows.nth(2)).to_contain_text("Left out")
        expect(page.get_by_role("button", name=re.compile("^Book these"))).to_have_count(0)
        assert axe_violations(page) == []
        page.get_by_role("button", name="Book the 2 free dates").click()
        expect(page.locator(".alert-success")).to_contain_text(
            "Booked 2 dates. 1 date was left out.")
        assert statuses(browser_app, labs["lab"]) == [BookingStatus.CONFIRMED] * 2
    finally:
        context.close()


def test_no_book_button_when_no_date_is_free(browser, browser_app, live_server, labs):
    context = new_context(browser)
    page = context.new_page()
    try:
        sign_in(page, live_server, "teacher@school.org", PASSWORD)
        open_form(page, live_server, labs["lab"])
        page.fill("#start", f"{first_tuesday()}T19:00")  # after closing time, every week
        page.fill("#end", f"{first_tuesday()}T20:00")
        page.get_by_role("button", name="Check the dates").click()
        expect(page.locator("#preview-heading")).to_have_text("0 of 4 dates are free")
        expect(page.get_by_role("button", name=re.compile("^Book"))).to_have_count(0)
        expect(page.get_by_text("None of these dates can be booked")).to_be_visible()
    finally:
        context.close()


def test_a_series_needing_approval_says_it_is_requested_in_chinese_dates(
        browser, browser_app, live_server, labs):
    context = new_context(browser, locale="zh-CN")
    page = context.new_page()
    try:
        sign_in(page, live_server, "teacher@school.org", PASSWORD)
        open_form(page, live_server, labs["studio"])
        page.locator("button[value=preview]").click()
        expect(page.locator("table.series-preview tbody tr")).to_have_count(4)
        assert english_weekdays(page) == [] and axe_violations(page) == []
        page.locator("button[value=book]").click()
        expect(page.locator(".alert-success")).to_contain_text("Haibin Animation Studio")
        assert statuses(browser_app, labs["studio"]) == [BookingStatus.PENDING] * 4
        assert english_weekdays(page) == []
    finally:
        context.close()
