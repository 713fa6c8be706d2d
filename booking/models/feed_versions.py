"""Each resource's `feed_version`: moved by the database itself whenever a booking changes.

A trigger on `booking` adds one to the version of the resource of every row inserted, updated
or deleted, in the same transaction, however the row was written (the services, a series, a
migration, a test's bulk UPDATE). A subscription feed's conditional request compares versions
instead of reading every booking (services.feed_state). Created with the tables (create_all)
and by migration 0016; a later SQLite migration that recreates `booking` in batch mode must
create them again.
"""

from __future__ import annotations

import sqlalchemy as sa

SQLITE = [
    """CREATE TRIGGER booking_feed_version_insert AFTER INSERT ON booking BEGIN
         UPDATE resource SET feed_version = feed_version + 1 WHERE id = NEW.resource_id;
       END""",
    """CREATE TRIGGER booking_feed_version_update AFTER UPDATE ON booking BEGIN
         UPDATE resource SET feed_version = feed_version + 1
         WHERE id IN (OLD.resource_id, NEW.resource_id);
       END""",
    """CREATE TRIGGER booking_feed_version_delete AFTER DELETE ON booking BEGIN
         UPDATE resource SET feed_version = feed_version + 1 WHERE id = OLD.resource_id;
       END""",
]
POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION booking_feed_version() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP <> 'INSERT' THEN
           UPDATE resource SET feed_version = feed_version + 1 WHERE id = OLD.resource_id;
         END IF;
         IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE'
                                 AND NEW.resource_id IS DISTINCT FROM OLD.resource_id) THEN
           UPDATE resource SET feed_version = feed_version + 1 WHERE id = NEW.resource_id;
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
