"""booking.vtimezone against zoneinfo: every change of every zone, read back as a parser would."""

from __future__ import annotations

import bisect
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, available_timezones

import icalendar
import pytest
from dateutil.rrule import rrulestr
from hypothesis import example, given, settings
from hypothesis import strategies as st

from booking.vtimezone import vtimezone

SAMPLE_EVERY = timedelta(hours=3)
ZONES = sorted(available_timezones())


def read_onsets(block: icalendar.Timezone, end: datetime) -> list[tuple[datetime, timedelta]]:
    """(UTC instant, offset after) for every onset the block states, up to *end*.

    Written independently of the writer: RFC 5545 §3.6.5 read literally. DTSTART, each RRULE
    occurrence and each RDATE are wall-clock times in TZOFFSETFROM.
    """
    onsets = []
    for observance in block.subcomponents:
        start = observance["DTSTART"].dt
        before, after = observance["TZOFFSETFROM"].td, observance["TZOFFSETTO"].td
        assert start.tzinfo is None, "an onset is a local time"
        moments = [start]
        if "RRULE" in observance:
            parts = dict(p.split("=") for p in observance["RRULE"].to_ical().decode().split(";"))
            until = parts.pop("UNTIL", None)
            # UNTIL is UTC (§3.3.10); the onsets are wall-clock times in TZOFFSETFROM.
            last = (datetime.strptime(until, "%Y%m%dT%H%M%SZ") if until
                    else end.replace(tzinfo=None)) + before
            rule = rrulestr(";".join(f"{k}={v}" for k, v in parts.items()), dtstart=start)
            moments = rule.between(start, last, inc=True)
        rdates = observance.get("RDATE", [])
        for rdate in rdates if isinstance(rdates, list) else [rdates]:
            assert len(rdate.dts) == 1, "one RDATE value a line: ical.js reads only the first"
            moments.append(rdate.dts[0].dt)
        onsets += [((m - before).replace(tzinfo=timezone.utc), after) for m in moments]
    return sorted(onsets)


def offset_in(onsets: list, moment: datetime) -> timedelta:
    at = bisect.bisect_right(onsets, (moment, timedelta.max)) - 1
    assert at >= 0, f"{moment} is before the block's first onset"
    return onsets[at][1]


def assert_block_matches_zoneinfo(tzid: str, first_year: int, last_year: int) -> None:
    zone = ZoneInfo(tzid)
    block = icalendar.Timezone.from_ical(vtimezone(tzid, zone, first_year, last_year).to_ical())
    assert str(block["TZID"]) == tzid
    start = datetime(first_year, 1, 1, tzinfo=zone).astimezone(timezone.utc)
    end = datetime(last_year + 1, 1, 1, tzinfo=zone).astimezone(timezone.utc)
    onsets = read_onsets(block, end)
    for observance in block.subcomponents:
        assert observance.name in ("STANDARD", "DAYLIGHT")
    # Where the block says the clocks change, zoneinfo changes them, from and to those offsets.
    for moment, after in onsets:
        if start < moment < end:
            assert moment.astimezone(zone).utcoffset() == after, (tzid, moment)
            earlier = moment - timedelta(seconds=1)
            assert earlier.astimezone(zone).utcoffset() == offset_in(onsets, earlier), \
                (tzid, moment)
    # And nowhere else: every few hours over the years covered.
    moment = start
    while moment < end:
        assert moment.astimezone(zone).utcoffset() == offset_in(onsets, moment), (tzid, moment)
        moment += SAMPLE_EVERY


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(ZONES), st.integers(1990, 2036), st.integers(0, 2))
@example("Europe/Berlin", 2026, 1)
@example("America/New_York", 2026, 1)
@example("Australia/Sydney", 2026, 1)
@example("Asia/Shanghai", 1986, 6)  # China's summer time, 1986-1991
@example("Australia/Lord_Howe", 2026, 2)  # a half-hour change
@example("Africa/Casablanca", 2026, 2)  # suspended in Ramadan: no yearly rule
@example("Europe/Dublin", 2026, 1)  # "negative" summer time in zoneinfo's data
@example("America/Santiago", 2022, 2)
@example("Asia/Tehran", 2021, 2)  # summer time on fixed dates, abolished in 2022
@example("America/Mexico_City", 2020, 4)  # abolished in 2022: rules with UNTIL
def test_every_change_matches_zoneinfo(tzid, first_year, years):
    assert_block_matches_zoneinfo(tzid, first_year, first_year + years)


@pytest.mark.parametrize("tzid, rules", [
    ("Europe/Berlin", ["", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3",
                       "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"]),
    ("America/New_York", ["", "FREQ=YEARLY;BYDAY=2SU;BYMONTH=3",
                          "FREQ=YEARLY;BYDAY=1SU;BYMONTH=11"]),
    ("Australia/Sydney", ["", "FREQ=YEARLY;BYDAY=1SU;BYMONTH=4",
                          "FREQ=YEARLY;BYDAY=1SU;BYMONTH=10"]),
    ("Asia/Shanghai", [""]),
])
def test_regular_zones_are_a_few_yearly_rules(tzid, rules):
    block = vtimezone(tzid, ZoneInfo(tzid), 2026, 2028)
    written = [o["RRULE"].to_ical().decode() if "RRULE" in o else "" for o in block.subcomponents]
    assert written == rules


def test_onsets_are_written_in_the_time_before_the_change():
    """RFC 5545 §3.6.5: Berlin springs forward at 02:00 CET and falls back at 03:00 CEST."""
    block = vtimezone("Europe/Berlin", ZoneInfo("Europe/Berlin"), 2027, 2027).to_ical()
    assert b"BEGIN:DAYLIGHT\r\nDTSTART:20270328T020000\r\n" in block
    assert b"BEGIN:STANDARD\r\nDTSTART:20271031T030000\r\n" in block


def test_irregular_zones_get_one_block_per_change():
    block = vtimezone("Africa/Casablanca", ZoneInfo("Africa/Casablanca"), 2026, 2027)
    assert all("RRULE" not in o and "RDATE" not in o for o in block.subcomponents)
    assert len(block.subcomponents) == 1 + 4  # the offset on 1 January, and two changes a year


def test_a_rule_that_stops_has_an_until():
    block = vtimezone("America/Mexico_City", ZoneInfo("America/Mexico_City"), 2020, 2024)
    rules = [o["RRULE"].to_ical() for o in block.subcomponents if "RRULE" in o]
    assert rules == [b"FREQ=YEARLY;UNTIL=20220403T080000Z;BYDAY=1SU;BYMONTH=4",
                     b"FREQ=YEARLY;UNTIL=20221030T070000Z;BYDAY=-1SU;BYMONTH=10"]
