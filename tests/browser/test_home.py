"""The start page after signing in, per role: each thing one click from acting on it."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from booking import demo
from booking.extensions import db
from booking.models import Booking, BookingStatus, Resource
from tests.browser.pages import expect, new_context, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_server(browser_app, live_server):
    with browser_app.app_context():
        demo.load()
    return live_server


def capture_request(app) -> Booking:
    with app.app_context():
        return db.session.scalar(sa.select(Booking).join(Booking.resource).where(
            Resource.name == "Motion-capture studio"))


def test_owner_approves_from_home_and_the_teacher_sees_it_coming(browser, browser_app,
                                                                 demo_server):
    context = new_context(browser)
    page = context.new_page()
    try:
        sign_in(page, demo_server, "wang.fang@dmvs.demo", demo.PASSWORD)
        waiting = page.locator("section", has=page.locator("#pending-heading"))
        expect(waiting).to_contain_text("Motion-capture studio")
        expect(waiting).to_contain_text("Haibin Animation Studio decides")
        series = page.locator("section", has=page.locator("#series-heading"))
        expect(series).to_contain_text("Colour grading class, year 2")
        expect(series).to_contain_text("8 dates to come")
        coming = page.locator("section", has=page.locator("#coming-heading"))
        expect(coming.locator("li")).to_have_count(5)
        expect(coming).to_contain_text("All my bookings (8 coming)")
        expect(page.locator("#to-decide-heading")).to_have_count(0)  # a member decides nothing
        page.get_by_role("button", name="Sign out").click()

        sign_in(page, demo_server, "labs@haibin-animation.demo", demo.PASSWORD)
        decide = page.locator("section", has=page.locator("#to-decide-heading"))
        expect(decide).to_contain_text("Capture session for the game-art class")
        decide.get_by_role("button", name="Approve").click()
        page.wait_for_url(re.compile(r"/$"))
        expect(page.locator(".alert-success")).to_contain_text("Approved")
        expect(decide).to_contain_text("Nothing is waiting for a decision.")
        assert capture_request(browser_app).status is BookingStatus.CONFIRMED
        page.get_by_role("button", name="Sign out").click()

        sign_in(page, demo_server, "wang.fang@dmvs.demo", demo.PASSWORD)
        expect(page.locator("section", has=page.locator("#pending-heading"))).to_contain_text(
            "nothing of yours waits")
        expect(coming).to_contain_text("All my bookings (9 coming)")
    finally:
        context.close()


def test_withdrawing_a_request_is_one_click_from_home(browser, browser_app, demo_server):
    context = new_context(browser)
    page = context.new_page()
    try:
        sign_in(page, demo_server, "wang.fang@dmvs.demo", demo.PASSWORD)
        page.get_by_role("link", name=re.compile("^Withdraw")).click()
        page.locator("main button[type=submit]").click()
        expect(page.locator(".alert-success")).to_contain_text("cancelled")
        assert capture_request(browser_app).status is BookingStatus.CANCELLED
    finally:
        context.close()


def test_the_chair_decides_for_every_organisation_and_anonymous_sees_the_welcome(
        browser, demo_server):
    context = new_context(browser)
    page = context.new_page()
    try:
        page.goto(demo_server)
        expect(page.get_by_role("heading", level=1)).to_have_text("Share what the consortium owns")
        sign_in(page, demo_server, "admin@neusoft.demo", demo.PASSWORD)
        expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Chen Jing")
        expect(page.locator("section", has=page.locator("#to-decide-heading"))).to_contain_text(
            "Motion-capture studio")
    finally:
        context.close()
