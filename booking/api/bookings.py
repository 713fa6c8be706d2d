"""Bookings: list, read, book, cancel, approve and reject."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, url_for
from flask_babel import lazy_gettext as _l

from booking import limits
from booking.api import queries, serialise, series
from booking.api.auth import api_user, api_user_id
from booking.api.parsing import (Reader, has_offset, json_object, paging,
                                 reject_unknown_query)
from booking.exceptions import NotFound
from booking.models import BookingStatus
from booking.services import bookings as service
from booking.services.bookings import BookingRequest
from booking.services.resources import get_resource

bp = Blueprint("bookings", __name__)

#: The keys of one booking; with "repeat" the body asks for a series (booking.api.series).
BOOKING_FIELDS = frozenset({"resource_id", "start", "end", "title", "quantity"})
REQUIRED_FIELDS = frozenset({"resource_id", "start", "end"})
LIST_FILTERS = frozenset({"resource_id", "start", "end", "mine", "status", "limit", "offset"})


@bp.get("/bookings")
def index():
    """Bookings by start: one's organisation's, or a resource's (others' shown as busy)."""
    reject_unknown_query(LIST_FILTERS)
    user = api_user()
    limit, offset, query = paging()
    resource_id = query.integer("resource_id")
    resource = get_resource(user, resource_id) if resource_id and not query.errors else None
    zone = resource.timezone if resource else user.timezone
    start, end = query.moment("start", zone), query.moment("end", zone)
    if start and end and end <= start:
        query.fail("end", _l("The end must be after the start."))
    mine = query.boolean("mine", default=False)
    status = query.choice("status", [s.value for s in BookingStatus])
    query.raise_if_errors()
    rows = queries.bookings(user, resource=resource, mine=mine, start=start, end=end,
                            status=BookingStatus(status) if status else None,
                            limit=limit + 1, offset=offset)
    return serialise.page([serialise.booking(user, b) for b in rows], limit, offset)


@bp.get("/bookings/<booking_id>")
def show(booking_id: int):
    """One booking; someone else's shows only that the time is busy; 404 where the page is."""
    return serialise.booking(api_user(), service.visible_booking(api_user(), booking_id))


@bp.post("/bookings")
def create():
    """Book a resource: 201, or 409 with every reason and the nearest free alternatives."""
    body = json_object(BOOKING_FIELDS | series.SERIES_FIELDS, REQUIRED_FIELDS)
    if series.SERIES_FIELDS & set(body):
        return series.create_from(body, booking_request(body))
    wanted = booking_request(body)
    # The service reads the caller with the resource it locks: the person is read once.
    booking = service.create_booking(api_user_id(), wanted)
    location = url_for("api.bookings.show", booking_id=booking.id, _external=True)
    # The service kept what it wrote loaded: the answer needs no second read. The caller is
    # the booker, as the service read them under the lock (api_user() would look them up).
    return serialise.booking(booking.user, booking), 201, {"Location": location}


def booking_request(body: dict[str, Any]) -> BookingRequest:
    """The booking a body asks for; offset-less times are the resource's wall-clock time."""
    reader = Reader(body)
    resource_id = reader.integer("resource_id")
    zone = "UTC"  # stands in while only the shape of the times is checked
    # With offsets on both times the zone is not needed: the service's own (locked) read of
    # the resource is then the only one, and answers 404 for an unknown id.
    if resource_id and not (has_offset(body["start"]) and has_offset(body["end"])):
        resource = queries.findable_resource(api_user(), resource_id)
        if resource is None:
            reader.raise_if_errors()
            raise NotFound(_l("No such resource."))
        zone = resource.timezone
    start, end = reader.moment("start", zone), reader.moment("end", zone)
    title = reader.text("title", max_length=limits.TITLE_LENGTH, default="")
    quantity = reader.integer("quantity", high=limits.MAX_CAPACITY, default=1)
    reader.raise_if_errors()
    return BookingRequest(resource_id=resource_id, start=start, end=end, quantity=quantity,
                          title=title)


@bp.post("/bookings/<booking_id>/cancel")
def cancel(booking_id: int):
    """Cancel a booking: the booker, or an admin of the resource's organisation."""
    json_object((), may_be_empty=True)
    service.cancel_booking(api_user(), booking_id)
    return _answer(booking_id)


@bp.post("/bookings/<booking_id>/move")
def move(booking_id: int):
    """Give a booking another time, checked like a new one (alone or a date of a series)."""
    body = json_object({"start", "end"}, {"start", "end"})
    zone = service.visible_booking(api_user(), booking_id).resource.timezone
    reader = Reader(body)
    start, end = reader.moment("start", zone), reader.moment("end", zone)
    reader.raise_if_errors()
    service.move_booking(api_user(), booking_id, start, end)
    return _answer(booking_id)


@bp.post("/bookings/<booking_id>/approve")
def approve(booking_id: int):
    """Confirm a pending request (admins of the resource's organisation)."""
    json_object((), may_be_empty=True)
    service.approve_booking(api_user(), booking_id)
    return _answer(booking_id)


@bp.post("/bookings/<booking_id>/reject")
def reject(booking_id: int):
    """Turn a pending request down, with an optional reason the booker sees."""
    reader = Reader(json_object({"reason"}, may_be_empty=True))
    reason = reader.text("reason", max_length=limits.DECISION_REASON_LENGTH, default="")
    reader.raise_if_errors()
    service.reject_booking(api_user(), booking_id, reason)
    return _answer(booking_id)


def _answer(booking_id: int) -> dict:
    """The booking as the caller may see it, just after a service committed a change."""
    return serialise.booking(api_user(), queries.booking_with_relations(booking_id))

