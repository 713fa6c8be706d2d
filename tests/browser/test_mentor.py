"""The mentor is a person (issue 14, item 2): Li Wei's own pages, feed and hours, in Chromium."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from urllib.request import urlopen
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from booking import demo
from booking.extensions import db
from booking.models import Booking, BookingStatus, Resource, User
from booking.services import bookings, feeds
from booking.services.bookings import BookingRequest
from tests.browser.pages import axe_violations, expect, new_context, sign_in

pytestmark = pytest.mark.browser

SHANGHAI = ZoneInfo("Asia/Shanghai")
LI_WEI = "li.wei@haibin-animation.demo"


@pytest.fixture
def booked_mentor(browser_app, live_server):
    """The demo, and Wang Fang's portfolio review in Li Wei's slot a fortnight ahead."""
    with browser_app.app_context():
        demo.load()
        mentor = db.session.scalar(sa.select(Resource).where(Resource.name.like("Mentor:%")))
        teacher = db.session.scalar(sa.select(User).where(User.email == "wang.fang@dmvs.demo"))
        today = datetime.now(SHANGHAI).date()
        wednesday = today + timedelta(days=(2 - today.weekday()) % 7 + 14)
        start = datetime.combine(wednesday, time(14), tzinfo=SHANGHAI)
        booking = bookings.create_booking(teacher, BookingRequest(
            mentor.id, start, start + timedelta(minutes=30), title="Portfolio review"))
        return live_server, mentor.id, booking.id, wednesday


def _status(app, booking_id: int) -> BookingStatus:
    with app.app_context():
        return db.session.get(Booking, booking_id).status


def test_li_wei_sees_who_booked_his_time_everywhere_and_cancels(browser, browser_app,
                                                                 booked_mentor):
    base, mentor, booking, wednesday = booked_mentor
    context = new_context(browser)
    page = context.new_page()
    try:
        sign_in(page, base, LI_WEI, demo.PASSWORD)
        booked_me = page.locator("#booked-me")
        expect(booked_me).to_contain_text("Who booked your time")
        expect(booked_me).to_contain_text("Wang Fang")
        expect(booked_me).to_contain_text("Portfolio review")
        assert axe_violations(page) == []

        page.goto(f"{base}/bookings/")
        table = page.locator("main table")
        expect(table).to_contain_text("Portfolio review")
        expect(table).to_contain_text("Booked by")
        expect(table).to_contain_text("Wang Fang")

        page.goto(f"{base}/calendar/mine?date={wednesday}")
        expect(page.locator("main")).to_contain_text("Mentor: Li Wei")

        page.goto(f"{base}/")
        page.locator("#booked-me").get_by_role("link", name=re.compile("^Cancel")).click()
        page.locator("main button[type=submit]").click()
        expect(page.locator(".alert-success")).to_contain_text("cancelled")
        assert _status(browser_app, booking) is BookingStatus.CANCELLED
    finally:
        context.close()


def test_li_wei_keeps_his_hours_and_closures_but_not_the_other_rules(browser, browser_app,
                                                                      booked_mentor):
    base, mentor, _booking, wednesday = booked_mentor
    context = new_context(browser)
    page = context.new_page()
    try:
        sign_in(page, base, LI_WEI, demo.PASSWORD)
        page.goto(f"{base}/resources/{mentor}")
        expect(page.locator("#resource-person")).to_contain_text("Li Wei")
        expect(page.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
        page.get_by_role("link", name="Set your hours and closures").click()
        page.wait_for_url(f"**/resources/{mentor}/hours")  # axe on the new page, not mid-way
        assert axe_violations(page) == []
        # Hours that would strand Wang Fang's review are refused with the booking named.
        page.fill("#windows", "Thu 09:00-11:00")
        page.locator("main button[type=submit]").click()
        expect(page.locator("#breaches")).to_contain_text("1 booking")
        page.fill("#windows", "Wed 14:00-18:00\nFri 09:00-11:00")
        page.fill("#closures-0-start", f"{wednesday + timedelta(days=7)}T00:00")
        page.fill("#closures-0-end", f"{wednesday + timedelta(days=8)}T00:00")
        page.fill("#closures-0-reason", "Conference")
        page.locator("main button[type=submit]").click()
        expect(page.locator(".alert-success")).to_contain_text("Your hours are saved")
        expect(page.locator("main")).to_contain_text("14:00–18:00")
        expect(page.locator("main")).to_contain_text("Conference")
        assert page.goto(f"{base}/resources/{mentor}/edit").status == 403
    finally:
        context.close()
    with browser_app.app_context():
        resource = db.session.get(Resource, mentor)
        assert [(w.weekday, w.end_time) for w in resource.windows] == [(2, time(18)),
                                                                        (4, time(11))]
        assert resource.notice_minutes == 120 and resource.slot_minutes == 30


def test_li_wei_s_feed_carries_the_bookings_of_his_time(browser_app, booked_mentor):
    base, _mentor, _booking, _wednesday = booked_mentor
    with browser_app.app_context():
        li_wei = db.session.scalar(sa.select(User).where(User.email == LI_WEI))
        _feed, token = feeds.create_feed(li_wei, "me")
    with urlopen(f"{base}/feeds/{token}.ics") as answer:
        text = answer.read().decode()
    assert "Portfolio review" in text
    assert "Voice-over for a training film" in text  # and what he booked himself


def test_the_owner_names_the_person_on_the_resource_page_in_chinese(browser, browser_app,
                                                                     booked_mentor):
    base, mentor, _booking, _wednesday = booked_mentor
    context = new_context(browser, locale="zh-CN")
    page = context.new_page()
    try:
        sign_in(page, base, "labs@haibin-animation.demo", demo.PASSWORD)
        page.goto(f"{base}/resources/{mentor}/edit")
        person = page.locator("#person_id")
        expect(person.locator("option:checked")).to_have_text("Li Wei")
        person.select_option(label="无")
        page.locator("main button[type=submit]").click()
        expect(page.locator(".alert-success")).to_be_visible()
        expect(page.locator("#resource-person")).to_have_count(0)
        assert axe_violations(page) == []
    finally:
        context.close()
    with browser_app.app_context():
        assert db.session.get(Resource, mentor).person_id is None
