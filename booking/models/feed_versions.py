"""Each resource's feed version: moved by the database itself whenever a booking changes.

A trigger on `booking` adds one to the version of the resource of every row inserted, updated
or deleted, in the same transaction, however the row was written (the services, a series, a
migration, a test's bulk UPDATE). A subscription feed's conditional request compares versions
instead of reading every booking (services.feed_state).

The versions live in a table of their own, `resource_feed_version`, not in the resource's row:
on PostgreSQL a booking's writer holds the resource's row lock (services.locking), and a
cancellation, which does not take it, would otherwise wait for that lock while holding its
booking's row: a deadlock with a writer waiting on the exclusion constraint for that booking.

Created with the tables (create_all) and by migration 0016; a later SQLite migration that
recreates `booking` in batch mode must create the triggers again.
"""

from __future__ import annotations

import sqlalchemy as sa

from booking.extensions import db

resource_feed_version = sa.Table(
    "resource_feed_version",
    db.metadata,
    sa.Column("resource_id", sa.ForeignKey("resource.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),
)

_BUMP = ("INSERT INTO resource_feed_version (resource_id, version) VALUES ({row}.resource_id, 1) "
         "ON CONFLICT (resource_id) DO UPDATE SET version = resource_feed_version.version + 1")

SQLITE = [
    f"""CREATE TRIGGER booking_feed_version_insert AFTER INSERT ON booking BEGIN
         {_BUMP.format(row="NEW")};
       END""",
    f"""CREATE TRIGGER booking_feed_version_update AFTER UPDATE ON booking BEGIN
         {_BUMP.format(row="OLD")};
         {_BUMP.format(row="NEW")};
       END""",
    f"""CREATE TRIGGER booking_feed_version_delete AFTER DELETE ON booking BEGIN
         {_BUMP.format(row="OLD")};
       END""",
]
POSTGRESQL = [
    f"""CREATE OR REPLACE FUNCTION booking_feed_version() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP <> 'INSERT' THEN
           {_BUMP.format(row="OLD")};
         END IF;
         IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE'
                                 AND NEW.resource_id IS DISTINCT FROM OLD.resource_id) THEN
           {_BUMP.format(row="NEW")};
         END IF;
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER booking_feed_version AFTER INSERT OR UPDATE OR DELETE ON booking
       FOR EACH ROW EXECUTE FUNCTION booking_feed_version()""",
]


def statements(dialect: str) -> list[str]:
    return {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(dialect, [])


def attach(table: sa.Table) -> None:
    """Create the triggers whenever create_all creates the booking table."""

    @sa.event.listens_for(table, "after_create")
    def _create(target, connection, **_kw) -> None:
        for statement in statements(connection.dialect.name):
            connection.exec_driver_sql(statement)
