"""Every page works under the Content-Security-Policy, and none raises a violation."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from booking.extensions import db
from booking.models import (AvailabilityWindow, Booking, BookingStatus, Organisation, Resource,
                            Role, User)
from tests.conftest import PASSWORD, password_hash

pytestmark = pytest.mark.browser

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Collected in the page itself: Playwright's init script runs before any of the page's own.
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") +
                              " " + (e.sourceFile || "") + ":" + (e.lineNumber || ""));
});
"""


def _monday(weeks_ahead: int = 2) -> date:
    today = datetime.now(SHANGHAI).date()
    return today + timedelta(days=(7 - today.weekday()) % 7 + 7 * weeks_ahead)


@pytest.fixture
def consortium(browser_app) -> dict:
    """An org admin of a studio with a booked lab; a teacher who booked it."""
    with browser_app.app_context():
        studio = Organisation(name="Haibin Animation Studio", kind="enterprise")
        school = Organisation(name="Vocational School", kind="school")
        admin = User(email="labs@studio.org", name="Lab Admin", organisation=studio,
                     role=Role.PLATFORM_ADMIN, password_hash=password_hash())
        teacher = User(email="teacher@school.org", name="Wang Fang", organisation=school,
                       password_hash=password_hash())
        lab = Resource(organisation=studio, kind="facility", name="Motion-capture studio",
                       capacity=2, windows=[AvailabilityWindow(weekday=d, start_time=time(9),
                                                               end_time=time(18))
                                            for d in range(5)])
        start = datetime.combine(_monday(), time(10), SHANGHAI).astimezone(timezone.utc)
        booking = Booking(resource=lab, user=teacher, organisation=school, title="Rehearsal",
                          start_at=start, end_at=start + timedelta(hours=2),
                          occupied_start_at=start, occupied_end_at=start + timedelta(hours=2),
                          quantity=1, exclusive=False, status=BookingStatus.PENDING)
        db.session.add_all([studio, school, admin, teacher, lab, booking])
        db.session.commit()
        return {"lab": lab.id, "booking": booking.id, "org": studio.id}


def _watch(page) -> list[str]:
    page.add_init_script(WATCH_VIOLATIONS)
    console = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text
            or "Content-Security-Policy" in m.text else None)
    return console


def _sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))


def _visit(page, url: str, console: list[str]) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    assert "default-src 'self'" in response.headers["content-security-policy"], url
    page.wait_for_load_state("load")
    violations = page.evaluate("window.__cspViolations")
    assert violations == [] and console == [], (url, violations, console)


@pytest.mark.slow
def test_no_page_raises_a_csp_violation(page, live_server, consortium):
    console = _watch(page)
    _visit(page, f"{live_server}/login", console)
    _sign_in(page, live_server, "labs@studio.org")
    monday, lab = _monday(), consortium["lab"]
    for path in ("/", "/resources/", f"/resources/{lab}",
                 f"/resources/{lab}/calendar?view=week&date={monday}",
                 f"/resources/{lab}/calendar?view=day&date={monday}",
                 f"/resources/{lab}/calendar?view=month&date={monday}",
                 f"/calendar?date={monday}", f"/calendar?view=week&date={monday}",
                 "/calendar/mine", f"/bookings/new?resource_id={lab}", "/bookings/",
                 "/bookings/requests", f"/bookings/{consortium['booking']}", "/account",
                 "/account/password", "/account/tokens", "/feeds/", "/admin/organisation",
                 "/admin/organisations", f"/resources/{lab}/edit"):
        _visit(page, f"{live_server}{path}", console)


def test_the_calendar_is_laid_out_by_its_nonced_styles(page, live_server, consortium):
    console = _watch(page)
    _sign_in(page, live_server, "teacher@school.org")
    _visit(page, f"{live_server}/resources/{consortium['lab']}/calendar?view=day"
                 f"&date={_monday()}", console)
    ten = page.locator(".cal-block").first.bounding_box()
    later = page.locator('a[data-cal-free][data-start$="T15:00"]').bounding_box()
    # 10:00-12:00 sits above 15:00, and is about twice as tall as a one-hour row.
    assert ten["y"] + ten["height"] <= later["y"] and ten["height"] > 60


def test_the_timeline_is_laid_out_by_its_nonced_styles(page, live_server, consortium):
    console = _watch(page)
    _sign_in(page, live_server, "teacher@school.org")
    _visit(page, f"{live_server}/calendar?view=day&date={_monday()}", console)
    # One place of two taken 10:00-12:00: two hour cells with a half-full gauge, each
    # underlined across its whole width as the teacher's own.
    cells = page.locator("td.tl-cell", has=page.locator(".tl-piece.is-own-line"))
    assert cells.count() == 2
    for i in range(2):
        cell = cells.nth(i).bounding_box()
        line = cells.nth(i).locator(".tl-piece.is-own-line").bounding_box()
        gauge = cells.nth(i).locator(".tl-piece.is-usage").bounding_box()
        assert line["width"] == pytest.approx(cell["width"], rel=0.05)
        assert gauge["height"] == pytest.approx(cell["height"] / 2, rel=0.1)


def test_the_copy_button_of_a_new_subscription_works(page, live_server, consortium):
    console = _watch(page)
    _sign_in(page, live_server, "teacher@school.org")
    _visit(page, f"{live_server}/feeds/", console)
    page.locator("button[name=scope][value=me]").click()
    copy = page.locator("button[data-copy]").first
    copy.wait_for(state="visible")  # hidden until the script, now a file, shows it
    assert page.evaluate("window.__cspViolations") == [] and console == []
