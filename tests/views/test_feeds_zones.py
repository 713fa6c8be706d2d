"""Feeds in four zones over their whole window, fetched over HTTP and checked by ics_check."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar

from booking.extensions import db
from booking.models import User
from booking.services import feeds as feed_service
from tests.test_ical import FOUR_ZONES, run_ics_check


def test_feeds_in_four_zones_place_every_booking_right(app, client, make_org, make_user,
                                                        make_resource, make_booking, tmp_path):
    """Weekly 09:00 bookings from this winter to next year's: every change of the clocks in
    both hemispheres, over two calendar years, through every parser ics_check runs."""
    studio = make_org("Studio", "enterprise")
    admin = make_user("admin@studio.org", studio, role="org_admin")
    today = datetime.now(timezone.utc).date()
    feeds = tmp_path / "feeds"  # tmp_path also holds the SQLite database
    feeds.mkdir()
    for tzid in FOUR_ZONES:
        zone = ZoneInfo(tzid)
        room = make_resource(studio, name=f"Room in {tzid}", timezone=tzid)
        starts = {}
        for week in range(-12, 52):
            day = today + timedelta(weeks=week)
            start = datetime(day.year, day.month, day.day, 9, tzinfo=zone)
            booking_id = make_booking(room, admin, start.astimezone(timezone.utc),
                                      (start + timedelta(hours=1)).astimezone(timezone.utc))
            starts[booking_id] = start
        with app.app_context():
            _feed, token = feed_service.create_feed(db.session.get(User, admin), "resource", room)
        body = client.get(f"/feeds/{token}.ics").data
        shown = {str(e["URL"]).rsplit("/", 1)[1]: e
                 for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}
        assert len(shown) == len(starts) == 64
        for booking_id, start in starts.items():
            event = shown[str(booking_id)]
            assert event["DTSTART"].dt.astimezone(timezone.utc) == start, tzid
            assert event["DTSTART"].params.get("TZID", "UTC") in (tzid, "UTC")
        (feeds / f"{tzid.replace('/', '_')}.ics").write_bytes(body)
    run_ics_check(*sorted(feeds.iterdir()), every_parser=True)
