"""Two gunicorn servers on one database, a storm of requests for the same slots.

Starts two servers (different ports, --workers sync workers each) over one throw-away
PostgreSQL database (or, with --database sqlite, one SQLite file: the servers' workers then
queue for its write turn, booking.extensions.WriteTurn) with a lab of --capacity places,
then for each of --slots half-hour slots sends --requests simultaneous POST /api/v1/bookings
(one place each, half through each server, released together by a barrier; every request
from its own person's token).
Exactly capacity-many must win each slot (201), the rest be refused (409), none fail; the
database must then hold exactly capacity bookings per slot. Prints bookings per second over
the whole storm (201s / wall time) and the answers by status.

    .venv/bin/python bench/storm.py
    .venv/bin/python bench/storm.py --slots 40 --requests 24 --capacity 3 --workers 2
    .venv/bin/python bench/storm.py --database sqlite
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

from booking.extensions import db  # noqa: E402
from booking.models import Booking, Organisation, Resource, User  # noqa: E402
from booking.services.api_tokens import create_token  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--slots", type=int, default=30)
    parser.add_argument("--requests", type=int, default=16, help="simultaneous, per slot")
    parser.add_argument("--capacity", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="per server")
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--database", default="postgresql", choices=["postgresql", "sqlite"])
    args = parser.parse_args()
    with harness.database(args.database) as url:
        lab, tokens = _seed(url, args)
        with harness.gunicorn(url, args.workers, worker_class=args.worker_class) as first, \
                harness.gunicorn(url, args.workers, worker_class=args.worker_class) as second:
            results, elapsed = _storm([first, second], lab, tokens, args)
        stored = _stored(url, lab)
    won = Counter(slot for slot, status in results if status == 201)
    statuses = Counter(status for _slot, status in results)
    wrong = {slot: n for slot, n in won.items() if n != args.capacity}
    wrong.update({slot: 0 for slot in range(args.slots) if slot not in won})
    wrong_stored = {slot: n for slot, n in stored.items() if n != args.capacity}
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; {args.database}; "
          f"two servers x "
          f"{args.workers} {args.worker_class} workers; {args.slots} slots x {args.requests} "
          f"simultaneous requests, capacity {args.capacity}")
    print(f"answers: {dict(statuses)}; {statuses[201] / elapsed:.1f} bookings/s, "
          f"{len(results) / elapsed:.1f} requests/s over {elapsed:.1f} s")
    print(f"slots with other than {args.capacity} winners: {wrong or 'none'}; "
          f"stored per slot other than capacity: {wrong_stored or 'none'}")
    if wrong or wrong_stored or set(statuses) - {201, 409}:
        raise SystemExit("the storm broke the capacity")


def _seed(url: str, args) -> tuple[int, list[str]]:
    app = harness.app_for(url)
    with app.app_context():
        db.create_all()
        owner = Organisation(name="Storm enterprise", kind="enterprise")
        school = Organisation(name="Storm school", kind="school")
        lab = Resource(organisation=owner, kind="facility", name="Storm lab",
                       capacity=args.capacity)
        people = [User(email=f"p{i}@storm.example", name=f"P{i}", organisation=school,
                       password_hash="unused") for i in range(args.requests)]
        db.session.add_all([owner, school, lab, *people])
        db.session.commit()
        tokens = [create_token(person, "storm")[1] for person in people]
        lab_id = lab.id
        db.engine.dispose()
    return lab_id, tokens


def _storm(ports: list[int], lab: int, tokens: list[str], args) -> tuple[list, float]:
    base = (datetime.now(timezone.utc) + timedelta(days=2)).replace(minute=0, second=0,
                                                                    microsecond=0)
    results: list[tuple[int, int]] = []
    lock = threading.Lock()
    started = time.perf_counter()
    for slot in range(args.slots):
        start = base + timedelta(minutes=30 * slot)
        body = json.dumps({"resource_id": lab, "start": start.isoformat(),
                           "end": (start + timedelta(minutes=30)).isoformat()})
        barrier = threading.Barrier(args.requests)

        def one(n: int, slot=slot, body=body, barrier=barrier) -> None:
            headers = {"Authorization": f"Bearer {tokens[n]}",
                       "Content-Type": "application/json"}
            barrier.wait()
            status, _h, _b = harness.request(ports[n % 2], "POST", "/api/v1/bookings",
                                             body=body, headers=headers)
            with lock:
                results.append((slot, status))

        threads = [threading.Thread(target=one, args=(n,)) for n in range(args.requests)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return results, time.perf_counter() - started


def _stored(url: str, lab: int) -> dict[int, int]:
    app = harness.app_for(url)
    with app.app_context():
        rows = db.session.execute(sa.select(Booking.start_at, sa.func.sum(Booking.quantity))
                                  .where(Booking.resource_id == lab)
                                  .group_by(Booking.start_at).order_by(Booking.start_at)).all()
        db.engine.dispose()
    return {index: int(total) for index, (_start, total) in enumerate(rows)}


if __name__ == "__main__":
    main()
