"""GET /openapi.json: the OpenAPI 3.1 description of this API, kept beside the code it describes."""

from __future__ import annotations

from functools import cache

from flask import Blueprint

from booking import limits
from booking.api.auth import public
from booking.api.openapi_schemas import DATE_IN, ID, LIMIT, MOMENT_IN, OFFSET, SCHEMAS, ref
from booking.events import Action
from booking.models import BookingStatus, ResourceKind
from booking.models.audit import OBJECT_TYPES

bp = Blueprint("openapi", __name__)

ERRORS = {
    400: ("Refused for every request: text with a NUL character or a lone surrogate, JSON "
          f"nested deeper than {limits.MAX_JSON_DEPTH} levels, or a body that is not JSON.",
          "Error"),
    401: ("No token, or an unknown, expired or revoked one.", "Error"),
    403: ("Not allowed: another organisation's, or an admin's task.", "Error"),
    404: ("No such object, or not one the caller may see.", "Error"),
    409: ("Refused by the booking rules or the object's state; a resource change that "
          "bookings to come would not keep lists them.", "ConflictError"),
    422: ("Malformed input: the fields say what is wrong.", "ValidationError"),
    429: ("Too many password attempts from this address, or failed ones at this account; "
          "Retry-After says when to try again (docs/security.md).", "Error"),
}
LOCATION = {"Location": {"description": "URL of the new object", "schema": {"type": "string"}}}


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _body(name: str, *, required: bool = True) -> dict:
    return {"required": required, "content": _json(ref(name))}


def _path_id(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": ID}


def _query(name: str, schema: dict, *, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema}


def _op(op_id: str, summary: str, tag: str, ok: tuple, errors: tuple, *, params=(),
        body: dict | None = None, open_: bool = False) -> dict:
    """One operation; *ok* is (status, description, schema name or None, headers)."""
    status, description, schema, headers = ok
    success = {"description": description}
    if schema:
        success["content"] = _json(ref(schema))
    if headers:
        success["headers"] = headers
    responses = {str(status): success}
    for code in (400,) + (() if open_ else (401,)) + errors:
        text, name = ERRORS[code]
        responses[str(code)] = {"description": text, "content": _json(ref(name))}
    operation = {"operationId": op_id, "summary": summary, "tags": [tag],
                 "parameters": list(params), "responses": responses}
    if body:
        operation["requestBody"] = body
    if open_:
        operation["security"] = []
    return operation


def _with_series_answers(operation: dict) -> dict:
    """POST /bookings also answers a series: 201 SeriesCreated, or 200 for a dry run."""
    created = operation["responses"]["201"]["content"]["application/json"]
    created["schema"] = {"oneOf": [ref("Booking"), ref("SeriesCreated")]}
    operation["responses"]["200"] = {"description": "dry_run: every date with its verdict",
                                     "content": _json(ref("SeriesPreview"))}
    return operation


def _with_csv(operation: dict) -> dict:
    """format=csv answers the same table as text/csv (UTF-8 with a byte order mark)."""
    operation["responses"]["200"]["content"]["text/csv"] = {"schema": {"type": "string"}}
    return operation


_PAGING = (LIMIT, OFFSET)
_EMPTY = _body("Empty", required=False)

PATHS = {
    "/tokens": {
        "post": _op("createToken", "Exchange e-mail and password for a bearer token", "tokens",
                    (201, "The token; its secret is shown only now", "NewToken", None),
                    (401, 403, 422, 429), body=_body("TokenRequest"), open_=True),
        "get": _op("listTokens", "Your tokens that still work", "tokens",
                   (200, "Your tokens", "TokenList", None), (422,)),
    },
    "/tokens/{token_id}": {
        "delete": _op("revokeToken", "Revoke one of your tokens", "tokens",
                      (204, "Revoked", None, None), (404,), params=[_path_id("token_id")]),
    },
    "/me": {
        "get": _op("getMe", "Who you are: the token's person, organisation and role", "tokens",
                   (200, "You", "Me", None), ()),
    },
    "/resources": {
        "get": _op("listResources", "Resources your organisation may book or owns", "resources",
                   (200, "Resources by name", "ResourceList", None), (422,), params=[
                       _query("kind", {"enum": [k.value for k in ResourceKind]}),
                       _query("organisation_id", ID),
                       _query("q", {"type": "string", "maxLength": limits.SEARCH_LENGTH}),
                       _query("min_capacity", {"type": "integer", "minimum": 0,
                                               "maximum": limits.MAX_CAPACITY}), *_PAGING]),
        "post": _op("createResource", "Add a resource (organisation admins)", "resources",
                    (201, "The new resource", "Resource", LOCATION), (403, 404, 422),
                    body=_body("ResourceInput")),
    },
    "/resources/{resource_id}": {
        "get": _op("getResource", "One resource with its rules", "resources",
                   (200, "The resource", "Resource", None), (404,),
                   params=[_path_id("resource_id")]),
        "patch": _op("updateResource", "Change some fields of a resource (its admins; its person: "
                     "windows and closures only)",
                     "resources", (200, "The changed resource", "Resource", None),
                     (403, 404, 409, 422), params=[_path_id("resource_id")],
                     body=_body("ResourcePatch")),
    },
    "/resources/{resource_id}/free": {
        "get": _op("getFreeTime", "Free time between start and end (at most 92 days)",
                   "resources", (200, "Free stretches, and slots where the resource has them",
                                 "FreeTime", None), (404, 422), params=[
                       _path_id("resource_id"), _query("start", MOMENT_IN, required=True),
                       _query("end", MOMENT_IN, required=True),
                       _query("quantity", {"type": "integer", "minimum": 1,
                                           "maximum": limits.MAX_ID})]),
    },
    "/bookings": {
        "get": _op("listBookings", "Bookings by start", "bookings",
                   (200, "Your organisation's bookings, or a resource's (others' as busy)",
                    "BookingList", None), (404, 422), params=[
                       _query("resource_id", ID), _query("start", MOMENT_IN),
                       _query("end", MOMENT_IN), _query("mine", {"type": "boolean"}),
                       _query("status", {"enum": [s.value for s in BookingStatus]}),
                       *_PAGING]),
        "post": _with_series_answers(_op(
            "createBooking", "Book a resource, or a series of dates with repeat", "bookings",
            (201, "Booked: confirmed, or pending where approval is needed; a series answers "
                  "SeriesCreated", "Booking", LOCATION), (403, 404, 409, 422),
            body=_body("BookingInput"))),
    },
    "/bookings/{booking_id}": {
        "get": _op("getBooking", "One booking (another organisation's only as busy)",
                   "bookings", (200, "The booking", "Booking", None), (404,),
                   params=[_path_id("booking_id")]),
    },
    "/bookings/{booking_id}/move": {
        "post": _op("moveBooking", "Give a booking another time (the booker or the resource's "
                    "admins); on an approval resource it awaits approval again", "bookings",
                    (200, "The moved booking", "Booking", None), (403, 404, 409, 422),
                    params=[_path_id("booking_id")], body=_body("MoveInput")),
    },
    "/bookings/{booking_id}/cancel": {
        "post": _op("cancelBooking", "Cancel (the booker or the resource's admins)", "bookings",
                    (200, "The cancelled booking", "Booking", None), (403, 404, 409, 422),
                    params=[_path_id("booking_id")], body=_EMPTY),
    },
    "/bookings/{booking_id}/approve": {
        "post": _op("approveBooking", "Confirm a pending request (the resource's admins)",
                    "bookings", (200, "The confirmed booking", "Booking", None),
                    (403, 404, 409, 422), params=[_path_id("booking_id")], body=_EMPTY),
    },
    "/bookings/{booking_id}/reject": {
        "post": _op("rejectBooking", "Turn a pending request down (the resource's admins)",
                    "bookings", (200, "The rejected booking", "Booking", None),
                    (403, 404, 409, 422), params=[_path_id("booking_id")],
                    body=_body("RejectInput", required=False)),
    },
    "/series/{series_id}": {
        "get": _op("getSeries", "A series with every date and its state", "series",
                   (200, "The series", "Series", None), (404,), params=[_path_id("series_id")]),
        "patch": _op("updateSeries", "Change the purpose or time of the dates to come",
                     "series", (200, "The changed series", "Series", None),
                     (403, 404, 409, 422), params=[_path_id("series_id")],
                     body=_body("SeriesPatch")),
    },
    "/series/{series_id}/cancel": {
        "post": _op("cancelSeries", "Cancel the series, or one date and all after it", "series",
                    (200, "The series", "Series", None), (403, 404, 422),
                    params=[_path_id("series_id")], body=_body("SeriesCancel", required=False)),
    },
    "/series/{series_id}/approve": {
        "post": _op("approveSeries", "Approve every pending date (the resource's admins)",
                    "series", (200, "The series", "Series", None), (403, 404, 409, 422),
                    params=[_path_id("series_id")], body=_EMPTY),
    },
    "/series/{series_id}/reject": {
        "post": _op("rejectSeries", "Turn down every pending date (the resource's admins)",
                    "series", (200, "The series", "Series", None), (403, 404, 409, 422),
                    params=[_path_id("series_id")], body=_body("RejectInput", required=False)),
    },
    "/series/{series_id}/bookings/{booking_id}/move": {
        "post": _op("moveSeriesDate", "Move one date of a series", "series",
                    (200, "The series", "Series", None), (403, 404, 409, 422),
                    params=[_path_id("series_id"), _path_id("booking_id")],
                    body=_body("MoveInput")),
    },
    "/feeds": {
        "get": _op("listFeeds", "Your calendar subscriptions", "feeds",
                   (200, "Your feeds (without their secret URLs)", "FeedList", None), (422,)),
        "post": _op("createFeed", "Make a calendar subscription URL", "feeds",
                    (201, "The feed; its URL is shown only now", "NewFeed", LOCATION),
                    (422,), body=_body("FeedInput")),
    },
    "/feeds/{feed_id}": {
        "delete": _op("revokeFeed", "Revoke a subscription URL", "feeds",
                      (204, "Revoked", None, None), (404,), params=[_path_id("feed_id")]),
    },
    "/audit": {
        "get": _op("listAudit", "The audit trail, newest first (admins: their organisation's "
                   "entries; platform admins: all)", "audit",
                   (200, "Audit entries", "AuditList", None), (403, 422), params=[
                       _query("object_type", {"enum": list(OBJECT_TYPES)}),
                       _query("object_id", ID), _query("actor_id", ID),
                       _query("actor_email", {"type": "string",
                                              "maxLength": limits.EMAIL_LENGTH}),
                       _query("action", {"enum": [a.value for a in Action]}),
                       _query("organisation_id", ID), _query("start", MOMENT_IN),
                       _query("end", MOMENT_IN), *_PAGING]),
    },
    "/statistics/sharing": {
        "get": _with_csv(_op("getSharing", "Who lent what to whom: confirmed bookings, hours and "
                   "place-hours by owner and borrower (admins; org admins see the rows naming "
                   "their organisation). format=csv answers a CSV in UTF-8 with a BOM",
                   "statistics", (200, "The owner × borrower table (or text/csv)",
                                  "SharingTable", None), (403, 422), params=[
                       _query("from", DATE_IN), _query("to", DATE_IN),
                       _query("term_id", {**ID, "description": "A term instead of from and to"}),
                       _query("kind", {"enum": [k.value for k in ResourceKind]}),
                       _query("format", {"enum": ["json", "csv"], "default": "json"})])),
    },
    "/openapi.json": {
        "get": _op("getOpenApi", "This description", "meta",
                   (200, "OpenAPI 3.1", None, None), (), open_=True),
    },
}


@cache
def description() -> dict:
    """The whole OpenAPI document (built once: it never changes while the app runs)."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Consortium booking API", "version": "1.0.0",
                 "description": "Book the staff, facilities and practice bases that the "
                                "consortium's members share. See docs/api.md."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "POST /tokens gives one."}},
        },
    }


@bp.get("/openapi.json")
@public
def spec():
    return description()
