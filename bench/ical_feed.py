"""How expensive is a feed of 10,000 bookings?

1. Generation time of booking.ical.feed_to_ical, as a ratio of the icalendar library serialising
   the same events on its own (Event objects built straight from plain tuples, one to_ical()):
   cold (nothing cached, what the first request of a process pays) and warm (the event cache
   filled, what every later request pays for unchanged bookings).
2. Peak memory (tracemalloc) of generating the feed, cold and warm, beside the library's.
3. A conditional request answered 304, as a ratio of GET /health, both through the Flask test
   client of the same app, interleaved; plus the full 200 response (plain and gzip) for scale.
4. The body's size, plain and gzip-compressed (Accept-Encoding: gzip).

    .venv/bin/python bench/ical_feed.py                      # SQLite, 10,000 bookings
    .venv/bin/python bench/ical_feed.py --bookings 2000 --postgres postgresql+psycopg://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import icalendar
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from booking import create_app, ical, normalise_database_url  # noqa: E402
from booking.db_types import utcnow  # noqa: E402
from booking.extensions import db  # noqa: E402
from booking.models import Booking, CalendarFeed, Organisation, Resource, User  # noqa: E402
from booking.services import feeds  # noqa: E402

HOST = "bench.example.org"
TITLES = ("Motion capture for year 2", "三维动画课：角色建模", "Sound design, part 2; mixing",
          "Game QA practice", "实训基地参观")


def seed(count: int) -> tuple[int, str]:
    """One Berlin lab with *count* bookings by two organisations inside the feed window."""
    owner = Organisation(name="Studio", kind="enterprise")
    school = Organisation(name="School", kind="school")
    admin = User(email="admin@studio.bench", name="Admin", organisation=owner,
                 password_hash="x", role="org_admin", locale="en")
    teacher = User(email="t@school.bench", name="Teacher", organisation=school, password_hash="x")
    lab = Resource(organisation=owner, kind="facility", name="Lab 3, Building 2",
                   location="Haibin Road 1", timezone="Europe/Berlin",
                   longest_occupied_minutes=120)
    db.session.add_all([owner, school, admin, teacher, lab])
    db.session.commit()
    start = utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(days=80)
    step = (timedelta(days=80) + feeds.WINDOW_AHEAD - timedelta(days=10)) / count
    rows = []
    for i in range(count):
        begins = start + step * i
        booker = (teacher, school) if i % 3 else (admin, owner)
        rows.append({"resource_id": lab.id, "user_id": booker[0].id,
                     "organisation_id": booker[1].id, "title": TITLES[i % len(TITLES)],
                     "start_at": begins, "end_at": begins + timedelta(hours=1),
                     "occupied_start_at": begins, "occupied_end_at": begins + timedelta(hours=1),
                     "quantity": 1, "exclusive": True, "sequence": i % 4,
                     "uid": uuid.uuid4().hex, "status": "confirmed" if i % 10 else "pending",
                     "created_at": begins - timedelta(days=30),
                     "updated_at": begins - timedelta(days=20)})
    db.session.execute(sa.insert(Booking), rows)
    db.session.commit()
    _feed, token = feeds.create_feed(admin, "resource", lab.id)
    return _feed.id, token


def as_tuples(bookings: list[Booking]) -> list[tuple]:
    """The exact values booking.ical writes, as plain data, for the library-only baseline."""
    return [tuple(event.decoded(name) for name in _PROPS)
            for event in (ical.booking_event(b, host=HOST, url=f"https://{HOST}/bookings/{b.id}",
                                             show_details=True) for b in bookings)]


_PROPS = ("UID", "DTSTAMP", "DTSTART", "DTEND", "CREATED", "LAST-MODIFIED", "SEQUENCE",
          "STATUS", "TRANSP", "SUMMARY", "LOCATION", "DESCRIPTION", "URL")


def library_only(rows: list[tuple]) -> bytes:
    """icalendar on its own: a calendar with the same header, VTIMEZONE and events."""
    cal = icalendar.Calendar()
    for name, value in (("prodid", ical.PRODID), ("version", "2.0"), ("calscale", "GREGORIAN"),
                        ("method", "PUBLISH"), ("name", icalendar.vText("Lab 3, Building 2")),
                        ("x-wr-calname", icalendar.vText("Lab 3, Building 2"))):
        cal.add(name, value)
    cal.add("refresh-interval", ical.REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", icalendar.vDuration(ical.REFRESH_INTERVAL))
    cal.add("x-wr-timezone", icalendar.vText("Europe/Berlin"))
    for row in rows:
        event = icalendar.Event()
        for name, value in zip(_PROPS, row):
            event.add(name, value)
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


def render(bookings, cache):
    return ical.feed_to_ical(bookings, name="Lab 3, Building 2", host=HOST,
                             link=lambda b: f"https://{HOST}/bookings/{b.id}",
                             show_details=lambda b: True, zone="Europe/Berlin",
                             window=feeds.feed_window(utcnow()), cache=cache)


def once(action) -> float:
    gc.collect()
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def timed(action, runs: int) -> float:
    """Median seconds of *runs* calls."""
    return statistics.median(once(action) for _ in range(runs))


def peak_mb(action) -> float:
    gc.collect()
    tracemalloc.start()
    action()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def run(url: str, count: int, runs: int, requests: int) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": False,
                      "ICAL_EVENT_CACHE_SIZE": max(20_000, count)})
    with app.app_context():
        db.create_all()
        feed_id, token = seed(count)
        feed = db.session.get(CalendarFeed, feed_id)
        bookings = feeds.feed_bookings(feed, now=utcnow())
        assert len(bookings) == count, len(bookings)
        rows = as_tuples(bookings)
        cache = ical.EventCache(count)
        render(bookings, cache)
        print(f"{count} bookings, {len(render(bookings, cache)) / 1e6:.1f} MB of iCalendar")

        # Interleaved, so both meet the same load on a shared machine; best and median.
        library, cold = [], []
        for _ in range(runs):
            library.append(once(lambda: library_only(rows)))
            cold.append(once(lambda: render(bookings, None)))
        warm = [once(lambda: render(bookings, cache)) for _ in range(runs * 5)]
        base = min(library)
        print("\n1. generation time: best and median of", runs, "(ratio of the bests)")
        for label, times in (("icalendar alone, from tuples  ", library),
                             ("booking.ical, cold (no cache) ", cold),
                             ("booking.ical, warm event cache", warm)):
            print(f"   {label}  {min(times):8.3f} s  {statistics.median(times):8.3f} s"
                  f"   {min(times) / base:.3f}")
        print("\n2. peak memory while generating (tracemalloc)")
        print(f"   icalendar alone                  {peak_mb(lambda: library_only(rows)):8.1f} MB")
        print(f"   booking.ical, cold               {peak_mb(lambda: render(bookings, None)):8.1f} MB")
        print(f"   booking.ical, warm               {peak_mb(lambda: render(bookings, cache)):8.1f} MB")
        gc.collect()
        tracemalloc.start()
        kept = ical.EventCache(count)
        render(bookings, kept)
        retained = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        print(f"   event cache kept afterwards      {retained / 1e6:8.1f} MB")

    client = app.test_client()
    url_path = f"/feeds/{token}.ics"
    started = time.perf_counter()
    first = client.get(url_path)
    first_seconds = time.perf_counter() - started
    assert first.status_code == 200
    full = timed(lambda: client.get(url_path), runs * 3)
    gzip_headers = {"Accept-Encoding": "gzip"}
    packed = client.get(url_path, headers=gzip_headers)
    assert packed.headers["Content-Encoding"] == "gzip"
    full_gzip = timed(lambda: client.get(url_path, headers=gzip_headers), runs * 3)
    etag = first.headers["ETag"]
    health, conditional = [], []
    for _ in range(requests):  # interleaved, so both see the same machine load
        for path, headers, into, status in (("/health", {}, health, 200),
                                             (url_path, {"If-None-Match": etag}, conditional,
                                              304)):
            started = time.perf_counter()
            response = client.get(path, headers=headers)
            into.append(time.perf_counter() - started)
            assert response.status_code == status
    bare, not_modified = statistics.median(health), statistics.median(conditional)
    print("\n3. requests through the Flask test client (median)")
    print(f"   GET /health                      {bare * 1e3:8.2f} ms   1.00")
    print(f"   GET feed, If-None-Match -> 304   {not_modified * 1e3:8.2f} ms   "
          f"{not_modified / bare:.1f}")
    print(f"   GET feed -> 200, warm caches     {full * 1e3:8.2f} ms   {full / bare:.0f}")
    print(f"   GET feed -> 200 gzip, warm caches {full_gzip * 1e3:7.2f} ms   "
          f"{full_gzip / bare:.0f}")
    print(f"   GET feed -> 200, first in process {first_seconds:7.2f} s")
    print(f"\n4. body sizes: plain {len(first.data) / 1e6:.2f} MB, gzip "
          f"{len(packed.data) / 1e6:.3f} MB ({len(first.data) / len(packed.data):.0f}x smaller)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5, help="repetitions of each generation")
    parser.add_argument("--requests", type=int, default=300, help="requests of each kind")
    parser.add_argument("--postgres", help="a PostgreSQL URL instead of a temporary SQLite file")
    args = parser.parse_args()
    if args.postgres:
        with throwaway_postgres(args.postgres) as url:
            print("database: postgresql (a throw-away database)")
            run(url, args.bookings, args.runs, args.requests)
        return
    with tempfile.TemporaryDirectory() as folder:
        print("database: sqlite (a temporary file)")
        run(f"sqlite:///{Path(folder) / 'bench.sqlite'}", args.bookings, args.runs,
            args.requests)


@contextmanager
def throwaway_postgres(server_url: str):
    """A database of our own on the server, dropped afterwards; nothing else is touched."""
    base = sa.make_url(normalise_database_url(server_url))
    name = f"bench_ical_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


if __name__ == "__main__":
    main()
