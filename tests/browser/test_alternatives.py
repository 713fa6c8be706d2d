"""Alternatives that help (issue 14, item 5): every kind one click away, in Chromium."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from booking import demo
from booking.extensions import db
from booking.models import Booking, BookingSeries, Resource
from tests.browser.pages import axe_violations, expect, new_context, sign_in

pytestmark = pytest.mark.browser

TEACHER = "wang.fang@dmvs.demo"


@pytest.fixture
def demo_server(browser_app, live_server):
    """The demo: the booth is taken next Wednesday 10:00, the lab holds 20 of 24 seats on
    Tuesdays 14:00-16:00."""
    with browser_app.app_context():
        demo.load()
        named = {r.name: r for r in db.session.scalars(sa.select(Resource))}
        booth = named["Sound recording booth"]
        taken = db.session.scalar(sa.select(Booking).where(Booking.resource_id == booth.id))
        series = db.session.scalar(sa.select(BookingSeries))
        zone = ZoneInfo("Asia/Shanghai")
        wednesday = taken.start_at.astimezone(zone).date()
        tuesday = series.first_start_at.astimezone(zone).date()
        return live_server, booth.id, named["Post-production lab (24 seats)"].id, wednesday, \
            tuesday


def test_later_days_and_other_resources_are_one_click_away(browser, browser_app, demo_server):
    base, booth, _lab, wednesday, _tuesday = demo_server
    context = new_context(browser)
    page = context.new_page()
    try:
        sign_in(page, base, TEACHER, demo.PASSWORD)
        page.goto(f"{base}/bookings/new?resource_id={booth}"
                  f"&start={wednesday}T10:00&end={wednesday}T11:00")
        page.get_by_role("button", name="Book", exact=True).click()
        expect(page.get_by_role("alert")).to_contain_text("Already booked at")
        later = page.locator("#same-time-later button")
        expect(later).to_have_count(3)
        expect(later.first).to_contain_text("10:00–11:00")
        elsewhere = page.locator("#elsewhere button")
        expect(elsewhere.first).to_be_visible()
        expect(page.locator("#elsewhere")).not_to_contain_text("Sound recording booth")
        assert axe_violations(page) == []
        label = later.first.inner_text()
        later.first.click()
        expect(page.locator(".alert-success")).to_contain_text("Booked")
        expect(page.locator(".alert-success")).to_contain_text(label.removeprefix("Book ")[:6])
    finally:
        context.close()


def test_four_places_left_book_four(browser, browser_app, demo_server):
    base, _booth, lab, _wednesday, tuesday = demo_server
    context = new_context(browser)
    page = context.new_page()
    try:
        sign_in(page, base, TEACHER, demo.PASSWORD)
        page.goto(f"{base}/bookings/new?resource_id={lab}"
                  f"&start={tuesday}T14:00&end={tuesday}T16:00")
        page.fill("#quantity", "10")
        page.get_by_role("button", name="Book", exact=True).click()
        fewer = page.locator("#fewer-places")
        expect(fewer).to_contain_text("4 places left")
        assert axe_violations(page) == []
        fewer.get_by_role("button", name="Book 4 places?").click()
        expect(page.locator(".alert-success")).to_contain_text("Booked")
    finally:
        context.close()
    with browser_app.app_context():
        newest = db.session.scalar(sa.select(Booking).order_by(Booking.id.desc()))
        assert (newest.resource_id, newest.quantity) == (lab, 4)


def test_the_kinds_are_named_in_chinese(browser, demo_server):
    base, booth, _lab, wednesday, _tuesday = demo_server
    context = new_context(browser, locale="zh-CN")
    page = context.new_page()
    try:
        sign_in(page, base, TEACHER, demo.PASSWORD)
        page.goto(f"{base}/bookings/new?resource_id={booth}"
                  f"&start={wednesday}T10:00&end={wednesday}T11:00")
        page.locator("main form button[type=submit]").first.click()
        heading = page.locator("#later-heading")
        expect(heading).to_be_visible()
        assert not re.search(r"[A-Za-z]{4,}", heading.inner_text())
        assert not re.search(r"[A-Za-z]{4,}", page.locator("#elsewhere-heading").inner_text())
    finally:
        context.close()
