"""Series have a place (issue 14, item 3): folded in My bookings, one card for the approver,
and messages that say what really happened."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from booking import demo
from booking.extensions import db
from booking.models import BookingSeries, BookingStatus, Resource
from tests.browser.pages import axe_violations, expect, new_context, sign_in

pytestmark = pytest.mark.browser

SHANGHAI = ZoneInfo("Asia/Shanghai")
TEACHER, OWNER = "wang.fang@dmvs.demo", "labs@haibin-animation.demo"


@pytest.fixture
def demo_server(browser_app, live_server):
    with browser_app.app_context():
        demo.load()
        studio = db.session.scalar(sa.select(Resource.id).where(
            Resource.name == "Motion-capture studio"))
    return live_server, studio


def _monday_in(weeks: int) -> str:
    today = datetime.now(SHANGHAI).date()
    return str(today + timedelta(days=(0 - today.weekday()) % 7 + 7 * weeks))


def _request_series(page, base: str, studio: int, count: int = 4) -> None:
    """The teacher asks for the studio on `count` Mondays through the series form."""
    page.goto(f"{base}/series/new?resource_id={studio}")
    page.fill("#start", f"{_monday_in(2)}T10:00")
    page.fill("#end", f"{_monday_in(2)}T12:00")
    page.fill("#title", "Game-art capture block")
    page.select_option("#freq", "weekly")
    page.fill("#count", str(count))
    page.locator("button[name=action][value=preview]").click()
    page.locator("button[name=action][value=book]").click()
    page.wait_for_url(re.compile(r"/series/\d+$"))


def test_a_requested_series_says_so_and_reaches_the_owner_as_one_card(browser, browser_app,
                                                                      demo_server):
    base, studio = demo_server
    context = new_context(browser)
    page = context.new_page()
    try:
        sign_in(page, base, TEACHER, demo.PASSWORD)
        _request_series(page, base, studio)
        message = page.locator(".alert-success")
        expect(message).to_contain_text("Requested 4 dates")
        expect(message).not_to_contain_text("Booked")

        page.goto(f"{base}/bookings/")
        rows = page.locator("main tbody tr")
        # The colour-grading series (8 dates) and the new one fold into one row each.
        expect(page.locator("tr.series-row")).to_have_count(2)
        expect(rows).to_have_count(3)  # two series and the single capture request
        capture = page.locator("tr.series-row", has_text="Game-art capture block")
        expect(capture).to_contain_text("Series of 4 dates")
        expect(capture).to_contain_text("4 awaiting approval")
        capture.locator("summary").click()
        dates = capture.locator(".series-dates a")
        expect(dates).to_have_count(4)
        assert all(re.search(r"/series/\d+#booking-\d+$", dates.nth(i).get_attribute("href"))
                   for i in range(4))
        assert axe_violations(page) == []
        page.get_by_role("button", name="Sign out").click()

        sign_in(page, base, OWNER, demo.PASSWORD)
        decide = page.locator("section", has=page.locator("#to-decide-heading"))
        card = decide.locator("article.series-request")
        expect(card).to_have_count(1)
        expect(card).to_contain_text("4 dates waiting")
        expect(card.get_by_role("link", name="Decide date by date")).to_be_visible()
        page.goto(f"{base}/bookings/requests")
        card = page.locator("article.series-request")
        expect(card).to_have_count(1)
        expect(page.locator("main article")).to_have_count(2)  # and the single capture request
        assert axe_violations(page) == []
        card.get_by_role("button", name="Approve all 4 dates").click()
        page.wait_for_url(re.compile(r"/bookings/requests$"))
        expect(page.locator(".alert-success")).to_contain_text("4 dates approved")
        expect(page.locator("article.series-request")).to_have_count(0)
    finally:
        context.close()
    with browser_app.app_context():
        series = db.session.scalar(sa.select(BookingSeries).where(
            BookingSeries.title == "Game-art capture block"))
        assert {b.status for b in series.bookings} == {BookingStatus.CONFIRMED}


def test_the_owner_decides_a_series_date_by_date(browser, browser_app, demo_server):
    base, studio = demo_server
    context = new_context(browser)
    page = context.new_page()
    try:
        sign_in(page, base, TEACHER, demo.PASSWORD)
        _request_series(page, base, studio, count=3)
        page.get_by_role("button", name="Sign out").click()
        sign_in(page, base, OWNER, demo.PASSWORD)
        page.goto(f"{base}/bookings/requests")
        page.get_by_role("link", name="Decide date by date").click()
        page.wait_for_url(re.compile(r"/series/\d+$"))
        page.locator("tbody tr").first.get_by_role("button", name=re.compile("^Approve")).click()
        expect(page.locator(".alert-success")).to_contain_text("Approved")
        expect(page.locator("tbody .badge", has_text="Confirmed")).to_have_count(1)
        expect(page.locator("tbody .badge", has_text="Pending")).to_have_count(2)
        # Every date leads back to its series.
        page.locator("tbody tr").nth(1).locator("td a").first.click()
        page.wait_for_url(re.compile(r"/bookings/\d+$"))
        page.locator("#series-link").click()
        page.wait_for_url(re.compile(r"/series/\d+#booking-\d+$"))
    finally:
        context.close()


def test_chinese_series_messages_count_what_happened(browser, browser_app, demo_server):
    base, studio = demo_server
    context = new_context(browser, locale="zh-CN")
    page = context.new_page()
    try:
        sign_in(page, base, TEACHER, demo.PASSWORD)
        _request_series(page, base, studio, count=2)
        expect(page.locator(".alert-success")).to_contain_text("2")
        assert "Requested" not in page.locator(".alert-success").inner_text()
        page.goto(f"{base}/bookings/")
        expect(page.locator("tr.series-row").first).to_contain_text("8")
    finally:
        context.close()
