"""The calendar pages byte for byte: HTML written by main's code (85d12ef), kept as golden files.

Issue 16 rewrites how the timeline and a resource's calendar are computed and adds a page
cache; neither may change one byte of what a reader gets. A rich fixture (closures, buffers,
capacity > 1, slots, notice and horizon, an approval resource, past and future, both clock
changes in Europe/Berlin, a resource in Shanghai, a title with markup; read in English by a
member and in Chinese by the owner's admin) is rendered at a fixed moment and compared with
tests/views/golden/*.html. Only what changes per request anyway is blanked: the CSP nonce and
the CSRF token.

    GOLDEN_WRITE=1 pytest tests/views/test_calendar_golden.py   # rewrite them (main's code only)
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
# Monday 29 March 2027, 10:17 UTC (12:17 in Berlin, the day after the clocks went forward); a
# whole minute, as the views compute the grids (views.calendar.this_minute).
NOW = datetime(2027, 3, 29, 10, 17, tzinfo=timezone.utc)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture
def world(make_org, make_user, make_resource, make_booking, monkeypatch):
    monkeypatch.setattr("booking.views.calendar.utcnow", lambda: NOW)
    school = make_org("Berufsschule Nord")
    owner = make_org("Werkstatt <GmbH> & Co", kind="enterprise")
    other = make_org("Handwerkskammer Süd")
    member = make_user("member@school.org", school, timezone="Europe/Berlin", locale="en")
    admin = make_user("admin@werkstatt.org", owner, role="org_admin", timezone="Europe/Berlin",
                      locale="zh")
    stranger = make_user("someone@hwk.org", other)
    week = [(d, "08:00", "18:00") for d in range(5)]
    lab = make_resource(owner, name="Lab Alpha", windows=week, timezone="Europe/Berlin",
                        buffer_before_minutes=15, buffer_after_minutes=30,
                        closures=[(utc(2027, 3, 31, 6), utc(2027, 3, 31, 12), "Inspection"),
                                  (utc(2027, 10, 29, 7), utc(2027, 11, 2, 7), "Holidays")])
    hall = make_resource(owner, name="Hall Beta", capacity=3, timezone="Europe/Berlin",
                         windows=[(d, "07:00", "21:00") for d in range(7)])
    room = make_resource(owner, name="Room Gamma", slot_minutes=90, timezone="Europe/Berlin",
                         windows=[(d, "09:00", "17:00") for d in range(6)])
    mentor = make_resource(owner, name="Mentor Delta", kind="staff", timezone="Europe/Berlin",
                           notice_minutes=26 * 60, horizon_days=30, approval_required=True,
                           windows=[(d, "10:00", "16:00") for d in (0, 2, 4)])
    make_resource(owner, name="Shanghai Epsilon", timezone="Asia/Shanghai", min_minutes=30,
                  max_minutes=240)
    make_resource(school, name="School kitchen", open_to_all=False,
                  windows=[(d, "06:00", "14:00") for d in range(5)], timezone="Europe/Berlin")
    make_booking(lab, member, utc(2027, 3, 29, 7), utc(2027, 3, 29, 9),
                 title='<b>Chem</b> & "co"')
    make_booking(lab, stranger, utc(2027, 3, 29, 11), utc(2027, 3, 29, 13, 30), title="Welding")
    make_booking(lab, stranger, utc(2027, 3, 30, 14), utc(2027, 3, 31, 8), title="Overnight")
    make_booking(lab, member, utc(2027, 3, 26, 22), utc(2027, 3, 28, 3), status="pending",
                 title="Over the change")
    make_booking(lab, stranger, utc(2027, 10, 31, 0, 30), utc(2027, 10, 31, 1, 30),
                 title="Twice two")
    make_booking(hall, member, utc(2027, 3, 29, 8), utc(2027, 3, 29, 12), quantity=2,
                 title="Exam")
    make_booking(hall, stranger, utc(2027, 3, 29, 10), utc(2027, 3, 29, 15), title="Fair")
    make_booking(hall, admin, utc(2027, 3, 28, 6), utc(2027, 3, 28, 9), status="pending",
                 title="Sunday")
    make_booking(room, stranger, utc(2027, 3, 29, 13), utc(2027, 3, 29, 14, 30), title="")
    make_booking(room, member, utc(2027, 3, 30, 7), utc(2027, 3, 30, 8, 30), title="Slot")
    make_booking(mentor, member, utc(2027, 3, 31, 9), utc(2027, 3, 31, 10), status="pending",
                 title="Mentoring")
    return {"lab": lab, "hall": hall, "room": room, "mentor": mentor}


def pages(world) -> dict[str, str]:
    """Golden file name → URL."""
    found = {
        "tl_day": "/calendar",
        "tl_day_all": "/calendar?view=day&date=2027-03-28&hours=all",
        "tl_week": "/calendar?view=week&date=2027-03-29",
        "tl_week_change": "/calendar?view=week&date=2027-03-26",
        "tl_autumn": "/calendar?view=day&date=2027-10-31&hours=all",
        "tl_horizon": "/calendar?view=day&date=2027-04-30",
        "tl_staff": "/calendar?kind=staff&date=2027-03-31",
        "tl_search_page2": "/calendar?q=a&page=2&view=week",
        "tl_bad": "/calendar?view=year&date=2027-02-30",
        "tl_closure": "/calendar?view=day&date=2027-03-31",
    }
    for name, rid in world.items():
        found[f"{name}_week"] = f"/resources/{rid}/calendar"
        found[f"{name}_day"] = f"/resources/{rid}/calendar?view=day&date=2027-03-28"
        found[f"{name}_autumn"] = f"/resources/{rid}/calendar?view=week&date=2027-10-31"
        found[f"{name}_month"] = f"/resources/{rid}/calendar?view=month&date=2027-03-29"
    return found


_VARYING = [(re.compile(r'nonce="[^"]*"'), 'nonce=""'),
            (re.compile(r'(name="csrf_token"[^>]*value=")[^"]*"'), r'\1"'),
            (re.compile(r'(<meta name="csrf-token" content=")[^"]*"'), r'\1"')]


def normalised(html: str) -> str:
    for pattern, replacement in _VARYING:
        html = pattern.sub(replacement, html)
    return html


@pytest.mark.parametrize("cache_size", [0, 128], ids=["computed", "cached"])
@pytest.mark.parametrize("who", ["member@school.org", "admin@werkstatt.org"])
def test_calendar_pages_are_byte_for_byte_those_of_main(app, client, auth, world, who,
                                                         cache_size):
    """Computed from the database, and (cached) asked twice: the second answer is reused."""
    app.config["CALENDAR_CACHE_SIZE"] = cache_size
    auth.login(who)
    different = []
    for name, url in pages(world).items():
        for _ in range(1 if os.environ.get("GOLDEN_WRITE") else 2):
            response = client.get(url)
            assert response.status_code == 200, url
            html = normalised(response.get_data(as_text=True))
            path = GOLDEN / f"{who.split('@')[0]}_{name}.html"
            if os.environ.get("GOLDEN_WRITE"):
                path.parent.mkdir(exist_ok=True)
                path.write_text(html, encoding="utf-8")
            elif path.read_text(encoding="utf-8") != html:
                different.append(url)
                if os.environ.get("GOLDEN_SHOW"):
                    Path(os.environ["GOLDEN_SHOW"]).write_text(html, encoding="utf-8")
    assert not different, f"changed: {different}"


def test_the_fixture_shows_what_it_is_meant_to(client, auth, world):
    """The golden files are only worth their coverage: closures, places, slots, notice, the
    repeated autumn hour, the markup title escaped, past cells and pending bookings."""
    auth.login("member@school.org")
    day = client.get("/calendar").get_data(as_text=True)
    week = client.get(f"/resources/{world['lab']}/calendar?view=week&date=2027-10-31"
                      ).get_data(as_text=True)
    assert "&lt;b&gt;Chem&lt;/b&gt; &amp; &#34;co&#34;" in day and "<b>Chem" not in day
    assert "is-past" in day or "past" in day
    assert "again" in week
    assert "Holidays" in week
    assert "is-closure" in client.get("/calendar?view=day&date=2027-03-31").get_data(
        as_text=True)
    hall = client.get(f"/resources/{world['hall']}/calendar").get_data(as_text=True)
    assert "left" in hall
