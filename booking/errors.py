"""One place that turns errors into answers: JSON under /api/, an HTML page elsewhere.

Domain errors (booking.exceptions) carry what an answer needs: the fields at fault, the
reasons and alternatives of a refusal, the time zone to show their times in. Pages that can
show a refusal better (next to a form) catch it themselves; everything else ends here.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, render_template, request
from flask.globals import request_ctx
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from booking.api import serialise
from booking.exceptions import (BookingError, BookingsWouldBreak, Conflict, InvalidInput,
                                SeriesConflict, StateConflict)
from booking.extensions import db
from booking.messages import Refused, describe_breach


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(BookingError, _domain_error)
    app.register_error_handler(Exception, _unexpected_error)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _http_error(exc: HTTPException):
    if exc.code is not None and exc.code >= 500:
        db.session.rollback()
    # Keep headers such as Allow on a 405; the body's own type replaces werkzeug's.
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    if wants_json():
        code = (exc.name or "error").lower().replace(" ", "_")
        return {"error": code, "message": exc.description}, exc.code, headers
    if request_ctx.url_adapter is None:
        # A Host header werkzeug refuses (BadHost) leaves no URL adapter, and the page's
        # links cannot be built: say so in plain text rather than fail again with a 500.
        return Response(f"{exc.code} {exc.name}\n", exc.code, headers, mimetype="text/plain")
    return render_template("errors/error.html", error=exc), exc.code, headers


def _csrf_error(exc: CSRFError):
    exc.description = _("Your form expired or came from another site. Please try again.")
    return _http_error(exc)


def _domain_error(exc: BookingError):
    db.session.rollback()
    body = as_json(exc, exc_zone(exc))
    if wants_json():
        return body, exc.status_code
    error = HTTPException(body["message"])
    error.code = exc.status_code
    return render_template("errors/error.html", error=error), exc.status_code


def exc_zone(exc: BookingError) -> str:
    """The zone the error's times are shown in: its own (the resource's), else the reader's."""
    if zone := getattr(exc, "zone", None):
        return zone
    reader = g.get("api_user") or (current_user if current_user.is_authenticated else None)
    return reader.timezone if reader is not None else current_app.config["DEFAULT_TIMEZONE"]


def as_json(exc: BookingError, zone: str) -> dict:
    """The error as the API answers it (the shapes openapi_schemas describes)."""
    if isinstance(exc, InvalidInput):
        fields = {name: [str(m) for m in messages] for name, messages in exc.fields.items()}
        return {"error": exc.code, "fields": fields,
                "message": _("Some fields are not right: %(names)s.", names=", ".join(fields))}
    if isinstance(exc, SeriesConflict):
        return {"error": exc.code, "reasons": [r for v in exc.refused for r in serialise.reasons(
                    v.reasons, zone, Refused(v.period, *exc.buffers))],
                "message": _("%(n)d of the dates cannot be booked.", n=len(exc.refused)),
                "alternatives": [], "occurrences": [serialise.verdict(v, zone, exc.buffers)
                                                    for v in exc.verdicts]}
    if isinstance(exc, Conflict):
        refused = (Refused(exc.verdict.period, *exc.buffers) if exc.verdict is not None
                   else None)
        reasons = serialise.reasons(exc.reasons, zone, refused)
        message = str(exc.message) if exc.message else " ".join(
            [_("This time cannot be booked.")] + [r["message"] for r in reasons])
        return {"error": exc.code, "message": message, "reasons": reasons,
                "alternatives": [serialise.interval(i, zone) for i in exc.alternatives],
                **serialise.other_choices(exc.verdict, zone)}
    if isinstance(exc, BookingsWouldBreak):
        return {"error": exc.code, "message": _breach_message(exc, zone), "reasons": [],
                "alternatives": [], "bookings": [serialise.breach(b, zone)
                                                 for b in exc.breaches]}
    if isinstance(exc, StateConflict):  # the same shape as a rule conflict: read every 409 alike
        return {"error": exc.code, "message": str(exc.message), "reasons": [],
                "alternatives": []}
    return {"error": exc.code, "message": str(exc.message)}


def _breach_message(exc: BookingsWouldBreak, zone: str) -> str:
    named = "; ".join(describe_breach(b, zone) for b in exc.breaches[:5])
    return _("Not changed: %(n)d bookings still to come would break the new rules (%(named)s). "
             "Move or cancel them first.", n=len(exc.breaches), named=named)


def _unexpected_error(exc: Exception):
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    return _http_error(InternalServerError())
