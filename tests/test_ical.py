"""booking.ical: bookings rendered, parsed back field by field, and checked by ics_check."""

from __future__ import annotations

import os
import re
import subprocess
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booking import ical
from booking.models import Booking, BookingStatus, Resource

HOST = "booking.example.org"
BERLIN = ZoneInfo("Europe/Berlin")
# CI clones the repository next to a copy of shared/: <repo>/../shared/tools/ics_check.
REPO = Path(__file__).resolve().parents[1]
ICS_CHECK = REPO.parent / "shared" / "tools" / "ics_check" / "ics-check"


# --- ics_check, shared with tests/views/test_feeds.py -------------------------------------

def _unavailable(reason: str) -> None:
    """Skip where the checker is missing; CI (REQUIRE_ICS_CHECK=1) fails instead."""
    if os.environ.get("REQUIRE_ICS_CHECK") == "1":
        pytest.fail(f"{reason} (REQUIRE_ICS_CHECK=1)")
    pytest.skip(reason)


def run_ics_check(*targets: str | Path, feed: bool = True, every_parser: bool = False) -> str:
    """Run ../shared/tools/ics_check on files or a loopback URL; fail with its report.

    *every_parser*: also node-ical, which ics_check skips where it is not installed.
    """
    if not ICS_CHECK.exists():
        _unavailable(f"ics_check not found at {ICS_CHECK}: the repository's parent needs shared/")
    command = [str(ICS_CHECK), *(["--feed"] if feed else []), "-q", *map(str, targets)]
    # The environment (ICS_CHECK_HOME among it) passes through unchanged.
    result = subprocess.run(command, capture_output=True, text=True, timeout=300,
                            env=os.environ.copy())
    output = result.stdout + result.stderr
    if result.returncode == 2 and "setup" in output:
        _unavailable(f"ics_check is not set up; run {ICS_CHECK.parent / 'setup.sh'} once "
                     f"(with the same ICS_CHECK_HOME): {output.strip()}")
    assert result.returncode == 0, output
    if every_parser and re.search(r"^ics_check: .* skipped$", output, re.MULTILINE):
        _unavailable(f"ics_check skipped a parser (run its setup.sh): {output.strip()}")
    return output


# --- Bookings in memory: ical is pure, no database needed ---------------------------------

def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


_ids = iter(range(1, 10_000))


def resource(**fields) -> Resource:
    values = {"id": next(_ids), "name": "Lab 3", "location": "", "timezone": "Europe/Berlin",
              "updated_at": utc(2027, 1, 1)}
    return Resource(**{**values, **fields})


def booking(res: Resource, start: datetime, end: datetime, **fields) -> Booking:
    number = next(_ids)
    values = {"id": number, "uid": f"{number:032x}", "title": "Lesson", "status":
              BookingStatus.CONFIRMED, "sequence": 0, "quantity": 1, "organisation_id": 1,
              "created_at": utc(2027, 1, 5, 9), "updated_at": utc(2027, 1, 6, 10, 30)}
    return Booking(resource=res, start_at=start.astimezone(timezone.utc),
                   end_at=end.astimezone(timezone.utc), **{**values, **fields})


def link(b: Booking) -> str:
    return f"https://{HOST}/bookings/{b.id}"


WINDOW = (utc(2026, 10, 1), utc(2027, 12, 31))


def render(bookings, *, hidden=(), name="Lab 3", zone="Europe/Berlin", cache=None) -> bytes:
    return ical.feed_to_ical(bookings, name=name, host=HOST, link=link,
                             show_details=lambda b: b.id not in hidden, zone=zone, window=WINDOW,
                             cache=cache)


def events_by_uid(body: bytes) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(body)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def uid(b: Booking) -> str:
    return f"booking-{b.uid}@{HOST}"


def tzid(prop) -> str | None:
    return prop.params.get("TZID")


# --- The feed from the issue: Unicode, punctuation, newlines, DST, changes ------------------

@pytest.fixture
def lab() -> Resource:
    return resource(name="Lab 3, 实验室; A\\B", location="Building 2\nFloor 5, Room 501")


@pytest.fixture
def feed_bookings(lab):
    """One booking for each thing a calendar program can get wrong."""
    shanghai = resource(name="动画工作室", location="大连市 高新区", timezone="Asia/Shanghai")
    utc_room = resource(name="Studio UTC", timezone="UTC")
    return {
        "chinese": booking(shanghai, utc(2027, 3, 1, 1), utc(2027, 3, 1, 3),
                           title="三维动画课：第一周（角色建模）"),
        "punctuation": booking(lab, berlin(2027, 3, 2, 9), berlin(2027, 3, 2, 11),
                               title="Physics, lab; part A\\B: \"quotes\" & <tags>"),
        "newlines": booking(lab, berlin(2027, 3, 3, 9), berlin(2027, 3, 3, 10),
                            title="Line one\nLine two\r\nLine three\rfour\x07\x00"),
        # 28 March 2027: 02:00 -> 03:00 in Berlin. 01:30 CET to 04:30 CEST is two real hours.
        "spring": booking(lab, berlin(2027, 3, 28, 1, 30), berlin(2027, 3, 28, 4, 30),
                          title="Across spring forward"),
        # 31 October 2027: 03:00 -> 02:00. 01:30 CEST to 03:30 CET is three real hours.
        "autumn": booking(lab, berlin(2027, 10, 31, 1, 30), berlin(2027, 10, 31, 3, 30),
                          title="Across fall back"),
        # 02:15-02:45 after the clocks went back: the same wall-clock digits as an hour earlier.
        "repeated_hour": booking(lab, utc(2027, 10, 31, 1, 15), utc(2027, 10, 31, 1, 45),
                                 title="In the repeated hour"),
        "changed": booking(lab, berlin(2027, 4, 6, 14), berlin(2027, 4, 6, 16), sequence=3,
                           title="Moved twice", updated_at=utc(2027, 3, 30, 8, 1, 2)),
        "cancelled": booking(lab, berlin(2027, 4, 7, 14), berlin(2027, 4, 7, 16), sequence=1,
                             status=BookingStatus.CANCELLED, title="Called off"),
        "pending": booking(lab, berlin(2027, 4, 8, 14), berlin(2027, 4, 8, 16), sequence=0,
                           status=BookingStatus.PENDING, title="Awaiting", quantity=3),
        "rejected": booking(lab, berlin(2027, 4, 9, 14), berlin(2027, 4, 9, 16), sequence=1,
                            status=BookingStatus.REJECTED, title="Turned down"),
        "hidden": booking(lab, berlin(2027, 4, 10, 14), berlin(2027, 4, 10, 16),
                          title="Another organisation's secret purpose"),
        "all_day": booking(lab, berlin(2027, 7, 1), berlin(2027, 7, 4), title="Practice week"),
        "utc": booking(utc_room, utc(2027, 5, 1, 8), utc(2027, 5, 1, 9), title="UTC"),
        "long": booking(lab, berlin(2027, 5, 2, 8), berlin(2027, 5, 2, 9), title="长" * 300),
    }


def test_feed_parses_back_field_by_field(feed_bookings, lab):
    b = feed_bookings
    events = events_by_uid(render(b.values(), hidden={b["hidden"].id}))
    assert set(events) == {uid(x) for x in b.values()}

    for item in b.values():
        event = events[uid(item)]
        assert event["DTSTAMP"].dt == item.updated_at
        assert event["LAST-MODIFIED"].dt == item.updated_at
        assert event["CREATED"].dt == item.created_at
        assert event["SEQUENCE"] == item.sequence
        if item is not b["all_day"]:
            assert event["DTSTART"].dt == item.start_at
            assert event["DTEND"].dt == item.end_at

    chinese = events[uid(b["chinese"])]
    assert str(chinese["SUMMARY"]) == "动画工作室: 三维动画课：第一周（角色建模）"
    assert str(chinese["LOCATION"]) == "动画工作室, 大连市 高新区"
    assert tzid(chinese["DTSTART"]) == "Asia/Shanghai"
    assert chinese["DTSTART"].dt == datetime(2027, 3, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai"))

    punctuation = events[uid(b["punctuation"])]
    assert str(punctuation["SUMMARY"]) == \
        "Lab 3, 实验室; A\\B: Physics, lab; part A\\B: \"quotes\" & <tags>"
    assert str(punctuation["LOCATION"]) == "Lab 3, 实验室; A\\B, Building 2 Floor 5, Room 501"
    assert str(punctuation["DESCRIPTION"]) == (
        "Physics, lab; part A\\B: \"quotes\" & <tags>\n\n"
        f"Details: https://{HOST}/bookings/{b['punctuation'].id}")
    assert str(punctuation["URL"]) == link(b["punctuation"])

    newlines = events[uid(b["newlines"])]
    # One line in the title; the purpose keeps its line breaks, without control characters.
    assert str(newlines["SUMMARY"]) == "Lab 3, 实验室; A\\B: Line one Line two Line three four"
    assert str(newlines["DESCRIPTION"]).startswith("Line one\nLine two\nLine three\nfour\n\n")

    spring, autumn = events[uid(b["spring"])], events[uid(b["autumn"])]
    assert (tzid(spring["DTSTART"]), tzid(spring["DTEND"])) == ("Europe/Berlin",) * 2
    assert spring["DTSTART"].to_ical() == b"20270328T013000"
    assert spring["DTEND"].to_ical() == b"20270328T043000"
    # Same-zone datetimes subtract as wall clocks; real time needs UTC.
    assert spring["DTEND"].dt.astimezone(timezone.utc) - \
        spring["DTSTART"].dt.astimezone(timezone.utc) == timedelta(hours=2)
    assert autumn["DTSTART"].to_ical() == b"20271031T013000"
    assert autumn["DTEND"].to_ical() == b"20271031T033000"
    assert autumn["DTEND"].dt.astimezone(timezone.utc) - \
        autumn["DTSTART"].dt.astimezone(timezone.utc) == timedelta(hours=3)

    repeated = events[uid(b["repeated_hour"])]
    assert tzid(repeated["DTSTART"]) is None
    assert repeated["DTSTART"].to_ical() == b"20271031T011500Z"

    changed = events[uid(b["changed"])]
    assert changed["SEQUENCE"] == 3
    assert str(changed["STATUS"]) == "CONFIRMED" and str(changed["TRANSP"]) == "OPAQUE"

    cancelled = events[uid(b["cancelled"])]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert str(cancelled["TRANSP"]) == "TRANSPARENT"
    assert str(cancelled["SUMMARY"]) == "Cancelled: Lab 3, 实验室; A\\B: Called off"

    pending = events[uid(b["pending"])]
    assert str(pending["STATUS"]) == "TENTATIVE"
    assert str(pending["SUMMARY"]).startswith("Pending: ")
    assert "Places: 3" in str(pending["DESCRIPTION"])

    rejected = events[uid(b["rejected"])]
    assert (str(rejected["STATUS"]), str(rejected["TRANSP"])) == ("CANCELLED", "TRANSPARENT")
    assert str(rejected["SUMMARY"]).startswith("Declined: ")

    hidden = events[uid(b["hidden"])]
    assert str(hidden["SUMMARY"]) == "Busy"
    assert "DESCRIPTION" not in hidden and "URL" not in hidden
    assert str(hidden["LOCATION"]) == "Lab 3, 实验室; A\\B, Building 2 Floor 5, Room 501"

    all_day = events[uid(b["all_day"])]
    assert all_day["DTSTART"].dt == date(2027, 7, 1)
    assert all_day["DTEND"].dt == date(2027, 7, 4)  # exclusive: 1, 2 and 3 July
    assert all_day["DTSTART"].params.get("VALUE") == "DATE"

    assert events[uid(b["utc"])]["DTSTART"].to_ical() == b"20270501T080000Z"
    assert str(events[uid(b["long"])]["SUMMARY"]) == "Lab 3, 实验室; A\\B: " + "长" * 300


def test_calendar_properties(feed_bookings):
    body = render(feed_bookings.values(), name="Lab 3, Building 2; 实验室")
    cal = icalendar.Calendar.from_ical(body)
    # NAME and X-WR-CALNAME are TEXT (RFC 7986, RFC 5545 §3.8.8.2), escaped like SUMMARY;
    # icalendar reads both back raw, so unescape here.
    for name in ("NAME", "X-WR-CALNAME"):
        assert f"\r\n{name}:Lab 3\\, Building 2\\; 实验室\r\n".encode() in body
        assert str(cal[name]).replace("\\,", ",").replace("\\;", ";") == \
            "Lab 3, Building 2; 实验室"
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in body
    assert b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in body
    assert b"\r\nMETHOD:PUBLISH\r\n" in body and b"\r\nVERSION:2.0\r\n" in body
    assert body.count(b"\r\nPRODID:") == 1
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Asia/Shanghai", "Europe/Berlin"]
    lines = body.split(b"\r\n")
    assert lines[-1] == b"" and all(len(line) <= 75 for line in lines)
    assert b"\n" not in body.replace(b"\r\n", b"")


@pytest.mark.parametrize("zone, tzid", [("Asia/Shanghai", "Asia/Shanghai"), ("UTC", "UTC"),
                                        ("Etc/UTC", "UTC")])
def test_empty_feed_still_has_its_time_zone(zone, tzid):
    """RFC 5545 §3.6: a calendar holds at least one component, also in UTC."""
    cal = icalendar.Calendar.from_ical(render([], zone=zone))
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == [tzid]
    assert str(cal["X-WR-TIMEZONE"]) == zone


def test_output_is_deterministic_and_the_cache_changes_nothing(feed_bookings):
    bookings = list(feed_bookings.values())
    plain = render(bookings)
    cache = ical.EventCache(100)
    assert render(bookings, cache=cache) == plain == render(bookings)
    assert len(cache) == len(bookings)
    assert render(bookings, cache=cache) == plain  # served from the cache

    feed_bookings["changed"].sequence = 4
    feed_bookings["changed"].updated_at = utc(2027, 4, 1)
    after = render(bookings, cache=cache)
    assert after == render(bookings) != plain
    assert events_by_uid(after)[uid(feed_bookings["changed"])]["SEQUENCE"] == 4


def test_assembled_feed_is_exactly_what_icalendar_writes(feed_bookings):
    """with_events() splices whole VEVENTs: byte for byte Calendar.to_ical()."""
    bookings = list(feed_bookings.values())
    cal = ical._calendar(name="Lab", home="Europe/Berlin", zones={"Europe/Berlin"},
                         spans=[WINDOW])
    events = [ical.booking_event(b, host=HOST, url=link(b), show_details=True) for b in bookings]
    spliced = ical.with_events(cal, [e.to_ical() for e in events])
    for event in events:
        cal.add_component(event)
    assert spliced == cal.to_ical()


def test_single_booking_download(lab):
    item = booking(lab, berlin(2027, 3, 2, 9), berlin(2027, 3, 2, 11), title="会议, 1")
    body = ical.booking_to_ical(item, host=HOST, link=link(item))
    cal = icalendar.Calendar.from_ical(body)
    (event,) = cal.walk("VEVENT")
    assert str(cal["METHOD"]) == "PUBLISH"
    assert str(event["UID"]) == uid(item)
    assert str(event["SUMMARY"]) == "Lab 3, 实验室; A\\B: 会议, 1"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]


def test_rendered_feeds_pass_ics_check(tmp_path, feed_bookings, lab):
    b = feed_bookings
    files = {
        "full.ics": render(b.values(), hidden={b["hidden"].id}, name="Lab 3, 实验室; A\\B"),
        "empty.ics": render([], name="空 calendar", zone="Asia/Shanghai"),
        "empty_utc.ics": render([], name="UTC", zone="UTC"),
        "berlin_dst.ics": render([b["spring"], b["autumn"], b["repeated_hour"]]),
        "new_york.ics": render([booking(resource(timezone="America/New_York"),
                                        utc(2027, 1, 1, 3), utc(2027, 1, 1, 5))],
                               zone="America/New_York"),
    }
    for name, body in files.items():
        (tmp_path / name).write_bytes(body)
    run_ics_check(*(tmp_path / name for name in files))


FOUR_ZONES = ("Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Shanghai")


def test_feeds_across_two_years_place_every_event_right_in_every_parser(tmp_path):
    """A year of weekly 09:00 bookings from this winter: both changes, two calendar years.

    ics_check's parsers_agree_times compares ical.js and vobject (which read the VTIMEZONE)
    with libical and node-ical (which use their own zone data).
    """
    for tzid in FOUR_ZONES:
        zone, room = ZoneInfo(tzid), resource(timezone=tzid)
        weeks = [datetime(2026, 12, 7, 9, tzinfo=zone) + timedelta(weeks=n) for n in range(60)]
        local = [w.replace(tzinfo=None) for w in weeks]  # 09:00 local every week, DST or not
        items = [booking(room, w.replace(tzinfo=zone), w.replace(hour=10, tzinfo=zone))
                 for w in local]
        body = render(items, zone=tzid)
        for item, event in zip(items, icalendar.Calendar.from_ical(body).walk("VEVENT")):
            assert event["DTSTART"].dt.astimezone(timezone.utc) == item.start_at
        (tmp_path / f"{tzid.replace('/', '_')}.ics").write_bytes(body)
    run_ics_check(*sorted(tmp_path.iterdir()), every_parser=True)


def test_single_download_passes_ics_check(tmp_path, lab):
    item = booking(lab, berlin(2027, 10, 31, 1, 30), berlin(2027, 10, 31, 3, 30),
                   title="Zeitumstellung, 时间; \\ end")
    path = tmp_path / "booking.ics"
    path.write_bytes(ical.booking_to_ical(item, host=HOST, link=link(item)))
    run_ics_check(path, feed=False)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=120))
def test_any_title_round_trips_as_clean_text(title):
    lab = resource()
    item = booking(lab, utc(2027, 6, 1, 8), utc(2027, 6, 1, 9), title=title)
    body = render([item])
    (event,) = icalendar.Calendar.from_ical(body).walk("VEVENT")
    purpose = ical.clean_text(title)
    expected = f"Lab 3: {ical.one_line(title)}" if purpose else "Lab 3"
    assert str(event["SUMMARY"]) == expected
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    body.decode("utf-8")


@pytest.mark.parametrize("raw, cleaned", [
    ("a\r\nb\rc\nd", "a\nb\nc\nd"),
    ("tab\there", "tab here"),
    ("bell\x07 null\x00 del\x7f c1\x85x", "bell null del c1\nx"),
    ("lone \ud800 surrogate", "lone  surrogate"),
    ("  padded  ", "padded"),
    (None, ""),
])
def test_clean_text(raw, cleaned):
    assert ical.clean_text(raw) == cleaned
