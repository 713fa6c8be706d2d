"""Domain objects as the JSON the API answers with (the shapes openapi.py describes)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import request

from booking.messages import Refused, reason_as_dict
from booking.models import ApiToken, AuditEntry, Booking, CalendarFeed, Resource, User
from booking.permissions import can_see_details
from booking.scheduling import Breach, Interval, Reason, Slot, Verdict


def moment(value: datetime | None, zone: str) -> str | None:
    """ISO 8601 with the offset of *zone*."""
    return None if value is None else value.astimezone(ZoneInfo(zone)).isoformat()


def interval(span: Interval, zone: str) -> dict:
    return {"start": moment(span.start, zone), "end": moment(span.end, zone)}


def slot(free: Slot, zone: str) -> dict:
    return {**interval(free.period, zone), "places_left": free.places_left}


def booking(viewer: User, item: Booking) -> dict:
    """A booking; for someone who may not see its details, only that the time is busy."""
    zone = item.resource.timezone
    visible = can_see_details(viewer, item)
    data = {
        "id": item.id, "resource_id": item.resource_id, "status": item.status.value,
        "start": moment(item.start_at, zone), "end": moment(item.end_at, zone),
        "timezone": zone, "quantity": item.quantity, "series_id": item.series_id,
        "details_visible": visible, "title": None, "booker": None, "organisation_id": None,
        "decision_reason": None, "created_at": moment(item.created_at, zone),
    }
    if visible:
        data.update(title=item.title, organisation_id=item.organisation_id,
                    booker={"id": item.user_id, "name": item.user.name},
                    decision_reason=item.decision_reason or None)
    return data


def resource(item: Resource) -> dict:
    """A resource with its booking rules, times in its own zone."""
    zone = item.timezone
    return {
        "id": item.id, "organisation_id": item.organisation_id,
        "organisation_name": item.organisation.name, "name": item.name,
        "kind": item.kind.value, "description": item.description, "location": item.location,
        "capacity": item.capacity, "timezone": zone, "slot_minutes": item.slot_minutes,
        "min_minutes": item.min_minutes, "max_minutes": item.max_minutes,
        "notice_minutes": item.notice_minutes, "horizon_days": item.horizon_days,
        "buffer_before_minutes": item.buffer_before_minutes,
        "buffer_after_minutes": item.buffer_after_minutes,
        "approval_required": item.approval_required, "open_to_all": item.open_to_all,
        "allowed_organisation_ids": [o.id for o in item.allowed_organisations],
        "person_id": item.person_id,
        "person_name": item.person.name if item.person is not None else None,
        "is_active": item.is_active,
        "quota": (None if item.quota_hours is None
                  else {"hours": item.quota_hours, "per": item.quota_per}),
        "max_pending": item.max_pending, "request_expiry_days": item.request_expiry_days,
        "windows": [{"weekday": w.weekday, "start": f"{w.start_time:%H:%M}",
                     "end": f"{w.end_time:%H:%M}"} for w in item.windows],
        "closures": [{"start": moment(c.start_at, zone), "end": moment(c.end_at, zone),
                      "reason": c.reason} for c in item.closures],
    }


def me(person: User) -> dict:
    """The caller: who they are, where they belong, and how they read times."""
    return {"id": person.id, "email": person.email, "name": person.name,
            "organisation": {"id": person.organisation_id, "name": person.organisation.name},
            "role": person.role.value, "locale": person.locale, "timezone": person.timezone}


def token(item: ApiToken) -> dict:
    return {"id": item.id, "name": item.name, "created_at": moment(item.created_at, "UTC"),
            "expires_at": moment(item.expires_at, "UTC"),
            "last_used_at": moment(item.last_used_at, "UTC")}


def feed(item: CalendarFeed) -> dict:
    return {"id": item.id, "scope": item.scope.value, "resource_id": item.resource_id,
            "created_at": moment(item.created_at, "UTC")}


def reasons(found: Iterable[Reason], zone: str, refused: Refused | None = None) -> list[dict]:
    """Why a booking was refused, its times in *zone* like everything else the API shows.

    With *refused* (the time asked for and the buffers) the sentences are the page's own:
    the other bookings' own times, the buffer named, "your request" (messages.describe).
    """
    return [{**reason_as_dict(reason, zone, refused),
             "times": [interval(i, zone) for i in reason.intervals]} for reason in found]


def verdict(found: Verdict, zone: str, buffers: tuple[int, int] = (0, 0)) -> dict:
    """One date of a series: whether it may stand, why not, and free times near it."""
    return {**interval(found.period, zone), "ok": found.ok,
            "reasons": reasons(found.reasons, zone, Refused(found.period, *buffers)),
            "alternatives": [interval(a, zone) for a in found.alternatives]}


def other_choices(found: Verdict | None, zone: str) -> dict:
    """The other kinds of alternatives to a refused booking (issue 14): the same time on
    the next days, on other resources of the same kind, and fewer places."""
    if found is None:
        return {"same_time_later": [], "elsewhere": [], "places_left": None}
    return {"same_time_later": [interval(p, zone) for p in found.later_days],
            "elsewhere": [{"resource_id": rid, "name": name, **interval(found.period, zone)}
                          for rid, name in found.elsewhere],
            "places_left": found.places_left}


def breach(found: Breach, zone: str) -> dict:
    """A booking still to come that a resource's new rules would break."""
    return {"id": found.booking_id, **interval(found.period, zone),
            "reasons": reasons(found.reasons, zone)}


def page(items: list, limit: int, offset: int) -> dict:
    """A list answer: *items* holds up to limit + 1 rows, the extra one meaning "more"."""
    following = None
    if len(items) > limit:
        args = {**request.args.to_dict(), "limit": limit, "offset": offset + limit}
        following = f"{request.base_url}?{urlencode(args)}"
    return {"items": items[:limit], "next": following}


def audit_entry(entry: AuditEntry) -> dict:
    """One entry of the audit trail; `at` in UTC."""
    return {"at": moment(entry.at, "UTC"),
            "actor": {"id": entry.actor_id, "email": entry.actor_email},
            "action": entry.action,
            "object": {"type": entry.object_type, "id": entry.object_id},
            "organisation_id": entry.organisation_id,
            "other_organisation_id": entry.other_organisation_id,
            "details": entry.details}
