"""Lists fold each series into one row (issue 14): checked against a brute-force oracle."""

from __future__ import annotations

from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from booking.services.listings import SeriesRow, fold_series


def _bookings(series_ids: list[int | None]) -> list[SimpleNamespace]:
    return [SimpleNamespace(id=i, series_id=s, series=None if s is None else f"series {s}")
            for i, s in enumerate(series_ids)]


@given(st.lists(st.one_of(st.none(), st.integers(1, 4)), max_size=30))
def test_every_booking_is_kept_once_and_each_series_is_one_row_where_it_first_appears(ids):
    bookings = _bookings(ids)
    rows = fold_series(bookings)
    flat = [b for row in rows for b in (row.bookings if isinstance(row, SeriesRow) else [row])]
    assert sorted(b.id for b in flat) == list(range(len(ids)))
    # The oracle: walk the list; a series' first date opens its row, later ones join it.
    expected, seen = [], set()
    for booking in bookings:
        if booking.series_id is None:
            expected.append(("one", booking.id))
        elif booking.series_id not in seen:
            seen.add(booking.series_id)
            dates = [b.id for b in bookings if b.series_id == booking.series_id]
            expected.append(("one", booking.id) if len(dates) == 1 else ("series", dates))
    assert [("series", [b.id for b in r.bookings]) if isinstance(r, SeriesRow) else ("one", r.id)
            for r in rows] == expected
