"""The migrations build exactly the schema the models describe, and upgrade data in service."""

from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from booking import create_app
from booking.extensions import db
from tests.migrations import snapshot


def test_migrations_match_models(database_url):
    app = create_app({"TESTING": True, "SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade()  # on PostgreSQL the schema is already there: this proves it is idempotent
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == []


# --- Upgrading a database in service ------------------------------------------------------


@pytest.mark.parametrize("revision", snapshot.available())
def test_upgrade_keeps_data_made_by_an_earlier_main(empty_database_url, revision):
    """A database full of an earlier release's data upgrades to head, row for row, and works."""
    old = snapshot.read(revision)
    app = create_app({"TESTING": True, "SECRET_KEY": "k", "RATELIMIT_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision=revision)
        with db.engine.begin() as connection:
            snapshot.load(connection, old)
        upgrade()
        with db.engine.connect() as connection:
            lost = _rows_not_kept(connection, old)
        db.engine.dispose()
    assert lost == []
    _still_works(app.test_client(), old["demo_password"])


def _rows_not_kept(connection, old) -> list[str]:
    """Every snapshot row whose values, in the columns that still exist, did not survive."""
    metadata = sa.MetaData()
    metadata.reflect(connection)
    lost = []
    for name, rows in old["tables"].items():
        table = metadata.tables.get(name)
        assert table is not None, f"the upgrade dropped table {name}"
        kept = {_key(table, row): row for row in connection.execute(sa.select(table)).mappings()}
        for row in rows:
            now = kept.get(_key(table, row))
            if now is None:
                lost.append(f"{name} {row}")
                continue
            lost += [f"{name}.{column} {row[column]!r} -> {now[column]!r}"
                     for column in row if column in table.c and
                     snapshot.normalised(table.c[column].type, now[column]) != row[column]]
    return lost


def _key(table: sa.Table, row) -> tuple:
    columns = list(table.primary_key.columns) or list(table.columns)
    return tuple(row[c.name] for c in columns)


def _still_works(client, password: str) -> None:
    """The people of the old database sign in, see their bookings, book and subscribe."""
    answer = client.post("/api/v1/tokens", json={"email": "wang.fang@dmvs.demo",
                                                 "password": password})
    assert answer.status_code == 201, answer.get_json()
    auth = {"Authorization": f"Bearer {answer.get_json()['token']}"}
    mine = client.get("/api/v1/bookings?mine=true", headers=auth)
    assert mine.status_code == 200 and mine.get_json()["items"]
    lab = next(r for r in client.get("/api/v1/resources", headers=auth).get_json()["items"]
               if r["name"].startswith("VR teaching lab"))
    day = date.today() + timedelta(days=60)
    while day.weekday() != 3:
        day += timedelta(days=1)
    booked = client.post("/api/v1/bookings", headers=auth, json={
        "resource_id": lab["id"], "start": f"{day}T15:00:00+08:00",
        "end": f"{day}T16:00:00+08:00", "quantity": 2})
    assert booked.status_code == 201, booked.get_json()
    feed = client.post("/api/v1/feeds", headers=auth, json={"scope": "organisation"}).get_json()
    calendar = client.get(urlsplit(feed["url"]).path)
    assert calendar.status_code == 200 and b"BEGIN:VEVENT" in calendar.data
