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
