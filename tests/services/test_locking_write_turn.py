"""SQLite writers queue for their turn and wake when it is given back (booking.extensions).

SQLite's own busy handler polls with growing sleeps; a writer must instead wait on the
WriteTurn, which the holder gives back at its COMMIT or ROLLBACK, whichever path ends it.
"""

from __future__ import annotations

import multiprocessing
import threading
import warnings

import pytest
import sqlalchemy as sa

from booking.exceptions import NotFound
from booking.extensions import WriteTurn, db
from booking.services.locking import begin_write, lock_resource

# Long enough for a blocked thread to have sent its BEGIN if it were not waiting for the turn.
SETTLE_SECONDS = 0.3


@pytest.fixture
def sqlite_app(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the write turn is SQLite's")
    return app


def _statements(app) -> list[tuple[str, str]]:
    """(thread name, statement) of every statement the app's engine sends from now on."""
    sent: list[tuple[str, str]] = []
    with app.app_context():
        engine = db.engine

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _record(_conn, _cursor, statement, *_args) -> None:
        sent.append((threading.current_thread().name, statement))
    return sent


def test_a_second_writer_waits_for_the_turn_before_sending_begin(sqlite_app):
    app = sqlite_app
    sent = _statements(app)
    first_writing, first_may_commit = threading.Event(), threading.Event()

    def first() -> None:
        with app.app_context():
            begin_write()
            first_writing.set()
            first_may_commit.wait(10)
            db.session.commit()

    def second() -> None:
        with app.app_context():
            begin_write()
            db.session.commit()

    holder = threading.Thread(target=first, name="first")
    holder.start()
    assert first_writing.wait(10)
    waiter = threading.Thread(target=second, name="second")
    waiter.start()
    waiter.join(SETTLE_SECONDS)
    # Still waiting, and for the turn: not inside SQLite's busy handler, which it would be
    # after sending BEGIN IMMEDIATE.
    assert waiter.is_alive()
    assert ("second", "BEGIN IMMEDIATE") not in sent, sent
    first_may_commit.set()
    holder.join(10)
    waiter.join(10)
    assert not waiter.is_alive()
    assert ("second", "BEGIN IMMEDIATE") in sent


def test_the_turn_is_given_back_when_a_write_transaction_rolls_back(sqlite_app):
    app = sqlite_app
    with app.app_context():
        turn = WriteTurn.for_database(db.engine.url.database)
        with pytest.raises(NotFound):
            lock_resource(999)  # no such resource: rolled back inside
        assert not turn._threads.locked()
        begin_write()
        assert turn._threads.locked()
        db.session.rollback()
        assert not turn._threads.locked()
        begin_write()
        db.session.commit()
        assert not turn._threads.locked()


def _hold_turn(lock_path: str, holding, release) -> None:
    turn = WriteTurn(lock_path)
    turn.take()
    holding.set()
    release.wait(10)
    turn.give_back()


def test_another_process_holding_the_turn_makes_this_one_wait(tmp_path):
    lock_path = str(tmp_path / "db.sqlite-writeturn")
    context = multiprocessing.get_context("fork")
    holding, release = context.Event(), context.Event()
    with warnings.catch_warnings():  # Python 3.12+ warns about fork with threads around
        warnings.simplefilter("ignore", DeprecationWarning)
        other = context.Process(target=_hold_turn, args=(lock_path, holding, release))
        other.start()
    try:
        assert holding.wait(10)
        turn = WriteTurn(lock_path)
        got_it = threading.Event()
        taker = threading.Thread(target=lambda: turn.take() and got_it.set())
        taker.start()
        assert not got_it.wait(SETTLE_SECONDS)
        release.set()
        assert got_it.wait(10)
        turn.give_back()
    finally:
        release.set()
        other.join(10)


def test_a_lock_file_deleted_and_made_anew_is_the_one_waited_for(tmp_path):
    lock_path = tmp_path / "db.sqlite-writeturn"
    ours, theirs = WriteTurn(str(lock_path)), WriteTurn(str(lock_path))
    assert ours.take()
    ours.give_back()
    lock_path.unlink()  # ours still has the old file open
    assert theirs.take()  # makes and locks a new file at the path
    got_it = threading.Event()
    taker = threading.Thread(target=lambda: ours.take() and got_it.set())
    taker.start()
    assert not got_it.wait(SETTLE_SECONDS)
    theirs.give_back()
    assert got_it.wait(10)
    ours.give_back()


def test_without_a_lock_file_writers_fall_back_to_sqlites_own_waiting(tmp_path):
    turn = WriteTurn(str(tmp_path / "no such folder" / "db.sqlite-writeturn"))
    assert turn.take() is False
    assert not turn._threads.locked()
