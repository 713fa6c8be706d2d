"""The calendar's toolbar focus and the drag-to-select it says it has."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.browser.pages import expect
from tests.browser.test_calendar_browser import lab, next_monday, sign_in  # noqa: F401

pytestmark = pytest.mark.browser


def style(locator, prop: str) -> str:
    return locator.evaluate(f"el => getComputedStyle(el).getPropertyValue('{prop}')")


def test_toolbar_focus_is_not_mistaken_for_the_selected_view(page, live_server, lab):  # noqa: F811
    sign_in(page, live_server)
    page.goto(f"{live_server}/resources/{lab}/calendar?date={next_monday()}")
    views = page.get_by_role("navigation", name="View")
    selected, other = views.get_by_role("link", name="Week"), views.get_by_role("link",
                                                                               name="Month")
    selected.focus()
    page.keyboard.press("Tab")  # keyboard focus: :focus-visible
    assert page.evaluate("document.activeElement.textContent.trim()") == "Month"
    assert style(other, "background-color") != style(selected, "background-color")
    assert style(other, "outline-style") != "none"
    expect(selected).to_have_attribute("aria-current", "page")


def test_the_page_says_drag_selects_and_dragging_books_the_whole_stretch(page, live_server,
                                                                          lab):  # noqa: F811
    sign_in(page, live_server)
    tuesday = next_monday() + timedelta(days=1)
    page.goto(f"{live_server}/resources/{lab}/calendar?date={tuesday}")
    expect(page.get_by_text("drag over the free times of one day")).to_be_visible()
    first = page.locator(f'a[data-cal-free][data-start="{tuesday}T10:00"]').bounding_box()
    last = page.locator(f'a[data-cal-free][data-start="{tuesday}T11:30"]').bounding_box()
    page.mouse.move(first["x"] + 5, first["y"] + 5)
    page.mouse.down()
    page.mouse.move(last["x"] + 5, last["y"] + 5, steps=5)
    page.mouse.up()
    page.wait_for_url(re.compile(r"/bookings/new"))
    expect(page.locator("#start")).to_have_value(f"{tuesday}T10:00")
    expect(page.locator("#end")).to_have_value(f"{tuesday}T12:00")
