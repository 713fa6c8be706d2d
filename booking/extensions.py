"""Flask extensions, created unbound here and bound to the app by the factory."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase

from booking.bare import is_bare

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

# The session-level option that asks SQLite for a write lock at BEGIN (see services.locking).
SQLITE_BEGIN_OPTION = "sqlite_begin"


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
    _skip_limiter_when_bare(app)
    app.session_interface = LazySessionInterface()
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                configure_sqlite(engine, app.config.get("SQLITE_SYNCHRONOUS", "FULL"))


def _skip_limiter_when_bare(app: Flask) -> None:
    """/health and feeds have no limits: the limiter's hooks do not look them up (about a
    fifth of a bare request's time). Other requests run them as before."""
    hooks = app.before_request_funcs.get(None, [])
    for index, hook in enumerate(hooks):
        if getattr(hook, "__self__", None) is limiter and not getattr(hook, "bare_aware", 0):
            def check(hook=hook):
                return None if is_bare() else hook()
            check.bare_aware = True
            hooks[index] = check


class LazySessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions; a request without the cookie gets an empty session
    without building the signer first (most API calls, feeds, /health)."""

    def open_session(self, app: Flask, request):
        if self.get_cookie_name(app) not in request.cookies and app.secret_key:
            return self.session_class()
        return super().open_session(app, request)


def _migrations_dir(app: Flask) -> str:
    return str(Path(app.root_path).parent / "migrations")


#: What SQLITE_SYNCHRONOUS may say: never OFF, and NORMAL only because the journal is WAL
#: (a commit is then written to the WAL file without waiting for the disk; a power cut may
#: lose the last commits, never corrupt the database).
SQLITE_SYNCHRONOUS = ("FULL", "EXTRA", "NORMAL")


def configure_sqlite(engine: sa.Engine, synchronous: str = "FULL") -> None:
    """Make SQLite transactional the way the booking engine relies on.

    Python's sqlite3 driver sends no BEGIN before a SELECT, so a conflict check would run
    outside the write transaction; we take over BEGIN ourselves (SQLAlchemy's pysqlite docs).
    """
    in_memory = engine.url.database in (None, "", ":memory:")
    level = str(synchronous).upper()
    if level not in SQLITE_SYNCHRONOUS:
        raise ValueError(f"SQLITE_SYNCHRONOUS must be one of {', '.join(SQLITE_SYNCHRONOUS)}")

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA synchronous={level}")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")
