"""One place that turns errors into responses: JSON for the API, HTML elsewhere."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from booking.exceptions import BookingError
from booking.extensions import db


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
    return render_template("errors/error.html", error=exc), exc.code, headers


def _csrf_error(exc: CSRFError):
    exc.description = _("Your form expired or came from another site. Please try again.")
    return _http_error(exc)


def _domain_error(exc: BookingError):
    db.session.rollback()
    if wants_json():
        return {"error": exc.code, "message": exc.message}, exc.status_code
    error = HTTPException(exc.message)
    error.code = exc.status_code
    return render_template("errors/error.html", error=error), exc.status_code


def _unexpected_error(exc: Exception):
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    return _http_error(InternalServerError())
