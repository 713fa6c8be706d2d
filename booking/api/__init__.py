"""The JSON API, version 1: the same services as the pages, bearer tokens instead of cookies."""

from __future__ import annotations

import re

from flask import Blueprint, abort

from booking.api import audit, bookings, feeds, openapi, resources, series, statistics, tokens
from booking.api.auth import authenticate_request
from booking.extensions import csrf
from booking.limits import MAX_ID

bp = Blueprint("api", __name__, url_prefix="/api/v1")

for _child in (tokens.bp, resources.bp, bookings.bp, series.bp, feeds.bp, audit.bp, statistics.bp,
               openapi.bp):
    bp.register_blueprint(_child)
    # Flask-WTF looks exemptions up by the nested blueprint's own name.
    csrf.exempt(_child)
csrf.exempt(bp)
bp.before_request(authenticate_request)


@bp.url_value_preprocessor
def _parse_ids(_endpoint: str | None, values: dict | None) -> None:
    """Turn the <..._id> parts of the path into ints; anything no row can have is a 404.

    The routes take ids as text rather than <int:...>: the app's int converter stops at the
    INTEGER range by failing to match, which makes werkzeug answer some methods 405 instead
    of 404 for a too-large id.
    """
    for name, value in (values or {}).items():
        if name.endswith("_id"):
            if not (isinstance(value, str) and re.fullmatch(r"[0-9]{1,10}", value)
                    and 0 < int(value) <= MAX_ID):
                abort(404)
            values[name] = int(value)
