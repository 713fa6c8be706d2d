"""The JSON API, version 1: the same services as the pages, bearer tokens instead of cookies."""

from __future__ import annotations

from flask import Blueprint, abort

from booking.api import bookings, errors, feeds, openapi, resources, tokens
from booking.api.auth import authenticate_request
from booking.api.parsing import MAX_ID
from booking.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")

for _child in (tokens.bp, resources.bp, bookings.bp, feeds.bp, openapi.bp):
    bp.register_blueprint(_child)
    # Flask-WTF looks exemptions up by the nested blueprint's own name.
    csrf.exempt(_child)
csrf.exempt(bp)
errors.register(bp)
bp.before_request(authenticate_request)


@bp.url_value_preprocessor
def _bound_ids(_endpoint: str | None, values: dict | None) -> None:
    """An id no row can have is "not found", not a database overflow."""
    for value in (values or {}).values():
        if isinstance(value, int) and not 0 < value <= MAX_ID:
            abort(404)
