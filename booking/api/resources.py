"""The catalogue: find, read, add and change resources, and see their free time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, request, url_for
from flask_babel import lazy_gettext as _l

from booking import limits, scheduling
from booking.api import serialise
from booking.api.auth import api_user
from booking.api.parsing import (Reader, json_object, paging, parse_clock, parse_moment,
                                 reject_unknown_query)
from booking.db_types import utcnow
from booking.limits import MAX_ID
from booking.models import ResourceKind
from booking.permissions import is_offered
from booking.scheduling import Interval
from booking.services import resources as service
from booking.services.bookings import request_errors
from booking.services.checks import occupancies
from booking.services.resources import FIELD_NAMES, ResourceData
from booking.timezones import is_valid_timezone

bp = Blueprint("resources", __name__)

LIST_FILTERS = frozenset({"kind", "organisation_id", "q", "min_capacity", "limit", "offset"})
TEXT_FIELDS = ("name", "kind", "description", "location", "timezone")
WHOLE_FIELDS = ("capacity", "notice_minutes", "buffer_before_minutes", "buffer_after_minutes",
                "request_expiry_days")
OPTIONAL_WHOLE_FIELDS = ("slot_minutes", "min_minutes", "max_minutes", "horizon_days",
                         "max_pending", "person_id")
YES_NO_FIELDS = ("approval_required", "open_to_all")
# Free time is worked out minute by minute from the rules: a quarter is plenty per call.
MAX_FREE_SPAN = timedelta(days=92)


@bp.get("/resources")
def index():
    """Resources the caller's organisation may book or owns, filtered, by name."""
    reject_unknown_query(LIST_FILTERS)
    limit, offset, query = paging()
    kind = query.choice("kind", [k.value for k in ResourceKind])
    organisation_id = query.integer("organisation_id")
    min_capacity = query.integer("min_capacity", low=0)
    q = query.text("q", max_length=limits.SEARCH_LENGTH)
    query.raise_if_errors()
    found = service.search_resources(api_user(), kind=kind, organisation_id=organisation_id,
                                     q=q, min_capacity=min_capacity)
    return serialise.page([serialise.resource(r) for r in found[offset:offset + limit + 1]],
                          limit, offset)


@bp.get("/resources/<resource_id>")
def show(resource_id: int):
    return serialise.resource(service.get_resource(api_user(), resource_id))


@bp.post("/resources")
def create():
    """Add a resource to the caller's organisation (or, for platform admins, any)."""
    body = json_object({"organisation_id", *FIELD_NAMES}, {"name", "kind"})
    reader = Reader(body)
    organisation_id = reader.integer("organisation_id", default=api_user().organisation_id)
    zone = body.get("timezone") if is_valid_timezone(body.get("timezone")) else \
        ResourceData.timezone
    fields = resource_fields(reader, zone)
    reader.raise_if_errors()
    resource = service.create_resource(api_user(), organisation_id, ResourceData(**fields))
    location = url_for("api.resources.show", resource_id=resource.id, _external=True)
    return serialise.resource(resource), 201, {"Location": location}


@bp.patch("/resources/<resource_id>")
def update(resource_id: int):
    """Change some fields; the rest stay as they are."""
    body = json_object(FIELD_NAMES)
    reader = Reader(body)
    resource = service.get_resource(api_user(), resource_id)
    zone = body.get("timezone") if is_valid_timezone(body.get("timezone")) else resource.timezone
    fields = resource_fields(reader, zone)
    reader.raise_if_errors()
    resource = service.update_resource_fields(api_user(), resource_id, **fields)
    return serialise.resource(resource)


@bp.get("/resources/<resource_id>/free")
def free(resource_id: int):
    """The free stretches between start and end, and the free slots of slot-based resources."""
    reject_unknown_query({"start", "end", "quantity"})
    resource = service.get_resource(api_user(), resource_id)
    query, zone, now = Reader(request.args, query=True), resource.timezone, utcnow()
    for name in ("start", "end"):
        if not query.has(name):
            query.fail(name, _l("This parameter is required."))
    start, end = query.moment("start", zone), query.moment("end", zone)
    quantity = query.integer("quantity", default=1)
    if start and end:
        for name, message in request_errors(start, end, 1, None, now=now).items():
            query.fail(name, message)
        if end - start > MAX_FREE_SPAN:
            query.fail("end", _l("Ask for at most %(n)d days at a time.", n=MAX_FREE_SPAN.days))
    query.raise_if_errors()
    span = Interval(start, end)
    answer = {"resource_id": resource.id, "timezone": zone, "start": serialise.moment(start, zone),
              "end": serialise.moment(end, zone), "quantity": quantity, "intervals": [],
              "slots": [] if resource.slot_minutes else None}
    if not is_offered(resource):
        return answer
    rules = resource.rules()
    occupying = occupancies(resource, rules.occupied(span))
    answer["intervals"] = [serialise.slot(s, zone) for s in scheduling.free_intervals(
        rules, span, occupying=occupying, now=now, quantity=quantity)]
    if resource.slot_minutes:
        answer["slots"] = [serialise.slot(s, zone) for s in scheduling.free_slots(
            rules, span, occupying=occupying, now=now, quantity=quantity)]
    return answer


def resource_fields(reader: Reader, zone: str) -> dict[str, Any]:
    """The catalogue fields present in the body, as ResourceData takes them.

    Only JSON types are checked here; ranges and consistency are the service's rules.
    """
    fields: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        if reader.has(name):
            fields[name] = reader.text(name, max_length=10_000)
    for name in WHOLE_FIELDS + OPTIONAL_WHOLE_FIELDS:
        if reader.has(name):
            fields[name] = reader.integer(name, low=-MAX_ID, high=MAX_ID,
                                          nullable=name in OPTIONAL_WHOLE_FIELDS)
    for name in YES_NO_FIELDS:
        if reader.has(name):
            fields[name] = reader.boolean(name)
    if reader.has("quota"):
        fields["quota"] = reader.source["quota"]  # its shape is the service's rule
    if reader.has("allowed_organisation_ids"):
        ids = reader.source["allowed_organisation_ids"]
        fields["allowed_organisation_ids"] = ids if isinstance(ids, list) else \
            reader.fail("allowed_organisation_ids", _l("Give a list of organisation numbers."))
    if reader.has("windows"):
        fields["windows"] = _windows(reader)
    if reader.has("closures"):
        fields["closures"] = _closures(reader, zone)
    return fields


def _windows(reader: Reader) -> list | None:
    """[{"weekday", "start": "HH:MM", "end": "HH:MM"}] as (weekday, time, time)."""
    items = reader.source["windows"]
    if not isinstance(items, list):
        return reader.fail("windows", _l("Give a list of opening hours."))
    windows = []
    for item in items:
        if not isinstance(item, dict) or set(item) != {"weekday", "start", "end"}:
            return reader.fail("windows", _l("Give each opening as weekday, start and end."))
        try:
            windows.append((item["weekday"], parse_clock(item["start"]),
                            parse_clock(item["end"])))
        except ValueError as exc:
            return reader.fail("windows", exc.args[0])
    return windows


def _closures(reader: Reader, zone: str) -> list | None:
    """[{"start", "end", "reason"?}] as (aware start, aware end, reason)."""
    items = reader.source["closures"]
    if not isinstance(items, list):
        return reader.fail("closures", _l("Give a list of closures."))
    closures = []
    for item in items:
        if not isinstance(item, dict) or not {"start", "end"} <= set(item) <= {
                "start", "end", "reason"}:
            return reader.fail("closures", _l("Give each closure as start, end and reason."))
        try:
            closures.append((parse_moment(item["start"], zone), parse_moment(item["end"], zone),
                             item.get("reason", "")))
        except ValueError as exc:
            return reader.fail("closures", exc.args[0])
    return closures
