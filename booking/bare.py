"""Endpoints that answer without the request-wide machinery they do not use.

`GET /health` (load balancers, benchmarks) and the subscription feeds (calendar programs poll
them, mostly for a 304) read no session, sign nobody in and have no rate limit: the hooks
that serve pages skip them (issue 16). The input guards (booking.guards, booking.security)
still run for every route: they cost nothing without a body or a query string.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request


def bare(view: Callable) -> Callable:
    """Mark a view that needs no session, no signed-in person and no rate limit."""
    view.bare = True
    return view


def is_bare() -> bool:
    """Whether the request is for a view marked bare."""
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "bare", False)
