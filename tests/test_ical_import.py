"""booking.ical_import: closures read from .ics files, and every way a file is refused."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from booking import ical_import
from booking.exceptions import InvalidInput


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


NOW = utc(2027, 1, 10)


def ics(*events: str, extra: str = "") -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\nUID:{n}@school\r\nDTSTAMP:20270101T000000Z\r\n{e}"
                   "END:VEVENT\r\n" for n, e in enumerate(events))
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//School//EN\r\n{extra}{body}"
            "END:VCALENDAR\r\n").encode()


def test_import_all_day_events_close_whole_local_days():
    data = ics("SUMMARY:Spring holiday\r\nDTSTART;VALUE=DATE:20270329\r\n"
               "DTEND;VALUE=DATE:20270403\r\n",
               "SUMMARY:Teachers' day\r\nDTSTART;VALUE=DATE:20270910\r\n")
    holiday, teachers = ical_import.parse_closures(data, "Europe/Berlin", now=NOW)
    # 29 March to 2 April inclusive: DTEND is exclusive; Berlin is on summer time by then.
    assert holiday == (utc(2027, 3, 28, 22), utc(2027, 4, 2, 22), "Spring holiday")
    assert teachers == (utc(2027, 9, 9, 22), utc(2027, 9, 10, 22), "Teachers' day")


def test_import_across_the_spring_change_is_23_hours():
    data = ics("SUMMARY:Sunday\r\nDTSTART;VALUE=DATE:20270328\r\nDTEND;VALUE=DATE:20270329\r\n")
    ((start, end, _reason),) = ical_import.parse_closures(data, "Europe/Berlin", now=NOW)
    assert (start, end) == (utc(2027, 3, 27, 23), utc(2027, 3, 28, 22))


def test_import_timed_events_keep_their_zone():
    data = ics("SUMMARY:Zoned\r\nDTSTART;TZID=Asia/Shanghai:20270501T080000\r\n"
               "DTEND;TZID=Asia/Shanghai:20270501T120000\r\n",
               "SUMMARY:UTC\r\nDTSTART:20270502T080000Z\r\nDURATION:PT2H\r\n",
               "SUMMARY:Floating\r\nDTSTART:20270503T080000\r\nDTEND:20270503T090000\r\n",
               "SUMMARY:Gone\r\nSTATUS:CANCELLED\r\nDTSTART:20270504T080000Z\r\n"
               "DTEND:20270504T090000Z\r\n")
    closures = ical_import.parse_closures(data, "Europe/Berlin", now=NOW)
    assert closures == [(utc(2027, 5, 1), utc(2027, 5, 1, 4), "Zoned"),
                        (utc(2027, 5, 2, 8), utc(2027, 5, 2, 10), "UTC"),
                        (utc(2027, 5, 3, 6), utc(2027, 5, 3, 7), "Floating")]


BERLIN_VTIMEZONE = (
    "BEGIN:VTIMEZONE\r\nTZID:Custom Berlin\r\n"
    "BEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
    "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n"
    "BEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
    "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n")


@pytest.mark.parametrize("start, duration, end", [
    # RFC 5545 §3.3.6: hours, minutes and seconds are exact time, across the spring change too.
    ("DTSTART;TZID=Europe/Berlin:20270328T013000", "PT2H", utc(2027, 3, 28, 2, 30)),
    ("DTSTART;TZID=Europe/Berlin:20270327T090000", "PT24H", utc(2027, 3, 28, 8)),
    ("DTSTART;TZID=Europe/Berlin:20271031T013000", "PT3H", utc(2027, 10, 31, 2, 30)),
    # Days and weeks are nominal: the same wall-clock time that many days later...
    ("DTSTART;TZID=Europe/Berlin:20270327T090000", "P1D", utc(2027, 3, 28, 7)),
    ("DTSTART;TZID=Europe/Berlin:20270322T090000", "P1W", utc(2027, 3, 29, 7)),
    # ...and then the exact part: 09:00 on the 28th (summer time), plus two real hours.
    ("DTSTART;TZID=Europe/Berlin:20270327T090000", "P1DT2H", utc(2027, 3, 28, 9)),
    ("DTSTART:20270327T090000", "PT24H", utc(2027, 3, 28, 8)),  # floating: the resource's
    ("DTSTART;TZID=Custom Berlin:20270328T013000", "PT2H", utc(2027, 3, 28, 2, 30)),
    ("DTSTART:20270327T080000Z", "P1D", utc(2027, 3, 28, 8)),  # in UTC a day is 24 hours
    ("DTSTART;VALUE=DATE:20270327", "P2D", utc(2027, 3, 28, 22)),
    ("DTSTART;VALUE=DATE:20270327", "+P1W", utc(2027, 4, 2, 22)),
])
def test_import_duration_is_exact_time_after_nominal_days(start, duration, end):
    data = ics(f"SUMMARY:Closed\r\n{start}\r\nDURATION:{duration}\r\n",
               extra=BERLIN_VTIMEZONE)
    ((_start, closes, _reason),) = ical_import.parse_closures(data, "Europe/Berlin", now=NOW)
    assert closes == end


def test_import_all_day_event_ending_on_its_start_is_one_day():
    """Some exporters write DTEND equal to DTSTART for a one-day event."""
    data = ics("SUMMARY:Sports day\r\nDTSTART;VALUE=DATE:20270601\r\n"
               "DTEND;VALUE=DATE:20270601\r\n")
    assert ical_import.parse_closures(data, "Asia/Shanghai", now=NOW) == [
        (utc(2027, 5, 31, 16), utc(2027, 6, 1, 16), "Sports day")]


def test_import_of_a_huge_file_is_refused_before_it_is_parsed(monkeypatch):
    events = "".join("BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270501\r\nEND:VEVENT\r\n"
                     for _ in range(10_000))
    data = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{events}END:VCALENDAR\r\n".encode()
    assert len(data) < ical_import.MAX_IMPORT_BYTES
    monkeypatch.setattr("icalendar.Calendar.from_ical",
                        lambda *a, **k: pytest.fail("parsed a file that was too large"))
    with pytest.raises(InvalidInput) as refused:
        ical_import.parse_closures(data, "UTC", now=NOW)
    assert "10000 events; at most 500" in str(refused.value.fields["file"][0])


def test_import_folded_lines_still_count_as_events(monkeypatch):
    events = "".join("BEGIN:VEV\r\n ENT\r\nDTSTART;VALUE=DATE:20270501\r\nEND:VEVENT\r\n"
                     for _ in range(ical_import.MAX_IMPORT_EVENTS + 1))
    data = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{events}END:VCALENDAR\r\n".encode()
    with pytest.raises(InvalidInput) as refused:
        ical_import.parse_closures(data, "UTC", now=NOW)
    assert "at most 500" in str(refused.value.fields["file"][0])


def test_import_zones_the_file_defines_or_everybody_knows():
    data = ics("SUMMARY:Custom\r\nDTSTART;TZID=Custom Berlin:20270701T080000\r\n"
               "DTEND;TZID=Custom Berlin:20270701T100000\r\n",
               "SUMMARY:Windows\r\nDTSTART;TZID=China Standard Time:20270702T080000\r\n"
               "DTEND;TZID=China Standard Time:20270702T100000\r\n",
               "SUMMARY:IANA\r\nDTSTART;TZID=America/New_York:20270703T080000\r\n"
               "DTEND;TZID=America/New_York:20270703T100000\r\n", extra=BERLIN_VTIMEZONE)
    assert [c[:2] for c in ical_import.parse_closures(data, "UTC", now=NOW)] == [
        (utc(2027, 7, 1, 6), utc(2027, 7, 1, 8)), (utc(2027, 7, 2), utc(2027, 7, 2, 2)),
        (utc(2027, 7, 3, 12), utc(2027, 7, 3, 14))]


def test_import_reason_is_clean_and_short():
    data = ics("SUMMARY:" + "x" * 400 + "\\nmore\r\nDTSTART;VALUE=DATE:20270501\r\n")
    ((_start, _end, reason),) = ical_import.parse_closures(data, "UTC", now=NOW)
    assert reason == "x" * 300


@pytest.mark.parametrize("data, words", [
    (b"", "not an iCalendar"),
    (b"hello world", "not an iCalendar"),
    (b"\xff\xfe\x00\x01binary", "not an iCalendar"),
    (b"BEGIN:VCARD\r\nFN:Someone\r\nEND:VCARD\r\n", "not an iCalendar"),
    (ics(), "no events"),
    (ics("SUMMARY:No start\r\n"), "“No start” has no start"),
    (ics("SUMMARY:Weekly\r\nDTSTART:20270501T080000Z\r\nDTEND:20270501T090000Z\r\n"
         "RRULE:FREQ=WEEKLY;COUNT=3\r\n"), "repeats"),
    (ics("SUMMARY:Back\r\nDTSTART:20270501T080000Z\r\nDTEND:20270501T070000Z\r\n"),
     "ends before it starts"),
    (ics("SUMMARY:Instant\r\nDTSTART:20270501T080000Z\r\nDTEND:20270501T080000Z\r\n"),
     "“Instant” ends when it starts"),
    (ics("SUMMARY:Negative\r\nDTSTART:20270501T080000Z\r\nDURATION:-PT1H\r\n"),
     "ends before it starts"),
    (ics("SUMMARY:Nothing\r\nDTSTART:20270501T080000Z\r\nDURATION:PT0S\r\n"),
     "ends when it starts"),
    # Issue 10: a huge DURATION was a 500.
    (ics("SUMMARY:Forever\r\nDTSTART:20270501T080000Z\r\nDURATION:P99999999D\r\n"),
     "“Forever” is outside the years"),
    (ics("SUMMARY:Forever\r\nDTSTART:20270501T080000Z\r\nDURATION:P999999999W\r\n"),
     "“Forever”"),
    (ics("SUMMARY:Forever\r\nDTSTART:20270501T080000Z\r\n"
         "DURATION:PT99999999999999999999H\r\n"), "“Forever”"),
    (ics("SUMMARY:Hours\r\nDTSTART;VALUE=DATE:20270501\r\nDURATION:PT5H\r\n"),
     "“Hours” has no usable end"),
    (ics("SUMMARY:Last day\r\nDTSTART;VALUE=DATE:99991231\r\n"), "outside the years"),
    (ics("SUMMARY:Late\r\nDTSTART;TZID=America/New_York:99991231T230000\r\n"
         "DTEND;TZID=America/New_York:99991231T233000\r\n"), "outside the years"),
    # A TZID neither defined in the file nor known by its name: the time cannot be placed.
    (ics("SUMMARY:Mars\r\nDTSTART;TZID=Mars/Olympus:20270501T080000\r\n"
         "DTEND;TZID=Mars/Olympus:20270501T090000\r\n"),
     "“Mars” uses the time zone “Mars/Olympus”"),
    (ics("SUMMARY:Mars\r\nDTSTART:20270501T080000Z\r\n"
         "DTEND;TZID=Mars/Olympus:20270501T090000\r\n"), "“Mars/Olympus”"),
    (ics("SUMMARY:Point\r\nDTSTART:20270501T080000Z\r\n"), "no usable end"),
    (ics("SUMMARY:Mixed\r\nDTSTART;VALUE=DATE:20270501\r\nDTEND:20270502T080000Z\r\n"),
     "no usable end"),
    (ics("SUMMARY:Broken\r\nDTSTART:tomorrow\r\nDTEND:20270502T080000Z\r\n"),
     "cannot be read"),
    (ics("SUMMARY:Twice\r\nDTSTART:20270501T080000Z\r\nDTSTART:20270501T090000Z\r\n"
         "DTEND:20270502T080000Z\r\n"), "“Twice”"),
    (ics("SUMMARY:Ancient\r\nDTSTART;VALUE=DATE:19000101\r\n"), "outside the years"),
    (ics("SUMMARY:Far\r\nDTSTART;VALUE=DATE:99990101\r\n"), "outside the years"),
    (ics("SUMMARY:Free\r\nTRANSP:TRANSPARENT\r\nDTSTART;VALUE=DATE:20270101\r\n"),
     "no events that could become closures"),
    (ics(*["DTSTART;VALUE=DATE:20270501\r\n"] * (ical_import.MAX_IMPORT_EVENTS + 1)), "at most"),
    (b"BEGIN:VCALENDAR\r\n" + b"X-PAD:" + b"x" * ical_import.MAX_IMPORT_BYTES, "larger than"),
])
def test_import_refuses_bad_files_with_a_clear_message(data, words):
    with pytest.raises(InvalidInput) as refused:
        ical_import.parse_closures(data, "Europe/Berlin", now=NOW)
    assert words in str(refused.value.fields["file"][0])
