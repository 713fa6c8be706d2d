"""booking/calendar_cells.py writes the calendar's cells as HTML strings: plain Python, escaped."""

from __future__ import annotations

import ast
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup, escape

from booking import calendar_cells
from booking.calendar_grid import BookingRecord


def test_the_cells_module_does_not_import_flask():
    tree = ast.parse(Path(calendar_cells.__file__).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(name.split(".")[0] in ("flask", "flask_babel") for name in imported)


def record(**fields) -> BookingRecord:
    start = datetime(2030, 1, 15, 9, tzinfo=timezone.utc)
    return BookingRecord(**{"id": 1, "start": start, "end": start + timedelta(hours=1),
                            "status": "confirmed", "label": None, "is_own": False,
                            "may_see_details": False, **fields})


def test_booking_words_and_status_follow_what_the_viewer_may_see():
    words = {"booked": "Booked", "busy": "Busy", "your_booking": "your booking",
             "awaiting": "pending, awaiting approval", "confirmed": "confirmed"}
    assert calendar_cells.booking_words(record(), words) == "Busy"
    assert calendar_cells.booking_words(record(may_see_details=True), words) == "Booked"
    assert calendar_cells.booking_words(record(may_see_details=True, detail="Org"), words) == "Org"
    assert calendar_cells.booking_words(record(label="Class", detail="Org"), words) == "Class"
    assert calendar_cells.status_words(record(is_own=True, status="pending"), words) == \
        "your booking, pending, awaiting approval"
    assert calendar_cells.status_words(record(), words) == "confirmed"
    assert calendar_cells.booking_kind(record(is_own=True, status="pending")) == \
        "is-own is-pending"


def test_a_free_cell_escapes_what_it_writes():
    words = calendar_cells.Words(
        gettext=lambda s, **v: s % v if v else s,
        ngettext=lambda s, p, n, **v: (s if n == 1 else p) % {"num": n},
        date=lambda day, skeleton: day.isoformat(), duration=str,
        fixed={"free": "free", "book": "book", "left": "%(num)d left",
               "book_span": "Book %(start)s–%(end)s <x>", "twice": "twice"})
    item = SimpleNamespace(
        proposal=SimpleNamespace(start_local="2030-01-15T09:00", end_local="2030-01-15T10:00",
                                 places_left=None, ambiguous=False),
        is_slot=False, top=0, height=60, label="09:00", until_local="2030-01-15T10:00",
        places_left=None)
    html = calendar_cells._free(item, words, lambda d: "s-x", "/new?a=1&b=<2>", True, 1)
    assert 'href="/new?a=1&amp;b=&lt;2&gt;"' in html
    assert "Book 09:00–10:00 &lt;x&gt;" in html and "<x>" not in html


@given(st.one_of(st.text(), st.text(alphabet="&<>\"'a·中 ")))
def test_esc_writes_what_markupsafe_writes(text):
    assert calendar_cells.esc(text) == str(escape(text))
    assert calendar_cells.esc(Markup(text)) == text  # markup stays as it is


def test_esc_takes_what_is_not_a_string():
    assert calendar_cells.esc(3) == "3"
    assert calendar_cells.esc(SimpleNamespace(__html__=lambda: "<b>")) == "<b>"
