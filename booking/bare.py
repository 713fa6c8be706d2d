"""Endpoints that answer without the request-wide machinery they do not use.

`GET /health` (load balancers, benchmarks) and the subscription feeds (calendar programs poll
them, mostly for a 304) read no session, sign nobody in and have no rate limit: the hooks
that serve pages skip them (issue 16). The input guards (booking.guards, booking.security)
still run for every route: they cost nothing without a body or a query string.

Views marked `reads_only` (the feeds, the calendar pages) run their statements outside a
transaction block: see read_without_begin().
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, request


def bare(view: Callable) -> Callable:
    """Mark a view that needs no session, no signed-in person and no rate limit."""
    view.bare = True
    return view


def is_bare() -> bool:
    """Whether the request is for a view marked bare."""
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "bare", False)


def reads_only(view: Callable) -> Callable:
    """Mark a view that only reads, or writes nothing but single statements that stand alone."""
    view.reads_only = True
    return view


def register(app: Flask) -> None:
    """Before every other hook (the sign-in's read included): a reads_only view's requests
    read without BEGIN."""
    def _read_without_begin_when_marked() -> None:
        view = current_app.view_functions.get(request.endpoint or "")
        if getattr(view, "reads_only", False):
            read_without_begin()

    app.before_request_funcs.setdefault(None, []).insert(0, _read_without_begin_when_marked)


def read_without_begin() -> None:
    """Run this request's statements outside a transaction block: each stands alone.

    A page or a feed poll that only reads needs no transaction: under READ COMMITTED, the
    level PostgreSQL runs at, each statement takes its own snapshot inside a transaction too,
    so what it reads is the same; on SQLite each statement then reads the newest commit, as
    on PostgreSQL. What these views read is built for that: the page cache's key and a feed's
    version key are read before the rows they stand for, so rows can only be newer than the
    key, never older (services.calendar_cache, services.feed_state). Without a transaction
    block a PostgreSQL statement is one round trip instead of BEGIN, the statement, and the
    pool's ROLLBACK when the request ends (with the machine busy each round trip also waits
    for a core: bench/speed.md); on SQLite it saves the BEGIN and the ROLLBACK, the most a
    304 does beside its one statement. A write in such a request commits by itself, so a
    view marked reads_only must not make two writes that belong together; a service that
    needs a write transaction still takes one (services.locking.begin_write).
    """
    from booking.extensions import SQLITE_BEGIN_OPTION, SQLITE_NO_BEGIN, db  # see below

    # (extensions imports is_bare from here, so this module imports it when called.)
    session = db.session()
    if session.in_transaction():
        return
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    else:
        session.connection(execution_options={SQLITE_BEGIN_OPTION: SQLITE_NO_BEGIN})
