"""Phone and tablet widths, with and without JavaScript: the status column stays, calendar
grids start on the first screen, the menu opens."""

from __future__ import annotations

import re

import pytest

from booking import demo
from tests.browser.pages import axe_violations, expect, new_context, sign_in
from tests.browser.test_every_page import demo_site  # noqa: F401  (the shared demo server)

pytestmark = pytest.mark.browser

SCREENS = {375: 667, 768: 1024}  # width: height


@pytest.fixture(params=[(w, js) for w in SCREENS for js in (True, False)],
                ids=lambda p: f"{p[0]}px-{'js' if p[1] else 'nojs'}")
def phone(request, browser, demo_site):  # noqa: F811
    width, javascript = request.param
    context = new_context(browser, width=width, height=SCREENS[width], javascript=javascript,
                          has_touch=True, is_mobile=width < 768)
    page = context.new_page()
    sign_in(page, demo_site.base, "wang.fang@dmvs.demo", demo.PASSWORD)
    yield page, width, javascript
    context.close()


GRIDS = [("/resources/{lab}/calendar?date={day}", ".cal-scroll"),
         ("/resources/{lab}/calendar?view=month&date={day}", ".cal-month"),
         ("/calendar?date={day}", ".tl-scroll"), ("/calendar/mine?date={day}", ".cal-scroll")]


def test_status_column_grids_on_the_first_screen_and_a_menu_that_opens(phone,
                                                                       demo_site):  # noqa: F811
    page, width, javascript = phone
    problems = []
    page.goto(f"{demo_site.base}/bookings/")
    box = page.get_by_role("columnheader", name="Status").bounding_box()
    assert box and box["x"] + box["width"] <= width, "My bookings cuts the Status column"
    assert page.evaluate("document.querySelector('.table-responsive').scrollWidth"
                         " <= document.querySelector('.table-responsive').clientWidth")
    expect(page.locator(".booking-table tbody tr").first.locator(".badge")).to_be_in_viewport()
    if javascript:
        problems += axe_violations(page)

    for path, grid in GRIDS:
        page.goto(demo_site.base + path.format(lab=demo_site.lab, day=demo_site.tuesday))
        top = page.locator(grid).bounding_box()["y"]
        if top > 0.6 * SCREENS[width]:
            problems.append(f"{path}: the grid starts {top:.0f} px down")
        if page.evaluate("document.documentElement.scrollWidth") > width:
            problems.append(f"{path}: the page scrolls sideways")
        if javascript:
            problems += [f"{path}: {v}" for v in axe_violations(page)]
    assert not problems, "\n".join(problems)

    menu_link = page.locator("#main-nav").get_by_role("link", name="My bookings")
    expect(menu_link).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    expect(menu_link).to_be_visible()
    menu_link.click()
    page.wait_for_url(re.compile(r"/bookings/$"))
