"""Domain errors as the API's JSON: field errors for 422, reasons and alternatives for 409."""

from __future__ import annotations

from flask import Blueprint, current_app, g
from flask_babel import gettext as _

from booking.api import queries, serialise
from booking.exceptions import BookingError, Conflict, InvalidInput, StateConflict
from booking.extensions import db


def register(bp: Blueprint) -> None:
    bp.register_error_handler(InvalidInput, _invalid)
    bp.register_error_handler(Conflict, _conflict)
    bp.register_error_handler(StateConflict, _state_conflict)
    bp.register_error_handler(BookingError, _domain)


def use_zone(zone: str) -> None:
    """Show the times of a refusal in this zone (the resource's) rather than the caller's."""
    g.api_zone = zone


def use_zone_of(resource_id: int) -> None:
    """Like use_zone, with the resource read only if a refusal needs its zone."""
    g.api_zone_resource_id = resource_id


def _zone() -> str:
    if zone := g.get("api_zone"):
        return zone
    if (resource_id := g.get("api_zone_resource_id")) and (
            resource := queries.resource_or_none(resource_id)):
        return resource.timezone
    user = g.get("api_user")
    return user.timezone if user is not None else current_app.config["DEFAULT_TIMEZONE"]


def _invalid(exc: InvalidInput):
    db.session.rollback()
    fields = {name: [str(m) for m in messages] for name, messages in exc.fields.items()}
    message = _("Some fields are not right: %(names)s.", names=", ".join(fields))
    return {"error": exc.code, "message": message, "fields": fields}, exc.status_code


def _conflict(exc: Conflict):
    db.session.rollback()
    zone = _zone()
    reasons = serialise.reasons(exc.reasons, zone)
    message = str(exc.message) if exc.message else " ".join(
        [_("This time cannot be booked.")] + [r["message"] for r in reasons])
    return {"error": exc.code, "message": message, "reasons": reasons,
            "alternatives": [serialise.interval(i, zone) for i in exc.alternatives]}, 409


def _state_conflict(exc: StateConflict):
    """Same shape as a rule conflict, so a client reads every 409 one way."""
    db.session.rollback()
    return {"error": exc.code, "message": str(exc.message), "reasons": [],
            "alternatives": []}, 409


def _domain(exc: BookingError):
    db.session.rollback()
    return {"error": exc.code, "message": str(exc.message)}, exc.status_code
