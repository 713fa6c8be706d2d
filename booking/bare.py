"""Endpoints that answer without the request-wide machinery they do not use.

`GET /health` (load balancers, benchmarks) and the subscription feeds (calendar programs poll
them, mostly for a 304) read no session, sign nobody in and have no rate limit: the hooks
that serve pages skip them (issue 16). The input guards (booking.guards, booking.security)
still run for every route: they cost nothing without a body or a query string.

Views marked `reads_only` (the feeds, the calendar pages) run their statements outside a
transaction block on PostgreSQL: see read_without_begin().
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
    """On PostgreSQL, run this request's statements outside a transaction block (autocommit).

    A page or a feed poll that only reads needs no transaction: under READ COMMITTED, the
    level we run at, each statement takes its own snapshot inside a transaction too, so what
    it reads is the same. Without one, each statement is one round trip instead of BEGIN, the
    statement, and the pool's ROLLBACK when the request ends; with the machine busy each round
    trip also waits for a core (bench/speed.md). A write in such a request commits by itself,
    so a view marked reads_only must not make two writes that belong together. SQLite keeps
    its transaction: there a read transaction is one snapshot for all its statements, and its
    BEGIN costs no round trip.
    """
    from booking.extensions import db  # extensions imports is_bare from here

    session = db.session()
    if session.get_bind().dialect.name == "postgresql" and not session.in_transaction():
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
