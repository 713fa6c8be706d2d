"""Calendar pages: a resource's week, day and month, the timeline, one's own calendar."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from booking.extensions import db

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = [(d, "09:00", "18:00") for d in range(5)]


class Page(HTMLParser):
    """The links, forms and text of a page, read with the standard library."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.forms: list[dict] = []
        self.alerts: list[str] = []
        self._link: list | None = None
        self._alert_depth = 0
        self._depth = 0
        self.html = html
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._depth += 1
        if tag == "a" and "href" in attrs:
            self._link = [attrs["href"], ""]
        if tag == "form":
            self.forms.append({"action": attrs.get("action"), "method": attrs.get("method"),
                               "fields": {}})
        if tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value", "")
        if attrs.get("role") == "alert" and not self._alert_depth:
            self._alert_depth = self._depth
            self.alerts.append("")

    def handle_endtag(self, tag):
        if tag == "a" and self._link is not None:
            self.links.append((self._link[0], " ".join(self._link[1].split())))
            self._link = None
        if self._alert_depth and self._depth == self._alert_depth:
            self._alert_depth = 0
        self._depth -= 1

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self._depth -= 1

    def handle_data(self, data):
        if self._link is not None:
            self._link[1] += data
        if self._alert_depth:
            self.alerts[-1] += data


def page_of(response) -> Page:
    assert response.status_code == 200, response.data[:2000]
    return Page(response.get_data(as_text=True))


def booking_links(page: Page) -> list[dict]:
    """The links to the booking form, with their query decoded."""
    found = []
    for href, text in page.links:
        parts = urlsplit(href)
        if parts.path == "/bookings/new":
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            found.append({**query, "text": text})
    return found


def next_monday(weeks_ahead: int = 2) -> date:
    today = datetime.now(SHANGHAI).date()
    return today + timedelta(days=(7 - today.weekday()) % 7 + 7 * weeks_ahead)


def at(day: date, hour: int, minute: int = 0, zone: ZoneInfo = SHANGHAI) -> datetime:
    return datetime.combine(day, time(hour, minute), zone)


@pytest.fixture
def people(make_org, make_user):
    """A school with two teachers, the studio that owns the resources, and a third member."""
    school, studio, other = (make_org("Vocational School"), make_org("Studio", "enterprise"),
                             make_org("Other School"))
    return {
        "school": school, "studio": studio, "other": other,
        "teacher": make_user("teacher@school.org", school, name="Wang Fang"),
        "colleague": make_user("colleague@school.org", school),
        "studio_admin": make_user("admin@studio.org", studio, role="org_admin"),
        "outsider": make_user("someone@other.org", other),
    }


@pytest.fixture
def lab(make_resource, people):
    return make_resource(people["studio"], name="Motion-capture studio", windows=WEEKDAYS)


def test_pages_need_a_signed_in_person(client, lab):
    for url in (f"/resources/{lab}/calendar", "/calendar", "/calendar/mine"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_week_view_shows_bookings_in_the_resources_zone_and_links_free_time(
        client, auth, lab, people, make_booking):
    monday = next_monday()
    make_booking(lab, people["teacher"], at(monday + timedelta(days=1), 14),
                 at(monday + timedelta(days=1), 16), title="Animation class 2B")
    auth.login("teacher@school.org")
    page = page_of(client.get(f"/resources/{lab}/calendar?date={monday + timedelta(days=2)}"))
    html = page.html
    assert "Motion-capture studio" in html and "Asia/Shanghai" in html
    assert "14:00–16:00" in html and "Animation class 2B" in html and "Yours" in html
    offered = booking_links(page)
    # 5 weekdays of 9 hours in half hours, less the two hours booked on Tuesday.
    assert len(offered) == 5 * 18 - 4
    first = offered[0]
    assert first["resource_id"] == str(lab)
    assert (first["start"], first["end"]) == (f"{monday}T09:00", f"{monday}T10:00")
    assert first["next"] == f"/resources/{lab}/calendar?view=week&date={monday + timedelta(days=2)}"
    before = [o for o in offered if o["start"].startswith(f"{monday + timedelta(days=1)}T13")]
    assert [(o["start"][11:], o["end"][11:]) for o in before] == [("13:00", "14:00"),
                                                                 ("13:30", "14:00")]


def test_own_booking_opens_its_page(client, auth, lab, people, make_booking):
    monday = next_monday()
    booking_id = make_booking(lab, people["teacher"], at(monday, 10), at(monday, 11))
    auth.login("teacher@school.org")
    page = page_of(client.get(f"/resources/{lab}/calendar?date={monday}"))
    assert any(href == f"/bookings/{booking_id}" for href, _ in page.links)


def test_other_organisations_see_busy_not_the_purpose(client, auth, lab, people, make_booking):
    monday = next_monday()
    make_booking(lab, people["teacher"], at(monday, 10), at(monday, 11), title="Secret plan")
    make_booking(lab, people["teacher"], at(monday, 14), at(monday, 15), title="Pending class",
                 status="pending")
    auth.login("someone@other.org")
    page = page_of(client.get(f"/resources/{lab}/calendar?date={monday}"))
    html = page.html
    assert "Secret plan" not in html and "Pending class" not in html
    assert html.count(">Busy<") + html.count("Busy\n") >= 1 and "Busy" in html
    assert "Pending" in html and "is-pending" in html
    assert not any(re.fullmatch(r"/bookings/\d+", href) for href, _ in page.links)


def test_same_organisation_sees_the_purpose(client, auth, lab, people, make_booking):
    monday = next_monday()
    make_booking(lab, people["teacher"], at(monday, 10), at(monday, 11), title="Rehearsal")
    auth.login("colleague@school.org")
    html = page_of(client.get(f"/resources/{lab}/calendar?date={monday}")).html
    assert "Rehearsal" in html and "Yours" not in html


def test_closures_and_closed_time_are_shown(client, auth, make_resource, people):
    monday = next_monday()
    lab = make_resource(people["studio"], windows=WEEKDAYS, closures=[
        (at(monday, 0), at(monday + timedelta(days=1), 0), "Camera calibration")])
    auth.login("teacher@school.org")
    page = page_of(client.get(f"/resources/{lab}/calendar?date={monday}"))
    assert "Camera calibration" in page.html and "is-closure" in page.html
    assert not [o for o in booking_links(page) if o["start"].startswith(str(monday))]
    assert "Closed" in page.html


def test_slot_resource_offers_each_free_slot(client, auth, make_resource, people, make_booking):
    monday = next_monday()
    wednesday = monday + timedelta(days=2)
    mentor = make_resource(people["studio"], kind="staff", name="Mentor", slot_minutes=30,
                           windows=[(2, "14:00", "17:00")])
    make_booking(mentor, people["outsider"], at(wednesday, 15), at(wednesday, 15, 30))
    auth.login("teacher@school.org")
    page = page_of(client.get(f"/resources/{mentor}/calendar?date={monday}"))
    slots = [(o["start"][11:], o["end"][11:]) for o in booking_links(page)]
    assert slots == [("14:00", "14:30"), ("14:30", "15:00"), ("15:30", "16:00"),
                     ("16:00", "16:30"), ("16:30", "17:00")]
    assert "30-minute slots" in page.html and "is-slot" in page.html


def test_capacity_shows_places_left(client, auth, make_resource, people, make_booking):
    monday = next_monday()
    room = make_resource(people["studio"], name="Post-production lab", capacity=24,
                         windows=WEEKDAYS)
    make_booking(room, people["outsider"], at(monday, 10), at(monday, 11), quantity=20)
    auth.login("teacher@school.org")
    html = page_of(client.get(f"/resources/{room}/calendar?date={monday}")).html
    assert "4 left" in html and "4 places left" in html and "24 places" in html
    assert "20 places" in html  # the booking's quantity


@pytest.mark.parametrize("view", ["day", "week", "month"])
def test_every_view_renders_with_previous_and_next(client, auth, lab, people, make_booking,
                                                   view):
    monday = next_monday()
    make_booking(lab, people["teacher"], at(monday, 10), at(monday, 11), title="Lesson")
    auth.login("teacher@school.org")
    page = page_of(client.get(f"/resources/{lab}/calendar?view={view}&date={monday}"))
    step = {"day": timedelta(days=1), "week": timedelta(days=7)}.get(view)
    hrefs = [href for href, _ in page.links]
    if step:
        assert f"/resources/{lab}/calendar?view={view}&date={monday + step}" in hrefs
        assert f"/resources/{lab}/calendar?view={view}&date={monday - step}" in hrefs
    assert "Lesson" in page.html and 'type="date"' in page.html
    assert any(f["method"] == "get" and "date" in f["fields"] for f in page.forms)
    assert f"/resources/{lab}/calendar?view=day&date={monday}" in hrefs


def test_month_view_links_each_day_and_offers_free_time(client, auth, lab):
    auth.login("teacher@school.org")
    # Five weeks on is always a later month: today's free time would start at "now", not 09:00.
    monday = next_monday(weeks_ahead=5)
    page = page_of(client.get(f"/resources/{lab}/calendar?view=month&date={monday}"))
    assert "cal-month" in page.html
    offered = booking_links(page)
    assert offered and all(o["start"].endswith("T09:00") for o in offered)
    assert f"/resources/{lab}/calendar?view=day&date={monday}" in [h for h, _ in page.links]


@pytest.mark.parametrize("query, message", [
    ("view=year", "There is no view called"),
    ("date=2027-02-30", "is not a date"),
    ("date=tomorrow", "is not a date"),
    ("date=1999-12-31", "Pick a date between"),
    ("date=9999-01-01", "Pick a date between"),
    ("date=%ff%fe", "is not a date"),
])
def test_bad_view_or_date_falls_back_with_a_message(client, auth, lab, query, message):
    auth.login("teacher@school.org")
    response = client.get(f"/resources/{lab}/calendar?{query}")
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


def test_resources_not_shared_or_missing_are_refused(client, auth, make_resource, people):
    private = make_resource(people["studio"], open_to_all=False)
    inactive = make_resource(people["studio"], is_active=False)
    auth.login("teacher@school.org")
    assert client.get(f"/resources/{private}/calendar").status_code == 404
    assert client.get(f"/resources/{inactive}/calendar").status_code == 404
    assert client.get("/resources/999999/calendar").status_code == 404
    assert client.get("/resources/99999999999999999999999/calendar").status_code == 404
    auth.logout()
    auth.login("admin@studio.org")
    assert client.get(f"/resources/{private}/calendar").status_code == 200
    assert client.get(f"/resources/{inactive}/calendar").status_code == 200


def test_refused_booking_comes_back_with_reasons_and_one_click_alternatives(client, auth, lab):
    auth.login("teacher@school.org")
    with client.session_transaction() as session:
        session["refusal"] = {
            "resource_id": lab, "messages": ["Already booked at 2 Mar 2027 14:00–16:00."],
            "alternatives": [["2027-03-02T16:00", "2027-03-02T18:00"],
                             ["not a time", "2027-03-02T18:00"]],
            "title": "Animation class", "quantity": 1}
    page = page_of(client.get(f"/resources/{lab}/calendar?date=2027-03-02"))
    assert any("Already booked at 2 Mar 2027 14:00–16:00." in alert for alert in page.alerts)
    buttons = [f for f in page.forms if f["method"] == "post"
               and urlsplit(f["action"]).path == "/bookings/new"]
    assert len(buttons) == 1
    fields = buttons[0]["fields"]
    assert fields["resource_id"] == str(lab) and fields["title"] == "Animation class"
    assert (fields["start"], fields["end"], fields["quantity"]) == (
        "2027-03-02T16:00", "2027-03-02T18:00", "1")
    assert fields["next"] == f"/resources/{lab}/calendar?view=week&date=2027-03-02"
    assert "csrf_token" in fields
    # Shown once: the refusal is popped from the session.
    assert not page_of(client.get(f"/resources/{lab}/calendar?date=2027-03-02")).alerts


def test_refusal_for_another_resource_is_not_shown_here(client, auth, lab, make_resource,
                                                        people):
    other = make_resource(people["studio"])
    auth.login("teacher@school.org")
    with client.session_transaction() as session:
        session["refusal"] = {"resource_id": other, "messages": ["Closed."], "alternatives": []}
    assert not page_of(client.get(f"/resources/{lab}/calendar")).alerts


def test_malformed_refusal_in_the_session_is_ignored(client, auth, lab):
    auth.login("teacher@school.org")
    with client.session_transaction() as session:
        session["refusal"] = {"resource_id": lab, "messages": "not a list",
                              "alternatives": "nor this", "quantity": "x"}
    assert client.get(f"/resources/{lab}/calendar").status_code == 200


def test_the_other_kinds_of_alternatives_come_back_to_the_calendar_checked(client, auth, lab):
    """Later days, elsewhere and fewer places survive the trip through the session (issue 14);
    malformed ones are dropped."""
    auth.login("teacher@school.org")
    with client.session_transaction() as session:
        session["refusal"] = {
            "resource_id": lab, "messages": ["Only 4 places are left."], "alternatives": [],
            "later": [["2027-03-03T14:00", "2027-03-03T16:00", "Wed 3 Mar 14:00–16:00"],
                      ["bad", "2027-03-03T16:00", "x"]],
            "elsewhere": [[lab + 1000, "Other lab", "2027-03-02T14:00", "2027-03-02T16:00"],
                          ["1", "Bad", "2027-03-02T14:00", "2027-03-02T16:00"]],
            "places_left": 4,
            "when": ["2027-03-02T14:00", "2027-03-02T16:00", "Tue 2 Mar 14:00–16:00"],
            "title": "Class", "quantity": 10}
    page = page_of(client.get(f"/resources/{lab}/calendar?date=2027-03-02"))
    posts = [f["fields"] for f in page.forms if f["method"] == "post"
             and urlsplit(f["action"]).path == "/bookings/new"]
    assert [(f["resource_id"], f["start"], f["quantity"]) for f in posts] == [
        (str(lab), "2027-03-02T14:00", "4"), (str(lab), "2027-03-03T14:00", "10"),
        (str(lab + 1000), "2027-03-02T14:00", "10")]
    assert "next" not in posts[2]  # another resource's booking does not come back here


# ------------------------------------------------------------------------- daylight saving

def test_berlin_autumn_day_has_25_hours_with_the_repeated_hour_labelled(client, auth,
                                                                        make_resource, people):
    farm = make_resource(people["studio"], name="Render farm", timezone="Europe/Berlin")
    auth.login("teacher@school.org")
    html = page_of(client.get(f"/resources/{farm}/calendar?view=day&date=2027-10-31")).html
    assert "25 hours: clocks go back" in html
    assert len(re.findall(r'class="cal-hour[ "]', html)) == 25 and ">again<" in html
    assert "Europe/Berlin (CEST → CET)" in html


def test_berlin_spring_day_marks_the_skipped_hour(client, auth, make_resource, people):
    farm = make_resource(people["studio"], name="Render farm", timezone="Europe/Berlin")
    auth.login("teacher@school.org")
    html = page_of(client.get(f"/resources/{farm}/calendar?date=2027-03-28")).html
    assert "23 hours: clocks go forward" in html and "This hour is skipped" in html


# ------------------------------------------------------------------------- timeline

@pytest.fixture
def catalogue(make_resource, people, make_org):
    agency = make_org("Media Agency", "enterprise")
    return {
        "lab": make_resource(people["studio"], name="Motion-capture studio", windows=WEEKDAYS),
        "seats": make_resource(people["studio"], name="Post-production lab", capacity=24,
                               windows=WEEKDAYS),
        "mentor": make_resource(people["studio"], kind="staff", name="Mentor Li",
                                slot_minutes=30, windows=[(2, "14:00", "17:00")]),
        "booth": make_resource(agency, name="Sound booth", location="Software Park",
                               windows=WEEKDAYS),
        "private": make_resource(agency, name="Private room", open_to_all=False),
        "agency": agency,
    }


def timeline_names(page: Page) -> list[str]:
    return re.findall(r'<th scope="row" class="tl-res">\s*<a href="[^"]+">([^<]+)</a>',
                      page.html)


def test_timeline_lists_shared_resources_with_free_hours(client, auth, catalogue, people,
                                                         make_booking):
    monday = next_monday()
    make_booking(catalogue["seats"], people["outsider"], at(monday, 10), at(monday, 11),
                 quantity=20)
    auth.login("teacher@school.org")
    page = page_of(client.get(f"/calendar?date={monday}"))
    assert timeline_names(page) == ["Mentor Li", "Motion-capture studio", "Post-production lab",
                                    "Sound booth"]
    offered = booking_links(page)
    lab_times = [o["start"][11:] for o in offered if o["resource_id"] == str(catalogue["lab"])]
    assert lab_times == [f"{h:02d}:00" for h in range(9, 18)]
    assert "4 left" in page.html and "4 places left" in page.html
    assert all(o["next"].startswith("/calendar?view=day&date=") for o in offered)


@pytest.mark.parametrize("query, expected", [
    ("kind=staff", ["Mentor Li"]),
    ("q=software+park", ["Sound booth"]),
    ("q=%25", []),  # a literal percent sign, not a wildcard
    ("q=LAB", ["Post-production lab"]),
])
def test_timeline_filters(client, auth, catalogue, query, expected):
    auth.login("teacher@school.org")
    page = page_of(client.get(f"/calendar?{query}"))
    assert timeline_names(page) == expected


def test_timeline_filters_by_organisation(client, auth, catalogue):
    auth.login("teacher@school.org")
    page = page_of(client.get(f"/calendar?organisation={catalogue['agency']}"))
    assert timeline_names(page) == ["Sound booth"]
    assert f'<option value="{catalogue["agency"]}" selected>' in page.html


def test_timeline_bad_filters_are_dropped_with_a_message(client, auth, catalogue):
    auth.login("teacher@school.org")
    assert client.get("/calendar?page=99999999999999999999999").status_code == 200
    page = page_of(client.get("/calendar?kind=spaceship&organisation=x1&page=-2&view=month"))
    assert "There is no kind of resource called" in page.html
    assert "That organisation is unknown" in page.html
    assert "There is no view called" in page.html
    assert len(timeline_names(page)) == 4


def test_timeline_week_summarises_each_day(client, auth, catalogue, people, make_booking):
    monday = next_monday()
    make_booking(catalogue["seats"], people["outsider"], at(monday, 10), at(monday, 11),
                 quantity=20)
    auth.login("teacher@school.org")
    page = page_of(client.get(f"/calendar?view=week&date={monday}&kind=facility"))
    assert "9 h free" in page.html and "at least 4 places" in page.html
    day_links = [h for h, _ in page.links
                 if h.startswith(f"/resources/{catalogue['lab']}/calendar?view=day")]
    assert len(day_links) == 5


def test_timeline_pages_through_many_resources(app, client, auth, catalogue):
    app.config["ITEMS_PER_PAGE"] = 3
    auth.login("teacher@school.org")
    first = page_of(client.get("/calendar"))
    assert len(timeline_names(first)) == 3 and "page=2" in first.html
    second = page_of(client.get("/calendar?page=2"))
    assert timeline_names(second) == ["Sound booth"]


def test_timeline_shows_times_in_the_viewers_zone_and_books_in_the_resources(
        client, auth, make_resource, people, make_user):
    farm = make_resource(people["studio"], name="Render farm", timezone="Europe/Berlin",
                         windows=[(d, "08:00", "12:00") for d in range(7)])
    make_user("berlin@school.org", people["school"], timezone="Asia/Shanghai")
    auth.login("berlin@school.org")
    day = date(2030, 1, 15)  # winter: Berlin is 7 hours behind Shanghai
    page = page_of(client.get(f"/calendar?date={day}"))
    offered = [o for o in booking_links(page) if o["resource_id"] == str(farm)]
    assert offered[0]["start"] == "2030-01-15T08:00"
    assert "<th scope=\"col\">15:00</th>" in page.html.replace("\n", "")
    assert "Europe/Berlin" in page.html


# ------------------------------------------------------------------------- my calendar

def test_my_calendar_shows_only_my_bookings_across_resources(client, auth, catalogue, people,
                                                             make_booking):
    monday = next_monday()
    mine = make_booking(catalogue["lab"], people["teacher"], at(monday, 9), at(monday, 10),
                        title="My lesson")
    make_booking(catalogue["booth"], people["teacher"], at(monday, 22),
                 at(monday + timedelta(days=1), 1), title="Night recording")
    make_booking(catalogue["lab"], people["colleague"], at(monday, 13), at(monday, 14),
                 title="Colleague's lesson")
    auth.login("teacher@school.org")
    page = page_of(client.get(f"/calendar/mine?date={monday}"))
    html = page.html
    assert "Motion-capture studio" in html and "My lesson" in html and "Sound booth" in html
    assert "Colleague" not in html and "2 bookings" in html
    assert f"/bookings/{mine}" in [h for h, _ in page.links]
    assert html.count("Night recording") == 2  # split over Monday night and Tuesday morning
    month = page_of(client.get(f"/calendar/mine?view=month&date={monday}"))
    assert "My lesson" in month.html and "cal-month" in month.html


def test_my_calendar_finds_a_long_booking_that_began_before_the_week(
        client, auth, make_resource, people, make_booking):
    base = make_resource(people["studio"], kind="practice_base", name="Internship", capacity=20)
    monday = next_monday()
    make_booking(base, people["teacher"], at(monday - timedelta(days=20), 9),
                 at(monday + timedelta(days=20), 17), title="Summer placement")
    auth.login("teacher@school.org")
    html = page_of(client.get(f"/calendar/mine?date={monday}")).html
    assert html.count("Summer placement") == 7


def test_pages_speak_chinese(client, auth, lab, people):
    auth.login("teacher@school.org")
    client.post("/language", data={"locale": "zh"})
    html = page_of(client.get(f"/resources/{lab}/calendar?date=2030-01-15")).html
    assert 'lang="zh-Hans"' in html and "周二" in html and "2030年1月" in html


# ------------------------------------------------------------------------- queries per page

class QueryCounter:
    def __init__(self, app) -> None:
        with app.app_context():
            self.engine = db.engine
        self.count = 0
        sa.event.listen(self.engine, "before_cursor_execute", self._count)

    def _count(self, *_args) -> None:
        self.count += 1

    def measure(self, client, url: str) -> int:
        """Statements of a page computed from the database (the page cache off), once the
        process has seen the resources' rules (services.calendar.rules_of keeps them per
        version): the first sight of a resource adds its windows and closures, two
        statements for all of them."""
        config = client.application.config
        size, config["CALENDAR_CACHE_SIZE"] = config["CALENDAR_CACHE_SIZE"], 0
        try:
            first = self._counted(client, url)
            assert first <= self._counted(client, url) + 2
            return self._counted(client, url)
        finally:
            config["CALENDAR_CACHE_SIZE"] = size

    def _counted(self, client, url: str) -> int:
        self.count = 0
        assert client.get(url).status_code == 200
        return self.count

    def close(self) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._count)


def test_queries_per_page_do_not_grow_with_bookings_or_resources(
        app, client, auth, people, make_resource, make_booking):
    monday = next_monday()
    busy = make_resource(people["studio"], name="Busy lab", windows=WEEKDAYS,
                         closures=[(at(monday, 0), at(monday, 8), "Cleaning")])
    auth.login("teacher@school.org")
    counter = QueryCounter(app)
    try:
        week = f"/resources/{busy}/calendar?date={monday}"
        timeline = f"/calendar?date={monday}"
        mine = f"/calendar/mine?date={monday}"
        before = [counter.measure(client, url) for url in (week, timeline, mine)]
        for day in range(5):
            for hour in range(9, 17):
                make_booking(busy, people["teacher"] if hour % 2 else people["outsider"],
                             at(monday + timedelta(days=day), hour),
                             at(monday + timedelta(days=day), hour, 45))
        for n in range(6):
            other = make_resource(people["studio"], name=f"Lab {n}", windows=WEEKDAYS)
            make_booking(other, people["colleague"], at(monday, 10), at(monday, 11))
        after = [counter.measure(client, url) for url in (week, timeline, mine)]
    finally:
        counter.close()
    assert after == before
    assert max(after) <= 10
