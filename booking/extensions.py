"""Flask extensions, created unbound here and bound to the app by the factory."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
import weakref
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app, request
from flask.sessions import SecureCookieSessionInterface
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from itsdangerous import BadSignature
from sqlalchemy.orm import DeclarativeBase

from booking import driver
from booking.bare import is_bare
from booking.lru import LruCache

# Constraint names Alembic can refer to on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
migrate = Migrate()
bootstrap = Bootstrap5()
# Counters live in RATELIMIT_STORAGE_URI: memory:// counts per process, so production with
# several workers points it at Redis (see the README).
limiter = Limiter(get_remote_address, default_limits=[])

# The session-level option that asks SQLite for a write lock at BEGIN (see services.locking),
# or for no BEGIN at all: each statement then stands alone (bare.read_without_begin).
SQLITE_BEGIN_OPTION = "sqlite_begin"
SQLITE_NO_BEGIN = "NONE"


def init_app(app: Flask) -> None:
    """Bind every extension to *app*."""
    db.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    migrate.init_app(app, db, directory=_migrations_dir(app), render_as_batch=True,
                     compare_type=True)
    bootstrap.init_app(app)
    limiter.init_app(app)
    _limiter_only_where_limits_may_apply(app)
    app.session_interface = LazySessionInterface()
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                configure_sqlite(engine, app.config.get("SQLITE_SYNCHRONOUS", "NORMAL"))


def _limiter_only_where_limits_may_apply(app: Flask) -> None:
    """The limiter's check runs only for requests a limit may apply to (limits_may_apply):
    looking the limits up cost about 290 Python calls per request, a fifth of a bare one's
    time and a tenth of a reused calendar page's."""
    hooks = app.before_request_funcs.get(None, [])
    for index, hook in enumerate(hooks):
        if getattr(hook, "__self__", None) is limiter and not getattr(hook, "bare_aware", 0):
            def check(hook=hook):
                return hook() if limits_may_apply() else None
            check.bare_aware = True
            hooks[index] = check


#: Limits an operator may configure for every view (flask-limiter's settings); the app sets
#: none itself.
APP_WIDE_LIMITS = ("RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION", "RATELIMIT_META")


def limits_may_apply() -> bool:
    """Whether this request's view may be limited: never a bare one (/health, feeds);
    otherwise one that throttle.password_guesses marked rate_limited, or any view while the
    configuration sets limits for every view."""
    if is_bare():
        return False
    if any(current_app.config.get(name) for name in APP_WIDE_LIMITS):
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "rate_limited", False)


class LazySessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions; a request without the cookie gets an empty session
    without building the signer first (most API calls, feeds, /health).

    A browser sends the same cookie with every page until the session changes, and checking
    its signature and decoding it cost a tenth of a reused calendar page (bench/speed.md). So
    each process remembers, for a bounded number of cookies, what a cookie it verified holds
    and when it was signed: the same string under the same keys is the same session. Its age
    is checked on every request as itsdangerous does (expired or from the future: the full
    check, which refuses it), and each request gets its own copy. Only sessions of plain
    values are remembered (a flashed message or a refusal is read once and gone anyway).
    """

    _MEMO = "session_cookie_memo"
    memo_size = 1024

    def open_session(self, app: Flask, request):
        value = request.cookies.get(self.get_cookie_name(app))
        if not value or not app.secret_key:
            return self.session_class() if app.secret_key else super().open_session(app, request)
        memo = app.extensions.get(self._MEMO)
        if memo is None:
            memo = app.extensions[self._MEMO] = LruCache(self.memo_size)
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()), value)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        found = memo.get(key)
        if found is not None and 0 <= int(time.time()) - found[0] <= max_age:
            return self.session_class(found[1])
        try:
            data, signed = self.get_signing_serializer(app).loads(
                value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(data, dict) and all(isinstance(v, _PLAIN) for v in data.values()):
            memo.put(key, (int(signed.timestamp()), dict(data)))
        return self.session_class(data)


#: Session values a shallow copy keeps apart between requests.
_PLAIN = (str, int, float, bool, type(None))


def _migrations_dir(app: Flask) -> str:
    return str(Path(app.root_path).parent / "migrations")


#: What SQLITE_SYNCHRONOUS may say: never OFF, and NORMAL only because the journal is WAL
#: (a commit is then written to the WAL file without waiting for the disk; a power cut may
#: lose the last commits, never corrupt the database).
SQLITE_SYNCHRONOUS = ("FULL", "EXTRA", "NORMAL")


#: How long SQLite itself retries a locked database (ms): the safety net behind WriteTurn.
SQLITE_BUSY_TIMEOUT_MS = 30_000


def configure_sqlite(engine: sa.Engine, synchronous: str = "NORMAL") -> None:
    """Make SQLite transactional the way the booking engine relies on.

    Python's sqlite3 driver sends no BEGIN before a SELECT, so a conflict check would run
    outside the write transaction; we take over BEGIN ourselves (SQLAlchemy's pysqlite docs).
    A database file also gets a WriteTurn: BEGIN IMMEDIATE waits for it first.
    """
    in_memory = engine.url.database in (None, "", ":memory:")
    level = str(synchronous).upper()
    if level not in SQLITE_SYNCHRONOUS:
        raise ValueError(f"SQLITE_SYNCHRONOUS must be one of {', '.join(SQLITE_SYNCHRONOUS)}")
    turn = None if in_memory else WriteTurn.for_database(engine.url.database)

    @sa.event.listens_for(engine, "do_connect")
    def _connection_class(_dialect, _record, _cargs, cparams) -> None:
        if turn is not None:
            cparams.setdefault("factory", TurnTakingConnection)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        if isinstance(dbapi_connection, TurnTakingConnection):
            dbapi_connection.write_turn = turn
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA synchronous={level}")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
        if mode == SQLITE_NO_BEGIN:
            return  # the driver runs each statement in a transaction of its own
        begin_sqlite(connection, mode)


def begin_sqlite(connection: sa.Connection, mode: str) -> None:
    """Send BEGIN *mode* on the connection; a writer takes the database's WriteTurn first.

    The engine's "begin" hook sends it for every transaction SQLAlchemy begins;
    services.locking.begin_write also calls it to begin a write transaction on a
    connection whose read transaction it has just ended.
    """
    dbapi_connection = connection.connection.dbapi_connection
    writes = mode != "DEFERRED" and isinstance(dbapi_connection, TurnTakingConnection)
    if writes:
        dbapi_connection.take_write_turn()
    try:
        # On the driver: SQLAlchemy's execution machinery cost more than the BEGIN itself.
        driver.execute(connection, f"BEGIN {mode}").close()
    except BaseException:
        if writes:
            dbapi_connection.give_back_write_turn()
        raise


class WriteTurn:
    """Whose turn it is to write one SQLite database, among the threads and processes here.

    SQLite lets one writer in at a time; a second BEGIN IMMEDIATE waits in SQLite's busy
    handler, which sleeps 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 ms between tries and
    so misses the moment the lock comes free: with two workers booking, most of a booking's
    time went to that sleeping (bench/speed.md). Writers therefore queue here first: a lock
    of this process's threads, then an flock() on a file beside the database for the other
    processes. Both wake the next writer as soon as the holder commits or rolls back. SQLite's
    own lock stays the guarantee, busy_timeout its safety net: a writer that does not get the
    turn within the busy timeout (one thread writing on two connections at once) goes on to
    BEGIN IMMEDIATE without it, as before. Another process's writer waits for the turn as
    long as the holder's transaction lasts (flock has no time limit) instead of failing with
    "database is locked" after the busy timeout; gunicorn's worker timeout bounds a request.
    """

    _all: dict[str, WriteTurn] = {}

    def __init__(self, lock_path: str) -> None:
        self.lock_path = lock_path
        self._reset()
        _TURNS.add(self)

    @classmethod
    def for_database(cls, database: str) -> WriteTurn:
        """The one turn of the database file at *database* (engines of one file share it)."""
        path = os.path.abspath(database) + "-writeturn"
        if path not in cls._all:
            cls._all[path] = cls(path)
        return cls._all[path]

    def _reset(self) -> None:
        # After a fork the child needs its own lock file description: one inherited from the
        # parent is the parent's, and flock() would not keep the two apart.
        self._threads = threading.Lock()
        self._file = None

    def take(self) -> bool:
        """Wait for the turn. False if this process did not hand it over within the busy
        timeout, or the lock file cannot be opened (a read-only folder): the writer then
        relies on SQLite's busy handler alone, as before."""
        if not self._threads.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            return False
        try:
            self._lock_file()
        except OSError:
            self._threads.release()
            return False
        except BaseException:
            self._threads.release()
            raise
        return True

    def _lock_file(self) -> None:
        while True:
            if self._file is None:
                self._file = open(self.lock_path, "a+b")  # noqa: SIM115 (kept open: the lock)
            try:
                fcntl.flock(self._file.fileno(), fcntl.LOCK_EX)
                if self._file_is_at_path():
                    return
            except BaseException:
                self._close_file()  # closing it gives back an flock taken
                raise
            # Deleted and made anew (a test's clean-up, say): processes opening the path now
            # lock the new file, so lock that one.
            self._close_file()

    def _file_is_at_path(self) -> bool:
        try:
            return os.stat(self.lock_path).st_ino == os.fstat(self._file.fileno()).st_ino
        except FileNotFoundError:
            return False

    def _close_file(self) -> None:
        self._file.close()
        self._file = None

    def give_back(self) -> None:
        try:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
        finally:
            self._threads.release()


_TURNS: weakref.WeakSet[WriteTurn] = weakref.WeakSet()
os.register_at_fork(after_in_child=lambda: [turn._reset() for turn in _TURNS])


class TurnTakingConnection(sqlite3.Connection):
    """A sqlite3 connection that holds its database's WriteTurn from BEGIN IMMEDIATE until
    the COMMIT or ROLLBACK is done (or the connection closes), whichever path ends it."""

    write_turn: WriteTurn | None = None
    _holding = False

    def take_write_turn(self) -> None:
        if self.write_turn is not None and not self._holding:
            self._holding = self.write_turn.take()

    def give_back_write_turn(self) -> None:
        if self._holding:
            self._holding = False
            self.write_turn.give_back()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.give_back_write_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.give_back_write_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.give_back_write_turn()
