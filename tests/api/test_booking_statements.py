"""POST /api/v1/bookings runs a constant, small number of SQL statements (issue 16).

Counted with a before_cursor_execute listener on the app's engine (SQLite's BEGINs count too):
the first booking on a resource reads its windows and closures; later ones take the rules from
the per-resource-version cache, read what occupies the slot once, insert, and answer from what
they wrote. Changing the rules (a new window, a closure) is seen by the very next booking.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, time, timedelta, timezone

import sqlalchemy as sa

from booking.extensions import db
from booking.models import AvailabilityWindow, Closure, Resource
from tests.api import bearer, issue_token

URL = "/api/v1/bookings"
# BEGIN (SQLite), the token (with whether its person is active), BEGIN IMMEDIATE (SQLite), the
# locked resource with its owner and the booker with their organisation (one statement),
# what occupies the slot, the INSERT, the audit entry (written in the same transaction,
# docs/security.md), the ledger's day and month rows (docs/ledger.md; on PostgreSQL one
# statement, the day's upsert a CTE of the month's).
MOST_STATEMENTS = {"sqlite": 9, "postgresql": 6}


@contextmanager
def counted(app):
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def _setup(app, make_org, make_user, make_resource):
    school, studio = make_org("School", "school"), make_org("Studio", "enterprise")
    user = make_user("teacher@school.org", school)
    lab = make_resource(studio, name="Lab", windows=[(d, "00:00", "23:59") for d in range(7)],
                        closures=[(datetime(2020, 1, 1, tzinfo=timezone.utc),
                                   datetime(2020, 1, 2, tzinfo=timezone.utc), "Old")])
    return bearer(issue_token(app, user)), lab


def _body(lab: int, n: int) -> dict:
    start = (datetime.now(timezone.utc) + timedelta(days=30)).replace(
        hour=2, minute=0, second=0, microsecond=0) + timedelta(days=n)
    return {"resource_id": lab, "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat()}


def test_statements_per_booking_are_few_and_constant(app, client, make_org, make_user,
                                                     make_resource):
    headers, lab = _setup(app, make_org, make_user, make_resource)
    dialect = app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0].split("+")[0]
    dialect = "sqlite" if dialect == "sqlite" else "postgresql"
    # The first booking raises the resource's longest-booking mark (a new version of its row),
    # the second reads the rules of that version once; from then on every booking is alike.
    for n in range(2):
        assert client.post(URL, json=_body(lab, n), headers=headers).status_code == 201
    counts = []
    for n in range(2, 7):
        with counted(app) as statements:
            answer = client.post(URL, json=_body(lab, n), headers=headers)
        assert answer.status_code == 201, answer.get_json()
        assert answer.get_json()["title"] == "" and answer.get_json()["booker"]["id"]
        counts.append(len(statements))
    assert len(set(counts)) == 1, counts
    assert counts[0] <= MOST_STATEMENTS[dialect], statements


def test_changed_rules_are_seen_by_the_next_booking(app, client, make_org, make_user,
                                                    make_resource):
    headers, lab = _setup(app, make_org, make_user, make_resource)
    assert client.post(URL, json=_body(lab, 0), headers=headers).status_code == 201
    # A closure over the next wanted day, added the way an admin's edit does (ORM rows).
    wanted = _body(lab, 1)
    with app.app_context():
        resource = db.session.get(Resource, lab)
        resource.closures.append(Closure(start_at=datetime.fromisoformat(wanted["start"]),
                                         end_at=datetime.fromisoformat(wanted["end"]),
                                         reason="Maintenance"))
        db.session.commit()
    refused = client.post(URL, json=wanted, headers=headers)
    assert refused.status_code == 409, refused.get_json()
    # Opening hours replaced by one early window: a 02:00 UTC booking falls outside it.
    with app.app_context():
        resource = db.session.get(Resource, lab)
        resource.windows = [AvailabilityWindow(weekday=d, start_time=time(0, 0),
                                               end_time=time(0, 30)) for d in range(7)]
        db.session.commit()
    assert client.post(URL, json=_body(lab, 2), headers=headers).status_code == 409
    # A window row written on its own (not through the resource's collection) counts too.
    with app.app_context():
        db.session.add_all([AvailabilityWindow(resource_id=lab, weekday=d,
                                               start_time=time(1, 0), end_time=time(23, 0))
                            for d in range(7)])
        db.session.commit()
    assert client.post(URL, json=_body(lab, 3), headers=headers).status_code == 201
