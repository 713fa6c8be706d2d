"""begin_write after a read: the write transaction sees every commit and holds the lock.

On SQLite a session that has loaded no objects (an API booking reads only its token, as a
plain row) ends its read transaction and begins the write one on the same connection
(services.locking._restart_as_writer); these tests hold that path, and the one with loaded
objects, to what a rollback and a new transaction give.
"""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa

from booking.bare import read_without_begin
from booking.extensions import WriteTurn, db
from booking.models import Resource
from booking.services.locking import begin_write, lock_resource

_NAME = sa.select(Resource.name).where(Resource.id == sa.bindparam("id"))


def _rename_elsewhere(app, resource_id: int, name: str) -> None:
    """Another writer's commit, on a connection of its own."""
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(sa.update(Resource).where(Resource.id == resource_id)
                           .values(name=name))


@pytest.mark.parametrize("loaded", [False, True], ids=["nothing loaded", "objects loaded"])
def test_a_write_after_a_read_sees_what_another_writer_committed_meanwhile(
        app, make_resource, loaded):
    resource_id = make_resource(name="Before")
    with app.app_context():
        if loaded:
            assert db.session.get(Resource, resource_id).name == "Before"
        else:
            # A plain read: the transaction has begun (on SQLite with a snapshot) and the
            # session holds no object.
            assert db.session.execute(_NAME, {"id": resource_id}).scalar() == "Before"
            assert not db.session.identity_map
        _rename_elsewhere(app, resource_id, "After")
        begin_write()
        # A write transaction still inside the old snapshot would read "Before", and its
        # write would fail on SQLite (the snapshot is stale).
        assert db.session.execute(_NAME, {"id": resource_id}).scalar() == "After"
        db.session.execute(sa.update(Resource).where(Resource.id == resource_id)
                           .values(name="Ours"))
        db.session.commit()
        assert db.session.execute(_NAME, {"id": resource_id}).scalar() == "Ours"


def test_after_a_read_sqlite_holds_the_write_lock_until_commit(app, make_resource):
    resource_id = make_resource()
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's write lock")
        path = db.engine.url.database
        db.session.execute(_NAME, {"id": resource_id})
        assert not db.session.identity_map
        begin_write()
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            db.session.commit()
            other.execute("BEGIN IMMEDIATE")  # given back at the commit
            other.execute("ROLLBACK")
        finally:
            other.close()


def test_a_read_without_begin_then_a_write_is_one_transaction(app, make_resource):
    """reads_only requests run SQLite statements outside BEGIN; a write still takes one."""
    resource_id = make_resource(name="Before")
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's statements without BEGIN")
        read_without_begin()
        db.session.execute(_NAME, {"id": resource_id})
        begin_write()
        db.session.execute(sa.update(Resource).where(Resource.id == resource_id)
                           .values(name="Rolled back"))
        db.session.rollback()
        assert db.session.execute(_NAME, {"id": resource_id}).scalar() == "Before"


def test_the_lock_refreshes_a_resource_the_session_kept_loaded(app, make_resource):
    """After a commit that kept its objects loaded (as a booking's does), the next lock
    still gives the resource as the locked transaction reads it."""
    resource_id = make_resource(name="Before")
    with app.app_context():
        session = db.session()
        session.expire_on_commit = False
        try:
            held = session.get(Resource, resource_id)
            session.commit()  # held keeps "Before", not expired
        finally:
            session.expire_on_commit = True
        _rename_elsewhere(app, resource_id, "After")
        assert lock_resource(resource_id) is held
        assert held.name == "After"
        db.session.rollback()


def test_a_begin_immediate_refused_raises_sqlalchemys_error_and_gives_the_turn_back(
        app, make_resource):
    """BEGIN goes to the driver directly (booking.driver): its error still arrives wrapped,
    and the writer does not keep the write turn it took for it."""
    resource_id = make_resource()
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's write lock")
        path = db.engine.url.database
        turn = WriteTurn.for_database(path)
        db.session.execute(_NAME, {"id": resource_id})  # a read transaction, nothing loaded
        db.session.connection().connection.dbapi_connection.execute("PRAGMA busy_timeout=0")
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # another writer, outside the turn
            with pytest.raises(sa.exc.OperationalError, match="locked"):
                begin_write()
            assert not turn._threads.locked()
        finally:
            other.execute("ROLLBACK")
            other.close()
        db.session.rollback()
        db.session.connection().connection.dbapi_connection.execute("PRAGMA busy_timeout=30000")
        begin_write()
        db.session.commit()
