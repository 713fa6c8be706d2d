"""A weekly series in a subscription feed: every date, a cancelled one and a moved one."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import sqlalchemy as sa

from booking.extensions import db
from booking.models import Booking, User
from booking.scheduling import Frequency, Recurrence
from booking.services import bookings as booking_service
from booking.services import series as series_service
from booking.services.bookings import BookingRequest
from booking.services.series import SeriesRequest
from tests.conftest import utc
from tests.test_ical import run_ics_check
from tests.views.test_feeds import make_feed

BERLIN = ZoneInfo("Europe/Berlin")
FIRST = datetime(2027, 3, 15, 9, 0, tzinfo=BERLIN)  # a Monday; the clocks change on the 28th
NOW = utc(2027, 1, 10, 12)  # the feed is served then, and the rules judge bookings then


def test_series_dates_reach_calendars_with_their_changes(app, client, make_org, make_user,
                                                         make_resource, monkeypatch, tmp_path):
    monkeypatch.setattr("booking.views.feeds.utcnow", lambda: NOW)
    teacher = make_user("t@school.org", make_org())
    lab = make_resource(name="Berlin lab", timezone="Europe/Berlin")
    with app.app_context():
        user = db.session.get(User, teacher)
        _series, booked, _ = series_service.create_series(user, SeriesRequest(
            BookingRequest(lab, FIRST, FIRST + timedelta(hours=2), title="Weekly lab"),
            Recurrence(Frequency.WEEKLY, count=5)), now=NOW)
        ids = [b.id for b in booked]
        uids = [b.uid for b in booked]
        booking_service.cancel_booking(user, ids[1])
        moved_to = FIRST + timedelta(weeks=3, days=1)  # Tuesday 6 April instead of Monday
        booking_service.move_booking(user, ids[3], moved_to, moved_to + timedelta(hours=2),
                                     now=NOW)
        # The cancellation happened "yesterday", inside the feed's grace window for it.
        db.session.execute(sa.update(Booking).where(Booking.id == ids[1])
                           .values(updated_at=NOW - timedelta(days=1)))
        db.session.commit()
    body = client.get(f"/feeds/{make_feed(app, teacher)}.ics").data
    path = tmp_path / "series.ics"
    path.write_bytes(body)
    run_ics_check(path)

    found = {str(e["UID"]).split("@")[0].removeprefix("booking-"): e
             for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}
    assert set(found) == set(uids)  # one event per date, each with its own stable UID
    starts = [found[u].decoded("DTSTART").astimezone(BERLIN) for u in uids]
    # 09:00 on every date, before and after the change of clocks on 28 March.
    assert {s.time() for s in starts} == {FIRST.time()}
    assert [s.utcoffset() for s in starts] == [timedelta(hours=1)] * 2 + [timedelta(hours=2)] * 3
    cancelled, moved = found[uids[1]], found[uids[3]]
    assert str(cancelled["STATUS"]) == "CANCELLED" and int(cancelled["SEQUENCE"]) >= 1
    assert starts[3].date() == moved_to.date() and int(moved["SEQUENCE"]) >= 1
    assert all(str(found[u]["STATUS"]) == "CONFIRMED" for u in (uids[0], uids[2], uids[4]))
