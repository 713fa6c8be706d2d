"""The catalogue: add, change, deactivate and find shared resources.

A change to the rules that bookings still to come depend on (capacity, buffers, opening hours,
closures, slots, durations, time zone) is checked against those bookings first: if any of them
would break the new rules, the change is refused with the list of them (BookingsWouldBreak),
so that nothing already agreed becomes impossible behind the booker's back. Sharing and
approval changes never break a booking: bookings already made stand (docs/booking-engine.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from booking import events, limits, scheduling
from booking.db_types import utcnow
from booking.events import Action, ResourceChanged
from booking.exceptions import BookingsWouldBreak, InvalidInput, NotAllowed, NotFound
from booking.extensions import db
from booking.models import (OCCUPYING_STATUSES, AvailabilityWindow, Booking, Closure,
                            Organisation, Resource, ResourceKind, User)
from booking.permissions import (can_change_fields, can_find, can_keep_hours,
                                 can_manage_organisation, findable, offered)
from booking.scheduling import Occupancy
from booking.services import changes
from booking.services.locking import lock_resource, with_retries
from booking.services.resource_input import (FIELD_NAMES, SIMPLE_FIELDS, WEEKDAY_NAMES,
                                             ResourceData, closure_errors, is_int_between,
                                             raise_if_invalid, resource_data)

__all__ = ["FIELD_NAMES", "WEEKDAY_NAMES", "ResourceData", "resource_data"]

#: Fields whose change can make a booking still to come break the rules.
RULE_FIELDS = frozenset({"capacity", "timezone", "slot_minutes", "min_minutes", "max_minutes",
                         "buffer_before_minutes", "buffer_after_minutes", "windows",
                         "closures"})


def create_resource(actor: User, organisation_id: int, data: ResourceData) -> Resource:
    """Add a resource to an organisation's catalogue."""
    _require_manager(actor, organisation_id)
    if db.session.get(Organisation, organisation_id) is None:
        raise NotFound(_l("There is no such organisation."))
    raise_if_invalid(data, organisation_id)
    resource = Resource(organisation_id=organisation_id)
    _apply(resource, data, FIELD_NAMES)
    db.session.add(resource)
    db.session.flush()
    events.publish(ResourceChanged(Action.RESOURCE_CREATED, actor, resource,
                                   after=snapshot(resource)))
    db.session.commit()
    return resource


def update_resource(actor: User, resource_id: int, data: ResourceData, *,
                    now: datetime | None = None) -> Resource:
    """Replace every field, opening hours, closures and allowed organisations included."""
    resource = _managed_resource(actor, resource_id)
    raise_if_invalid(data, resource.organisation_id)
    return _change(actor, resource_id, lambda r: _apply(r, data, FIELD_NAMES), now)


def update_resource_fields(actor: User, resource_id: int, *, now: datetime | None = None,
                           **fields) -> Resource:
    """Change only the given fields, checked together with the ones left as they are.

    The person a staff resource names may change its weekly hours and closures only.
    """
    resource = get_resource(actor, resource_id)
    _require_may_change(actor, resource, fields.keys())
    if unknown := sorted(set(fields) - set(FIELD_NAMES)):
        raise InvalidInput({name: [_l("There is no such field.")] for name in unknown})
    data = replace(resource_data(resource), **fields)
    raise_if_invalid(data, resource.organisation_id)
    return _change(actor, resource_id, lambda r: _apply(r, data, fields.keys()), now,
                   names=fields.keys())


def add_closures(actor: User, resource_id: int,
                 closures: list[tuple[datetime, datetime, str]], *,
                 now: datetime | None = None) -> int:
    """Add closures, skipping any the resource already has; returns how many were added.

    Skipping known ones lets the same calendar file be imported twice without doubling, and
    the cap on closures counts only the new ones, so that a second import is not refused.
    """
    _require_may_change(actor, get_resource(actor, resource_id), {"closures"})
    if errors := closure_errors(closures):
        raise InvalidInput({"closures": errors})
    added = []

    def add(resource: Resource) -> None:
        known = {(c.start_at, c.end_at) for c in resource.closures}
        new = []
        for start, end, reason in closures:
            if (start, end) not in known:
                new.append(Closure(start_at=start, end_at=end, reason=reason.strip()))
                known.add((start, end))
        if errors := closure_errors([(c.start_at, c.end_at, c.reason) for c in new],
                                    len(resource.closures)):
            db.session.rollback()
            raise InvalidInput({"closures": errors})
        resource.closures.extend(new)
        added.extend(new)

    _change(actor, resource_id, add, now, names={"closures"})
    return len(added)


def set_resource_active(actor: User, resource_id: int, active: bool) -> Resource:
    """Offer the resource again, or take it out of the catalogue (its bookings stay)."""
    resource = _managed_resource(actor, resource_id)
    if resource.is_active != bool(active):
        resource.is_active = bool(active)
        db.session.flush()
        events.publish(ResourceChanged(
            Action.RESOURCE_ACTIVATED if active else Action.RESOURCE_DEACTIVATED, actor,
            resource, before={"is_active": not active}, after={"is_active": bool(active)}))
    db.session.commit()
    return resource


def _change(actor: User, resource_id: int, apply, now: datetime | None, *,
            names: Iterable[str] | None = None) -> Resource:
    """Apply a change under the resource's lock; refuse it if bookings to come would break.

    *names*: the fields changed, for the permission check; None: any of them.
    """
    now = now or utcnow()
    names = FIELD_NAMES if names is None else tuple(names)

    def locked() -> Resource:
        resource = lock_resource(resource_id)
        _require_may_change(actor, resource, names)
        before = snapshot(resource)
        apply(resource)
        after = snapshot(resource)
        changed = sorted(name for name in after if after[name] != before[name])
        if RULE_FIELDS.intersection(changed):
            _keep_bookings(resource, now)
        if changed:
            db.session.flush()
            events.publish(ResourceChanged(Action.RESOURCE_CHANGED, actor, resource,
                                           {n: before[n] for n in changed},
                                           {n: after[n] for n in changed}))
        db.session.commit()
        return resource

    return with_retries(locked)


def _keep_bookings(resource: Resource, now: datetime) -> None:
    """Check the bookings still to come against the new rules, and give them the new spans.

    Bookings already under way keep the span they have and count as they are.
    """
    rules = resource.rules()
    reach = now - timedelta(minutes=rules.buffer_before_minutes)
    rows = list(db.session.scalars(sa.select(Booking).where(
        Booking.resource_id == resource.id, Booking.status.in_(OCCUPYING_STATUSES),
        Booking.occupied_end_at > reach)))
    coming = [b for b in rows if b.start_at > now]
    under_way = [Occupancy(b.occupied_period, b.quantity, b.id)
                 for b in rows if b.start_at <= now]
    found = scheduling.breaches(rules, [Occupancy(b.period, b.quantity, b.id) for b in coming],
                                fixed=under_way)
    if found:
        db.session.rollback()
        raise BookingsWouldBreak(found, zone=resource.timezone)
    # Bare periods first: no intermediate state may overlap under PostgreSQL's constraint.
    for booking in coming:
        booking.occupied_start_at, booking.occupied_end_at = booking.start_at, booking.end_at
    db.session.flush()
    for booking in coming:
        changes.reoccupy(booking, resource, rules)


def snapshot(resource: Resource) -> dict[str, Any]:
    """Every catalogue field as plain JSON values: what an event's before and after hold."""
    data = resource_data(resource)
    plain: dict[str, Any] = {name: getattr(data, name) for name in SIMPLE_FIELDS}
    plain["allowed_organisation_ids"] = sorted(data.allowed_organisation_ids)
    plain["windows"] = [[day, f"{start:%H:%M}", f"{end:%H:%M}"]
                        for day, start, end in sorted(data.windows)]
    plain["closures"] = [[start.isoformat(), end.isoformat(), reason]
                         for start, end, reason in sorted(data.closures)]
    plain["quota"] = data.quota
    return plain


def search_resources(viewer: User, *, kind: str | None = None,
                     organisation_id: int | None = None, q: str | None = None,
                     min_capacity: int | None = None,
                     include_inactive: bool = False) -> list[Resource]:
    """The resources the viewer may find, offered ones only unless asked, filtered, by name."""
    errors = {}
    if kind and (not isinstance(kind, str) or kind not in set(ResourceKind)):
        errors["kind"] = [_l("Unknown kind of resource.")]
    if min_capacity is not None and not is_int_between(min_capacity, 0, limits.MAX_CAPACITY):
        errors["min_capacity"] = [_l("Give a whole number of at least 0.")]
    if organisation_id is not None and not is_int_between(organisation_id, 1, limits.MAX_ID):
        errors["organisation_id"] = [_l("There is no such organisation.")]
    if errors:
        raise InvalidInput(errors)
    query = sa.select(Resource).options(selectinload(Resource.organisation)).where(
        findable(viewer))
    if not (include_inactive and viewer.is_org_admin):
        query = query.where(offered())
    if kind:
        query = query.where(Resource.kind == ResourceKind(kind))
    if organisation_id is not None:
        query = query.where(Resource.organisation_id == organisation_id)
    if min_capacity is not None:
        query = query.where(Resource.capacity >= min_capacity)
    query = query.where(*matching(q))
    return list(db.session.scalars(query.order_by(Resource.name, Resource.id)))


def matching(q: str | None) -> list[sa.ColumnElement[bool]]:
    """Each word of a search must appear in the name, description or location."""
    words = (q or "").replace("\x00", "")[:limits.SEARCH_LENGTH].lower().split()
    return [sa.or_(*(sa.func.lower(column).contains(word, autoescape=True)
                     for column in (Resource.name, Resource.description, Resource.location)))
            for word in words[:10]]


def get_resource(viewer: User, resource_id: int) -> Resource:
    """A resource the viewer may find (permissions.can_find); else 404."""
    resource = db.session.get(Resource, resource_id) if is_int_between(
        resource_id, 1, limits.MAX_ID) else None
    if resource is None or not can_find(viewer, resource):
        raise NotFound(_l("There is no such resource."))
    return resource


def _require_manager(actor: User, organisation_id: int) -> None:
    if not can_manage_organisation(actor, organisation_id):
        raise NotAllowed(_l("You cannot manage this organisation's resources."))


def _require_may_change(actor: User, resource: Resource, names: Iterable[str]) -> None:
    """Managers change anything; the resource's person its hours (permissions.can_change_fields)."""
    if can_change_fields(actor, resource, names):
        return
    if can_keep_hours(actor, resource):
        raise NotAllowed(_l("You may change only the weekly hours and closures of your own "
                            "time; ask your organisation's administrators for the rest."))
    _require_manager(actor, resource.organisation_id)


def _managed_resource(actor: User, resource_id: int) -> Resource:
    resource = get_resource(actor, resource_id)
    _require_manager(actor, resource.organisation_id)
    return resource


def _apply(resource: Resource, data: ResourceData, names: Iterable[str]) -> None:
    """Copy the named (already valid) fields onto the resource."""
    for name in names:
        value = getattr(data, name)
        if name in ("name", "description", "location"):
            resource.__setattr__(name, value.strip())
        elif name == "kind":
            resource.kind = ResourceKind(value)
        elif name == "allowed_organisation_ids":
            resource.allowed_organisations = list(db.session.scalars(
                sa.select(Organisation).where(Organisation.id.in_(set(value)))))
        elif name == "windows":
            _replace_windows(resource, value)
        elif name == "closures":
            _replace_closures(resource, value)
        elif name == "quota":
            resource.quota_hours = None if value is None else float(value["hours"])
            resource.quota_per = None if value is None else value["per"]
        else:
            setattr(resource, name, value)


def _replace_windows(resource: Resource, windows) -> None:
    """Keep the rows of windows that stay, so an unchanged list changes nothing."""
    existing = {(w.weekday, w.start_time, w.end_time): w for w in resource.windows}
    resource.windows = [existing.pop((d, s, e), None)
                        or AvailabilityWindow(weekday=d, start_time=s, end_time=e)
                        for d, s, e in sorted(value for value in windows)]


def _replace_closures(resource: Resource, closures: list[tuple[datetime, datetime, str]]) -> None:
    """Keep the rows of closures that stay, so unchanged ones keep their ids."""
    existing = {(c.start_at, c.end_at, c.reason): c for c in resource.closures}
    resource.closures = [existing.pop((s, e, r.strip()), None)
                         or Closure(start_at=s, end_at=e, reason=r.strip())
                         for s, e, r in closures]
