"""Every page, as every role sees it, in English and Chinese: axe-core finds nothing, and
Chinese pages name no weekday in English."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa

from booking import demo
from booking.extensions import db
from booking.models import Booking, BookingSeries, Organisation, Resource, User
from booking.timezones import to_zone
from tests.browser.conftest import dispose, make_browser_app, serving
from tests.browser.pages import axe_violations, english_weekdays, new_context, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PEOPLE = ("Sun Hui",)  # demo people whose names contain a weekday abbreviation


@dataclass(frozen=True)
class Demo:
    base: str
    studio: int
    mentor: int
    lab: int
    booth: int
    series: int
    booking: int  # the teacher's pending motion-capture request
    school: int
    tuesday: date


@pytest.fixture(scope="module")
def demo_site(browser, tmp_path_factory):
    """The demo consortium on a live server, shared by the read-only sweeps below."""
    app = make_browser_app(tmp_path_factory.mktemp("every-page"))
    with app.app_context():
        demo.load()
        named = {r.name.split(" (")[0].split(",")[0]: r.id
                 for r in db.session.scalars(sa.select(Resource))}
        series = db.session.scalar(sa.select(BookingSeries))
        request = db.session.scalar(sa.select(Booking).where(
            Booking.resource_id == named["Motion-capture studio"]))
        school = db.session.scalar(sa.select(Organisation.id).where(
            Organisation.name == "Dalian Digital Media Vocational School"))
        tuesday = to_zone(series.first_start_at, "Asia/Shanghai").date()
        ids = Demo("", named["Motion-capture studio"], named["Mentor: Li Wei"],
                   named["Post-production lab"], named["Sound recording booth"], series.id,
                   request.id, school, tuesday)
    with serving(app) as base:
        yield Demo(base, *[getattr(ids, f) for f in Demo.__dataclass_fields__][1:])
    dispose(app)


def teacher_pages(d: Demo) -> list[str]:
    return [
        "/", "/resources/", f"/resources/{d.studio}", f"/resources/{d.mentor}",
        f"/bookings/new?resource_id={d.mentor}", f"/bookings/new?resource_id={d.studio}",
        "/bookings/", "/bookings/?when=past", f"/bookings/{d.booking}",
        f"/bookings/{d.booking}/cancel", f"/series/new?resource_id={d.lab}",
        f"/series/{d.series}", f"/resources/{d.lab}/calendar?date={d.tuesday}",
        f"/resources/{d.lab}/calendar?view=day&date={d.tuesday}",
        f"/resources/{d.studio}/calendar?view=month&date={d.tuesday}",
        f"/resources/{d.booth}/calendar?date={d.tuesday}",
        f"/resources/{d.mentor}/calendar?view=day&date={d.tuesday}",
        f"/calendar?date={d.tuesday}", f"/calendar?view=week&date={d.tuesday}",
        f"/calendar/mine?date={d.tuesday}", f"/calendar/mine?view=month&date={d.tuesday}",
        "/feeds/", "/account", "/account/password", "/account/tokens", "/no-such-page",
        "/inbox", "/account/notifications",
    ]


def owner_pages(d: Demo) -> list[str]:
    return ["/", "/inbox", "/bookings/requests", "/bookings/organisation", "/admin/organisation",
            "/resources/new", f"/resources/{d.studio}/edit",
            f"/resources/{d.studio}/closures/import", f"/bookings/{d.booking}",
            f"/series/{d.series}", "/admin/audit", "/admin/audit?object_type=booking&person=x",
            "/admin/sharing", "/admin/terms", "/admin/terms/1/holidays/import"]


def mentor_pages(d: Demo) -> list[str]:
    """Li Wei, whose time the mentor slots are (issue 14): his own pages and hours."""
    return ["/", "/bookings/", f"/resources/{d.mentor}", f"/resources/{d.mentor}/hours",
            f"/calendar/mine?date={d.tuesday}"]


def chair_pages(d: Demo) -> list[str]:
    return ["/", "/admin/organisations", f"/admin/organisations/{d.school}",
            f"/calendar?date={d.tuesday}", "/admin/audit", "/admin/audit?start=2000-13-01",
            "/admin/sharing?term=1", f"/admin/sharing?month={d.tuesday:%Y-%m}&kind=facility",
            "/admin/sharing?from=2030-13-01", "/admin/terms"]


ROLES = {
    "anonymous": (None, lambda d: ["/", "/login"]),
    "teacher": ("wang.fang@dmvs.demo", teacher_pages),
    "owner": ("labs@haibin-animation.demo", owner_pages),
    "mentor": ("li.wei@haibin-animation.demo", mentor_pages),
    "chair": ("admin@neusoft.demo", chair_pages),
}


@pytest.mark.parametrize("locale", ["en-GB", "zh-CN"])
@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_passes_axe_and_speaks_the_language(browser, demo_site, role, locale):
    email, pages = ROLES[role]
    context = new_context(browser, locale=locale)
    page = context.new_page()
    problems = []
    try:
        if email:
            sign_in(page, demo_site.base, email, demo.PASSWORD)
        for path in pages(demo_site):
            page.goto(demo_site.base + path)
            problems += [f"{path}: {v}" for v in axe_violations(page)]
            if locale.startswith("zh"):
                problems += [f"{path}: English weekday {w!r}"
                             for w in english_weekdays(page, names=PEOPLE)]
    finally:
        context.close()
    assert not problems, "\n".join(problems)
