"""Snapshots of databases made by earlier releases, for the upgrade-with-data test.

`python -m tests.migrations.snapshot` builds a fresh SQLite database with the code checked out
now (`flask init-db`, `flask demo-data`, then a day of use through the JSON API: tokens, feeds,
cancelled, rejected, approved and moved bookings, a re-timed series) and writes every row of
every table to `tests/migrations/snapshots/<revision>.json`. Run it on main *before* adding a
migration, commit the file, and tests/test_migrations.py will upgrade that data to the new head
on SQLite and PostgreSQL.

Loading goes the other way: `load()` inserts a snapshot into a database that is at the
snapshot's revision, converting values by the column types found there.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa

SNAPSHOTS = Path(__file__).parent / "snapshots"


def dump(connection: sa.Connection) -> dict[str, Any]:
    """Every row of every table, values in JSON-friendly form, with the Alembic revision."""
    metadata = sa.MetaData()
    metadata.reflect(connection)
    revision = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    tables = {}
    for table in metadata.sorted_tables:
        if table.name == "alembic_version":
            continue
        order = [c for c in table.primary_key.columns] or list(table.columns)
        rows = connection.execute(sa.select(table).order_by(*order)).mappings()
        tables[table.name] = [{k: _to_json(v) for k, v in row.items()} for row in rows]
    return {"revision": revision, "tables": tables}


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        # SQLite hands back the naive UTC text the app stored; PostgreSQL an aware value.
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    return value


def load(connection: sa.Connection, snapshot: dict[str, Any]) -> None:
    """Insert a snapshot into an empty database at the snapshot's revision."""
    metadata = sa.MetaData()
    metadata.reflect(connection)
    sqlite = connection.dialect.name == "sqlite"
    for table in metadata.sorted_tables:
        rows = snapshot["tables"].get(table.name)
        if not rows:
            continue
        connection.execute(table.insert(), [
            {name: from_json(table.c[name].type, value, sqlite=sqlite)
             for name, value in row.items()} for row in rows])
    if not sqlite:
        for table in metadata.sorted_tables:
            if "id" in table.c and snapshot["tables"].get(table.name):
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                    f"(SELECT max(id) FROM \"{table.name}\"))")


def from_json(column_type: sa.types.TypeEngine, value: Any, *, sqlite: bool) -> Any:
    """A JSON value back as what a column of this type takes."""
    if value is None:
        return None
    if isinstance(column_type, sa.DateTime):
        moment = datetime.fromisoformat(value).astimezone(timezone.utc)
        return moment.replace(tzinfo=None) if sqlite else moment
    if isinstance(column_type, sa.Date):
        return date.fromisoformat(value)
    if isinstance(column_type, sa.Time):
        return time.fromisoformat(value)
    return value


def normalised(column_type: sa.types.TypeEngine, value: Any) -> Any:
    """A value read back from any engine in the form dump() writes, to compare snapshots."""
    return _to_json(from_json(column_type, _to_json(value), sqlite=False))


def read(revision: str) -> dict[str, Any]:
    return json.loads((SNAPSHOTS / f"{revision}.json").read_text())


def available() -> list[str]:
    return sorted(p.stem for p in SNAPSHOTS.glob("*.json"))


def make() -> dict[str, Any]:
    """Build a database with today's code and a day of use, and dump it."""
    from booking import create_app
    from booking.demo import PASSWORD
    from booking.extensions import db

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'snapshot.sqlite'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "snapshot",
                          "TESTING": True, "RATELIMIT_ENABLED": False})
        runner = app.test_cli_runner()
        for command in (["init-db"], ["demo-data"]):
            with app.app_context():  # as `flask` runs it; the test runner pushes no context
                result = runner.invoke(args=command)
            assert result.exit_code == 0, result.output
        _use_it(app.test_client(), PASSWORD)
        with app.app_context():
            with db.engine.connect() as connection:
                snapshot = dump(connection)
            db.engine.dispose()
    # The demo password of that release, so the upgrade test can sign its people in.
    return {**snapshot, "demo_password": PASSWORD}


def _use_it(client, password: str) -> None:
    """A day of ordinary use through the public API, so every table and state has rows."""
    teacher = _token(client, "wang.fang@dmvs.demo", password)
    owner = _token(client, "labs@haibin-animation.demo", password)
    school_admin = _token(client, "office@dmvs.demo", password)
    resources = {r["name"]: r for r in _call(client, teacher, "GET", "/resources")["items"]}
    studio = resources["Motion-capture studio"]["id"]
    lab = resources["VR teaching lab (30 seats)"]["id"]
    mentor = resources["Mentor: Li Wei, senior 3D animator"]["id"]
    day = date.today() + timedelta(days=9)
    while day.weekday() != 2:  # a Wednesday: the mentor's afternoon
        day += timedelta(days=1)

    def at(d: date, clock: str) -> str:
        return f"{d.isoformat()}T{clock}:00+08:00"

    requests = [_call(client, teacher, "POST", "/bookings",
                      {"resource_id": studio, "start": at(day + timedelta(days=d), "10:00"),
                       "end": at(day + timedelta(days=d), "12:00"), "title": f"Capture {d}"})
                for d in (7, 8)]
    _call(client, owner, "POST", f"/bookings/{requests[0]['id']}/approve", {})
    _call(client, owner, "POST", f"/bookings/{requests[1]['id']}/reject",
          {"reason": "The studio is being recalibrated that day."})
    slot = _call(client, teacher, "POST", "/bookings",
                 {"resource_id": mentor, "start": at(day, "14:00"), "end": at(day, "14:30"),
                  "title": "Portfolio review"})
    _call(client, teacher, "POST", f"/bookings/{slot['id']}/cancel", {})
    series = _call(client, school_admin, "POST", "/bookings",
                   {"resource_id": lab, "start": at(day, "08:00"), "end": at(day, "10:00"),
                    "quantity": 25, "title": "VR safety course",
                    "repeat": {"freq": "weekly", "count": 6}})
    series_id = series["series_id"]
    dates = _call(client, school_admin, "GET", f"/series/{series_id}")["bookings"]
    moved = dates[2]
    _call(client, school_admin, "POST", f"/series/{series_id}/bookings/{moved['id']}/move",
          {"start": at(day + timedelta(days=15), "09:00"),
           "end": at(day + timedelta(days=15), "11:00")})
    _call(client, school_admin, "PATCH", f"/series/{series_id}",
          {"start_time": "08:30", "end_time": "10:30", "title": "VR safety course (new time)"})
    _call(client, school_admin, "POST", f"/series/{series_id}/cancel",
          {"from_booking_id": dates[4]["id"]})
    _call(client, teacher, "POST", "/feeds", {"scope": "me"})
    _call(client, owner, "POST", "/feeds", {"scope": "resource", "resource_id": studio})
    holiday = day + timedelta(days=28)
    _call(client, owner, "PATCH", f"/resources/{studio}", {
        "open_to_all": False,
        "allowed_organisation_ids": [series["bookings"][0]["organisation_id"]],
        "closures": [{"start": at(holiday, "00:00"), "end": at(holiday + timedelta(days=3), "00:00"),
                      "reason": "Calibration"}]})
    revoked = _call(client, owner, "POST", "/feeds", {"scope": "organisation"})
    _call(client, owner, "DELETE", f"/feeds/{revoked['id']}")


def _token(client, email: str, password: str) -> str:
    answer = client.post("/api/v1/tokens", json={"email": email, "password": password,
                                                 "name": "snapshot"})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["token"]


def _call(client, token: str, method: str, path: str, body: dict | None = None):
    answer = client.open(f"/api/v1{path}", method=method, json=body,
                         headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code < 300, (method, path, answer.status_code, answer.get_json())
    return answer.get_json() if answer.status_code != 204 else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="default: snapshots/<revision>.json")
    args = parser.parse_args()
    snapshot = make()
    out = args.out or SNAPSHOTS / f"{snapshot['revision']}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(snapshot, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    counts = ", ".join(f"{t} {len(r)}" for t, r in snapshot["tables"].items() if r)
    print(f"{out}: revision {snapshot['revision']}: {counts}")


if __name__ == "__main__":
    main()
