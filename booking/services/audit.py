"""The audit trail: who changed what, recorded from the event seam, read by admins.

`record` is subscribed to booking.events by the app factory. It runs inside the change's
transaction (after the flush, before the commit) and adds the entries with one Core INSERT,
so an entry exists exactly when its change was committed. Nothing here updates or deletes an
entry, and the database refuses both (booking.models.audit.APPEND_ONLY_DDL).

Who reads it is permissions.can_see_audit_entry / audit_visible: platform admins every
entry, organisation admins their organisation's, members none.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_babel import lazy_gettext as _l

from booking import events, limits
from booking.db_types import utcnow
from booking.events import (Action, BookingsChanged, BookingState, Event, FeedChanged,
                            MemberChanged, OrganisationChanged, ResourceChanged, SignInFailed,
                            TokenChanged)
from booking.exceptions import InvalidInput, NotAllowed
from booking.extensions import db
from booking.models import AuditEntry, Booking, Resource, User
from booking.models.audit import OBJECT_TYPES
from booking.permissions import audit_visible, can_read_audit
from booking.prepared import Prepared

#: Rows a CSV export holds at most (the newest); narrow the filters for older ones.
MAX_EXPORT_ROWS = 100_000

_TABLE = AuditEntry.__table__
# Every change writes it, with every column but the key (_row): on the driver (booking.prepared).
_INSERT = Prepared(sa.insert(_TABLE), column_keys=[c.key for c in _TABLE.columns
                                                   if c.key != "id"])


def init_app(app: Flask) -> None:
    events.subscribe(app, record)


# ---------------------------------------------------------------------------- writing

def record(event: Event) -> None:
    """Add the event's entries to the change's transaction: one INSERT, however many rows."""
    rows = list(_rows(event))
    if rows:
        _INSERT.run(rows if len(rows) > 1 else rows[0])


def _rows(event: Event) -> Iterator[dict[str, Any]]:
    at = utcnow()
    if isinstance(event, SignInFailed):
        user = event.user
        yield _row(at, None, event.email.strip().lower()[:limits.EMAIL_LENGTH], event.action,
                   "person", user.id if user else None,
                   user.organisation_id if user else None, {"reason": event.reason})
        return
    actor = event.actor
    if isinstance(event, BookingsChanged):
        yield from _booking_rows(at, actor, event)
    elif isinstance(event, ResourceChanged):
        yield _actor_row(at, actor, event.action, "resource", event.resource.id,
                         event.resource.organisation_id,
                         {"before": dict(event.before), "after": dict(event.after)})
    elif isinstance(event, OrganisationChanged):
        active = event.organisation.is_active
        yield _actor_row(at, actor, event.action, "organisation", event.organisation.id,
                         event.organisation.id, {"before": {"is_active": not active},
                                                 "after": {"is_active": active}})
    elif isinstance(event, MemberChanged):
        yield _actor_row(at, actor, event.action, "person", event.member.id,
                         event.member.organisation_id,
                         {"email": event.member.email, "before": dict(event.before),
                          "after": dict(event.after)})
    elif isinstance(event, TokenChanged):
        token = event.token
        yield _actor_row(at, actor, event.action, "token", token.id, actor.organisation_id,
                         {"name": token.name, "owner_id": token.user_id,
                          "expires_at": _moment(token.expires_at)})
    elif isinstance(event, FeedChanged):
        feed = event.feed
        yield _actor_row(at, actor, event.action, "feed", feed.id, actor.organisation_id,
                         {"scope": feed.scope.value, "resource_id": feed.resource_id,
                          "owner_id": feed.user_id})


def _booking_rows(at: datetime, actor: User, event: BookingsChanged) -> Iterator[dict]:
    resource = event.bookings[0].resource if event.bookings else None
    if event.action.value.startswith("series.") and event.series is not None:
        series = event.series
        details = {"resource_id": series.resource_id,
                   "bookings": [_booking_change(b, event.before.get(b.id))
                                for b in event.bookings],
                   "after": {"title": series.title}}
        if event.reason:
            details["reason"] = event.reason
        yield _actor_row(at, actor, event.action, "series", series.id,
                         _owner(series.resource_id, resource), details,
                         other=series.organisation_id)
        return
    for booking in event.bookings:
        change = _booking_change(booking, event.before.get(booking.id))
        del change["id"]  # the entry's object
        details = {"resource_id": booking.resource_id, **change}
        if booking.series_id is not None:
            details["series_id"] = booking.series_id
        if event.reason:
            details["reason"] = event.reason
        yield _actor_row(at, actor, event.action, "booking", booking.id,
                         booking.resource.organisation_id, details,
                         other=booking.organisation_id)


def _booking_change(booking: Booking, before: BookingState | None) -> dict[str, Any]:
    """What the booking was and is: every field when new, else only what changed."""
    now = {"start": _moment(booking.start_at), "end": _moment(booking.end_at),
           "status": booking.status.value}
    if before is None:
        return {"id": booking.id, "before": {},
                "after": {**now, "title": booking.title, "quantity": booking.quantity}}
    then = {"start": _moment(before.start_at), "end": _moment(before.end_at),
            "status": before.status.value}
    changed = [k for k in now if now[k] != then[k]]
    return {"id": booking.id, "before": {k: then[k] for k in changed},
            "after": {k: now[k] for k in changed}}


def _owner(resource_id: int, resource: Resource | None) -> int | None:
    if resource is not None:
        return resource.organisation_id
    return db.session.scalar(sa.select(Resource.organisation_id)
                             .where(Resource.id == resource_id))


def _actor_row(at, actor: User, action, object_type, object_id, organisation_id, details,
               *, other: int | None = None) -> dict[str, Any]:
    return _row(at, actor.id, actor.email, action, object_type, object_id, organisation_id,
                details, other=other)


def _row(at, actor_id, actor_email, action, object_type, object_id, organisation_id,
         details, *, other: int | None = None) -> dict[str, Any]:
    return {"at": at, "actor_id": actor_id, "actor_email": actor_email,
            "action": str(action), "object_type": object_type, "object_id": object_id,
            "organisation_id": organisation_id,
            "other_organisation_id": other if other != organisation_id else None,
            "details": details}


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# ---------------------------------------------------------------------------- reading

@dataclass(frozen=True)
class AuditFilter:
    """What the list shows: every field optional; `end` is exclusive."""

    object_type: str | None = None
    object_id: int | None = None
    actor_id: int | None = None
    actor_email: str | None = None
    action: str | None = None
    organisation_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None


def require_reader(viewer: User) -> None:
    """Members are refused (403): the trail is for administrators."""
    if not can_read_audit(viewer):
        raise NotAllowed(_l("Only administrators can read the audit trail."))


def check_filter(wanted: AuditFilter) -> None:
    errors = {}
    if wanted.object_type is not None and wanted.object_type not in OBJECT_TYPES:
        errors["object_type"] = [_l("Unknown kind of object.")]
    if wanted.action is not None and wanted.action not in {a.value for a in Action}:
        errors["action"] = [_l("Unknown action.")]
    if wanted.object_id is not None and wanted.object_type is None:
        errors["object_type"] = [_l("Choose the kind of object the number belongs to.")]
    if wanted.start and wanted.end and wanted.end <= wanted.start:
        errors["end"] = [_l("The end must be after the start.")]
    if errors:
        raise InvalidInput(errors)


def entries(viewer: User, wanted: AuditFilter, *, limit: int, offset: int = 0
            ) -> list[AuditEntry]:
    """The entries the viewer may read, newest first."""
    require_reader(viewer)
    check_filter(wanted)
    return list(db.session.scalars(_statement(viewer, wanted).limit(limit).offset(offset)))


def export_csv(viewer: User, wanted: AuditFilter) -> Iterator[str]:
    """The entries as CSV text for a spreadsheet: UTF-8 with a BOM, newest first, in chunks."""
    require_reader(viewer)
    check_filter(wanted)
    # Read now, written out as the answer goes: the session ends with the request.
    rows = list(db.session.scalars(_statement(viewer, wanted).limit(MAX_EXPORT_ROWS)))
    return _csv_chunks(rows)


CSV_COLUMNS = ("at", "actor_id", "actor_email", "action", "object_type", "object_id",
               "organisation_id", "other_organisation_id", "details")


def _csv_chunks(rows: Iterable[AuditEntry]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(codecs.BOM_UTF8.decode())
    writer.writerow(CSV_COLUMNS)
    for count, entry in enumerate(rows, 1):
        writer.writerow([_cell(v) for v in (
            entry.at.isoformat(), entry.actor_id, entry.actor_email, entry.action,
            entry.object_type, entry.object_id, entry.organisation_id,
            entry.other_organisation_id,
            json.dumps(entry.details, ensure_ascii=False, sort_keys=True))])
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _cell(value: Any) -> Any:
    """A spreadsheet must not run a cell as a formula: text starting like one is quoted.

    The e-mail of a failed sign-in is whatever was typed, "=HYPERLINK(...)" included.
    """
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _statement(viewer: User, wanted: AuditFilter) -> sa.Select:
    stmt = sa.select(AuditEntry).where(audit_visible(viewer))
    if wanted.object_type is not None:
        stmt = stmt.where(AuditEntry.object_type == wanted.object_type)
    if wanted.object_id is not None:
        stmt = stmt.where(AuditEntry.object_id == wanted.object_id)
    if wanted.actor_id is not None:
        stmt = stmt.where(AuditEntry.actor_id == wanted.actor_id)
    if wanted.actor_email:
        stmt = stmt.where(AuditEntry.actor_email == wanted.actor_email.strip().lower())
    if wanted.action is not None:
        stmt = stmt.where(AuditEntry.action == wanted.action)
    if wanted.organisation_id is not None:
        stmt = stmt.where(sa.or_(AuditEntry.organisation_id == wanted.organisation_id,
                                 AuditEntry.other_organisation_id == wanted.organisation_id))
    if wanted.start is not None:
        stmt = stmt.where(AuditEntry.at >= wanted.start)
    if wanted.end is not None:
        stmt = stmt.where(AuditEntry.at < wanted.end)
    return stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
