"""The JSON shapes of the API as OpenAPI 3.1 (JSON Schema 2020-12) components."""

from __future__ import annotations

from booking import limits
from booking.models import BookingStatus, FeedScope, ResourceKind
from booking.models.audit import OBJECT_TYPES
from booking.scheduling import REASON_CODES

ID = {"type": "integer", "minimum": 1, "maximum": limits.MAX_ID}
TEXT = {"type": "string"}
WHOLE = {"type": "integer"}
MINUTES = {"type": "integer", "minimum": 0, "maximum": limits.MAX_MINUTES}
OPTIONAL_MINUTES = {"type": ["integer", "null"], "minimum": 1, "maximum": limits.MAX_MINUTES}
MOMENT = {"type": "string", "format": "date-time"}
MOMENT_IN = {
    "type": "string", "format": "date-time",
    "description": f"ISO 8601, years {limits.FIRST_YEAR} to {limits.LAST_YEAR}. Without an "
                   "offset the time is read in the resource's time zone (for a list without a "
                   "resource: in the caller's).",
}
DATE_IN = {"type": "string", "format": "date",
           "description": f"YYYY-MM-DD, years {limits.FIRST_YEAR} to {limits.LAST_YEAR}."}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    return {"oneOf": [schema, {"type": "null"}]}


def obj(properties: dict, required: tuple | list | None = None, *, closed: bool = True,
        description: str = "") -> dict:
    """An object schema; *required* defaults to every property."""
    schema = {"type": "object", "properties": properties}
    if names := list(properties if required is None else required):
        schema["required"] = names
    if closed:
        schema["additionalProperties"] = False
    if description:
        schema["description"] = description
    return schema


def listing(item: str) -> dict:
    return obj({"items": {"type": "array", "items": ref(item)},
                "next": {"type": ["string", "null"],
                         "description": "URL of the next page, or null on the last."}})


_WINDOW = obj({"weekday": {"type": "integer", "minimum": 0, "maximum": 6,
                           "description": "0 = Monday ... 6 = Sunday"},
               "start": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"},
               "end": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}},
              description="Weekly opening hours in the resource's wall-clock time.")
_RESOURCE_FIELDS = {
    "name": {"type": "string", "minLength": 1, "maxLength": limits.NAME_LENGTH},
    "kind": {"enum": [k.value for k in ResourceKind]},
    "description": {"type": "string", "maxLength": limits.DESCRIPTION_LENGTH},
    "location": {"type": "string", "maxLength": limits.LOCATION_LENGTH},
    "capacity": {"type": "integer", "minimum": 1, "maximum": limits.MAX_CAPACITY},
    "timezone": {"type": "string", "description": "IANA name, e.g. Asia/Shanghai"},
    "slot_minutes": OPTIONAL_MINUTES,
    "min_minutes": OPTIONAL_MINUTES,
    "max_minutes": OPTIONAL_MINUTES,
    "notice_minutes": MINUTES,
    "horizon_days": {"type": ["integer", "null"], "minimum": 1,
                     "maximum": limits.MAX_HORIZON_DAYS},
    "buffer_before_minutes": MINUTES,
    "buffer_after_minutes": MINUTES,
    "approval_required": {"type": "boolean"},
    "open_to_all": {"type": "boolean"},
    "allowed_organisation_ids": {"type": "array", "items": ID},
    "person_id": {"type": ["integer", "null"], "minimum": 1,
                  "description": "Staff resources: the person whose time it is, an active "
                                 "member of the owning organisation. They see its bookings as "
                                 "their own, may set its windows and closures and cancel its "
                                 "bookings."},
    "windows": {"type": "array", "items": ref("Window"), "maxItems": limits.MAX_WINDOWS},
    "closures": {"type": "array", "items": ref("ClosureInput"), "maxItems": limits.MAX_CLOSURES},
    "quota": {"oneOf": [{"type": "null"}, ref("Quota")]},
    "max_pending": {"type": ["integer", "null"], "minimum": 1,
                    "maximum": limits.MAX_PENDING_LIMIT,
                    "description": "Requests one other organisation may have waiting at once; "
                                   "null: no limit."},
    "request_expiry_days": {"type": "integer", "minimum": 1,
                            "maximum": limits.MAX_REQUEST_EXPIRY_DAYS,
                            "description": "A request undecided this many days expires."},
}

SCHEMAS = {
    "Error": obj({"error": TEXT, "message": TEXT}, closed=False),
    "ValidationError": obj(
        {"error": {"const": "invalid"}, "message": TEXT,
         "fields": {"type": "object", "additionalProperties": {"type": "array",
                                                               "items": TEXT}}}),
    "ConflictError": obj(
        {"error": {"enum": ["conflict", "state_conflict", "bookings_would_break"],
                   "description":
                   "conflict: the booking rules refuse it (reasons say which); state_conflict: "
                   "the object's state does not allow the action (reasons is empty); "
                   "bookings_would_break: a resource change that bookings still to come would "
                   "not keep (bookings lists them)."},
         "message": TEXT, "reasons": {"type": "array", "items": ref("Reason")},
         "alternatives": {"type": "array", "items": ref("Interval"),
                          "description": "Free times of the same length nearby (other hours)."},
         "same_time_later": {"type": "array", "items": ref("Interval"),
                             "description": "One booking: the same wall-clock time on the next "
                                            "days where it is free."},
         "elsewhere": {"type": "array", "items": obj({"resource_id": ID, "name": TEXT,
                                                      "start": MOMENT, "end": MOMENT}),
                       "description": "One booking: other resources of the same kind that "
                                      "you may book, free at the very time asked for."},
         "places_left": {"type": ["integer", "null"], "minimum": 1,
                         "description": "One booking: when only places are short, how many "
                                        "are still free then (\"4 places left — book 4?\")."},
         "occurrences": {"type": "array", "items": ref("Occurrence"),
                         "description": "For a series: every date with its verdict."},
         "bookings": {"type": "array", "items": ref("Breach"),
                      "description": "For a resource change: the bookings it would break."}},
        ["error", "message", "reasons", "alternatives"]),
    "Reason": obj({"code": {"enum": list(REASON_CODES)}, "message": TEXT,
                   "times": {"type": "array", "items": ref("Interval")},
                   "limit": WHOLE, "detail": TEXT,
                   "booking_ids": {"type": "array", "items": WHOLE, "description":
                                   "The clashing bookings whose details you may see; others' "
                                   "are left out (their times are in times)."}},
                  ["code", "message", "times"]),
    "Breach": obj({"id": ID, "start": MOMENT, "end": MOMENT,
                   "reasons": {"type": "array", "items": ref("Reason")}}),
    "Interval": obj({"start": MOMENT, "end": MOMENT}),
    "FreeInterval": obj({"start": MOMENT, "end": MOMENT,
                         "places_left": {"type": "integer", "minimum": 0}}),
    "FreeTime": obj({"resource_id": ID, "timezone": TEXT, "start": MOMENT, "end": MOMENT,
                     "quantity": WHOLE,
                     "intervals": {"type": "array", "items": ref("FreeInterval")},
                     "slots": {"type": ["array", "null"], "items": ref("FreeInterval"),
                               "description": "Only for slot-based resources."}}),
    "TokenRequest": obj({"email": {"type": "string", "maxLength": limits.EMAIL_LENGTH},
                         "password": {"type": "string", "maxLength": limits.PASSWORD_LENGTH},
                         "name": {"type": "string", "maxLength": limits.TOKEN_NAME_LENGTH}},
                        ["email", "password"]),
    "Me": obj({"id": ID, "email": TEXT, "name": TEXT,
               "organisation": obj({"id": ID, "name": TEXT}),
               "role": {"enum": ["member", "org_admin", "platform_admin"]},
               "locale": {"type": ["string", "null"], "description": "null: the browser's"},
               "timezone": TEXT}),
    "Token": obj({"id": ID, "name": TEXT, "created_at": MOMENT, "expires_at": MOMENT,
                  "last_used_at": {"type": ["string", "null"], "format": "date-time"}}),
    "NewToken": obj({"id": ID, "name": TEXT, "created_at": MOMENT, "expires_at": MOMENT,
                     "last_used_at": {"type": ["string", "null"], "format": "date-time"},
                     "token": {"type": "string",
                               "description": "The secret: shown only this once."}}),
    "Window": _WINDOW,
    "ClosureInput": obj({"start": MOMENT_IN, "end": MOMENT_IN,
                         "reason": {"type": "string", "maxLength": limits.CLOSURE_REASON_LENGTH}},
                        ["start", "end"]),
    "Closure": obj({"start": MOMENT, "end": MOMENT, "reason": TEXT}),
    "ResourceInput": obj({"organisation_id": {**ID, "description": "Default: your own."},
                          **_RESOURCE_FIELDS}, ["name", "kind"]),
    "ResourcePatch": obj(_RESOURCE_FIELDS, [], description="Only the fields to change."),
    "Resource": obj({
        "id": ID, "organisation_id": ID, "organisation_name": TEXT, "name": TEXT,
        "kind": {"enum": [k.value for k in ResourceKind]}, "description": TEXT,
        "location": TEXT, "capacity": WHOLE, "timezone": TEXT,
        "slot_minutes": {"type": ["integer", "null"]}, "min_minutes": {"type": ["integer", "null"]},
        "max_minutes": {"type": ["integer", "null"]}, "notice_minutes": WHOLE,
        "horizon_days": {"type": ["integer", "null"]}, "buffer_before_minutes": WHOLE,
        "buffer_after_minutes": WHOLE, "approval_required": {"type": "boolean"},
        "open_to_all": {"type": "boolean"},
        "allowed_organisation_ids": {"type": "array", "items": WHOLE},
        "person_id": {"type": ["integer", "null"]},
        "person_name": {"type": ["string", "null"]},
        "is_active": {"type": "boolean"},
        "quota": {"oneOf": [{"type": "null"}, ref("Quota")]},
        "max_pending": {"type": ["integer", "null"]}, "request_expiry_days": WHOLE,
        "windows": {"type": "array", "items": ref("Window")},
        "closures": {"type": "array", "items": ref("Closure")},
    }),
    "Quota": obj({"hours": {"type": "number", "exclusiveMinimum": 0,
                            "maximum": limits.QUOTA_MAX_HOURS},
                  "per": {"enum": ["week", "month", "term"]}},
                 description="Each organisation but the owner may hold at most this many hours "
                             "(place-hours where the resource has places) per week, month or "
                             "term of the resource's calendar, pending and confirmed together."),
    "SharingRow": obj({
        "owner": obj({"id": ID, "name": TEXT}), "borrower": obj({"id": ID, "name": TEXT}),
        "bookings": WHOLE, "hours": {"type": "number"}, "place_hours": {"type": "number"},
    }, description="Confirmed use of the owner's resources by the borrower inside the period "
                   "(dates read in each resource's zone); owner = borrower is own use."),
    "SharingTable": obj({"from": {"type": "string", "format": "date"},
                         "to": {"type": "string", "format": "date"},
                         "kind": {"type": ["string", "null"]},
                         "items": {"type": "array", "items": ref("SharingRow")}}),
    "BookingInput": obj({"resource_id": ID, "start": MOMENT_IN, "end": MOMENT_IN,
                         "title": {"type": "string", "maxLength": limits.TITLE_LENGTH},
                         "quantity": {"type": "integer", "minimum": 1,
                                      "maximum": limits.MAX_CAPACITY},
                         "repeat": ref("Repeat"),
                         "on_conflict": {"enum": ["fail", "skip"], "default": "fail",
                                         "description": "With repeat: book nothing if a date "
                                                        "is refused, or only the free dates."},
                         "closures": {"enum": ["report", "skip"], "default": "report",
                                      "description": "With repeat: dates the resource is "
                                                     "closed are refused, or left out."},
                         "dry_run": {"type": "boolean", "default": False,
                                     "description": "With repeat: only preview the dates."}},
                        ["resource_id", "start", "end"],
                        description="One booking; with repeat, start and end give the first "
                                    "date of a series. Unknown keys are refused with 422."),
    "Repeat": obj({"freq": {"enum": ["daily", "weekly", "monthly"]},
                   "interval": {"type": "integer", "minimum": 1,
                                "maximum": limits.SERIES_MAX_INTERVAL, "default": 1},
                   "weekdays": {"type": "array", "items": {"type": "integer", "minimum": 0,
                                                           "maximum": 6},
                                "description": "Weekly only; 0 = Monday."},
                   "monthly_by": {"enum": ["date", "weekday"], "default": "date"},
                   "until": {**DATE_IN, "description": "The last date, in the resource's zone."},
                   "term_id": {**ID, "description": "Until the term's last day instead of "
                               "until or count, leaving out your organisation's holidays in "
                               "it (docs/ledger.md)."},
                   "count": {"type": "integer", "minimum": 1,
                             "maximum": limits.SERIES_MAX_DATES},
                   "skip": {"type": "array", "items": DATE_IN,
                            "maxItems": limits.SERIES_MAX_SKIPPED}},
                  ["freq"], description=f"Give until, count or term_id (one of them); at most "
                                        f"{limits.SERIES_MAX_DATES:,} dates within "
                                        f"{limits.SERIES_MAX_SPAN.days} days of the first."),
    "Occurrence": obj({"start": MOMENT, "end": MOMENT, "ok": {"type": "boolean"},
                       "reasons": {"type": "array", "items": ref("Reason")},
                       "alternatives": {"type": "array", "items": ref("Interval")}}),
    "SeriesPreview": obj({"occurrences": {"type": "array", "items": ref("Occurrence")},
                          "holidays": {"type": "array", "items": obj({
                              "date": {"type": "string", "format": "date"}, "name": TEXT})}},
                         ["occurrences"], description="With repeat.term_id, holidays lists the "
                         "dates left out as your organisation's holidays."),
    "SeriesCreated": obj({"series_id": ID, "bookings": {"type": "array", "items": ref("Booking")},
                          "skipped": {"type": "array", "items": ref("Occurrence")},
                          "confirmed": WHOLE, "pending": WHOLE,
                          "message": {"type": "string", "description": "What really happened: "
                                      "'Booked 8 dates.' or 'Requested 8 dates: ...', mixed "
                                      "outcomes counted, in the caller's language."}}),
    "Series": obj({"id": ID, "resource_id": ID, "title": TEXT, "timezone": TEXT,
                   "quantity": WHOLE,
                   "repeat": obj({"freq": TEXT, "interval": WHOLE,
                                  "weekdays": {"type": "array", "items": WHOLE},
                                  "monthly_by": TEXT,
                                  "until": {"type": ["string", "null"], "format": "date"},
                                  "count": {"type": ["integer", "null"]},
                                  "skip": {"type": "array", "items": TEXT}}),
                   "first": ref("Interval"),
                   "bookings": {"type": "array", "items": ref("Booking")}}),
    "SeriesPatch": obj({"title": {"type": "string", "maxLength": limits.TITLE_LENGTH},
                        "start_time": {"type": "string",
                                       "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"},
                        "end_time": {"type": "string",
                                     "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}}, [],
                       description="Changes the dates still to come; cancelled and moved dates "
                                   "stay as they are. Give both times or neither."),
    "SeriesCancel": obj({"from_booking_id": {**ID, "description":
                                             "Cancel this date and all after it."}}, []),
    "MoveInput": obj({"start": MOMENT_IN, "end": MOMENT_IN}),
    "Booking": obj({
        "id": ID, "resource_id": ID, "status": {"enum": [s.value for s in BookingStatus]},
        "start": MOMENT, "end": MOMENT, "timezone": TEXT, "quantity": WHOLE,
        "series_id": {"type": ["integer", "null"]},
        "details_visible": {"type": "boolean", "description":
                            "False: another organisation's booking, shown only as busy."},
        "title": {"type": ["string", "null"]},
        "booker": nullable(obj({"id": ID, "name": TEXT})),
        "organisation_id": {"type": ["integer", "null"]},
        "decision_reason": {"type": ["string", "null"]}, "created_at": MOMENT,
    }),
    "RejectInput": obj({"reason": {"type": "string",
                                   "maxLength": limits.DECISION_REASON_LENGTH}}, []),
    "Empty": obj({}, []),
    "FeedInput": obj({"scope": {"enum": [s.value for s in FeedScope]},
                      "resource_id": {**ID, "type": ["integer", "null"],
                                      "description": "Required when scope is resource."}},
                     ["scope"]),
    "Feed": obj({"id": ID, "scope": {"enum": [s.value for s in FeedScope]},
                 "resource_id": {"type": ["integer", "null"]}, "created_at": MOMENT}),
    "NewFeed": obj({"id": ID, "scope": {"enum": [s.value for s in FeedScope]},
                    "resource_id": {"type": ["integer", "null"]}, "created_at": MOMENT,
                    "url": {"type": "string", "description":
                            "The subscription URL with its secret, at the site's public "
                            "address (PUBLIC_URL): shown only this once."}}),
    "TokenList": listing("Token"),
    "ResourceList": listing("Resource"),
    "BookingList": listing("Booking"),
    "FeedList": listing("Feed"),
    "AuditEntry": obj({
        "at": {**MOMENT, "description": "When the change was committed, in UTC."},
        "actor": obj({"id": {"type": ["integer", "null"],
                             "description": "The person who acted; null for a failed "
                                            "sign-in. Kept after the person is removed."},
                      "email": {"type": "string", "description":
                                "Their e-mail address then; for login.failed, the address "
                                "that was tried."}}),
        "action": {"type": "string", "examples": ["booking.approved", "login.failed"],
                   "description": "What was done (docs/security.md lists every action)."},
        "object": obj({"type": {"enum": list(OBJECT_TYPES)},
                       "id": {"type": ["integer", "null"]}}),
        "organisation_id": {"type": ["integer", "null"],
                            "description": "The organisation whose entry it is (the owner "
                                           "of the object, or the person's)."},
        "other_organisation_id": {"type": ["integer", "null"],
                                  "description": "The other organisation concerned: the one "
                                                 "that booked another's resource."},
        "details": {"type": "object", "description":
                    "What changed: before and after of the changed fields, and what else "
                    "tells the change apart (a rejection's reason, a sign-in's failure)."},
    }),
    "AuditList": listing("AuditEntry"),
}

LIMIT = {"name": "limit", "in": "query",
         "schema": {"type": "integer", "minimum": 1, "maximum": limits.MAX_PAGE_SIZE,
                    "default": limits.PAGE_SIZE}}
OFFSET = {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0,
                                                       "maximum": limits.MAX_OFFSET, "default": 0}}
