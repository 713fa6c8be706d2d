"""The catalogue: add, change, deactivate and find shared resources."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields as dataclass_fields, replace
from datetime import datetime, time

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from booking.exceptions import InvalidInput, NotAllowed, NotFound
from booking.extensions import db
from booking.models import (AvailabilityWindow, Closure, Organisation, Resource, ResourceKind,
                            User, resource_allowed_organisation)
from booking.permissions import can_manage_organisation
from booking.scheduling import DEFAULT_MAX_MINUTES
from booking.timezones import is_valid_timezone

MAX_NAME = 200
MAX_LOCATION = 300
MAX_DESCRIPTION = 5000
MAX_REASON = 300
MAX_CAPACITY = 100_000
MAX_MINUTES = DEFAULT_MAX_MINUTES
MAX_HORIZON_DAYS = 3650
MAX_WINDOWS = 70
MAX_CLOSURES = 500
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
# Ids arrive from forms and JSON; anything past a 32-bit key would upset PostgreSQL.
MAX_ID = 2**31 - 1

WEEKDAY_NAMES = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"),
                 _l("Saturday"), _l("Sunday"))


@dataclass
class ResourceData:
    """Every catalogue field of a resource; the services validate it."""

    name: str
    kind: str
    description: str = ""
    location: str = ""
    capacity: int = 1
    timezone: str = "Asia/Shanghai"
    slot_minutes: int | None = None
    min_minutes: int | None = None
    max_minutes: int | None = None
    notice_minutes: int = 0
    horizon_days: int | None = None
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    approval_required: bool = False
    open_to_all: bool = True
    allowed_organisation_ids: list[int] = field(default_factory=list)
    windows: list[tuple[int, time, time]] = field(default_factory=list)  # weekday 0=Mon, local
    closures: list[tuple[datetime, datetime, str]] = field(default_factory=list)  # aware


FIELD_NAMES = tuple(f.name for f in dataclass_fields(ResourceData))
_SIMPLE_FIELDS = tuple(n for n in FIELD_NAMES
                       if n not in ("allowed_organisation_ids", "windows", "closures"))


def resource_data(resource: Resource) -> ResourceData:
    """The resource as it stands, in the shape the services take."""
    simple = {name: getattr(resource, name) for name in _SIMPLE_FIELDS}
    simple["kind"] = resource.kind.value
    return ResourceData(
        **simple,
        allowed_organisation_ids=[o.id for o in resource.allowed_organisations],
        windows=[(w.weekday, w.start_time, w.end_time) for w in resource.windows],
        closures=[(c.start_at, c.end_at, c.reason) for c in resource.closures])


def create_resource(actor: User, organisation_id: int, data: ResourceData) -> Resource:
    """Add a resource to an organisation's catalogue."""
    _require_manager(actor, organisation_id)
    if db.session.get(Organisation, organisation_id) is None:
        raise NotFound(_l("There is no such organisation."))
    _raise_if_invalid(data)
    resource = Resource(organisation_id=organisation_id)
    _apply(resource, data, FIELD_NAMES)
    db.session.add(resource)
    db.session.commit()
    return resource


def update_resource(actor: User, resource_id: int, data: ResourceData) -> Resource:
    """Replace every field, opening hours, closures and allowed organisations included."""
    resource = _managed_resource(actor, resource_id)
    _raise_if_invalid(data)
    _apply(resource, data, FIELD_NAMES)
    db.session.commit()
    return resource


def update_resource_fields(actor: User, resource_id: int, **fields) -> Resource:
    """Change only the given fields, checked together with the ones left as they are."""
    resource = _managed_resource(actor, resource_id)
    if unknown := sorted(set(fields) - set(FIELD_NAMES)):
        raise InvalidInput({name: [_l("There is no such field.")] for name in unknown})
    data = replace(resource_data(resource), **fields)
    _raise_if_invalid(data)
    _apply(resource, data, fields.keys())
    db.session.commit()
    return resource


def set_resource_active(actor: User, resource_id: int, active: bool) -> Resource:
    """Offer the resource again, or take it out of the catalogue (its history stays)."""
    resource = _managed_resource(actor, resource_id)
    resource.is_active = bool(active)
    db.session.commit()
    return resource


def add_closures(actor: User, resource_id: int,
                 closures: list[tuple[datetime, datetime, str]]) -> int:
    """Add closures, skipping any the resource already has; returns how many were added.

    Skipping known ones lets the same calendar file be imported twice without doubling, and
    the cap on closures counts only the new ones, so that a second import is not refused.
    """
    resource = _managed_resource(actor, resource_id)
    if errors := closure_errors(closures):
        raise InvalidInput({"closures": errors})
    known = {(c.start_at, c.end_at) for c in resource.closures}
    new = []
    for start, end, reason in closures:
        if (start, end) not in known:
            new.append(Closure(start_at=start, end_at=end, reason=reason.strip()))
            known.add((start, end))
    if errors := closure_errors([(c.start_at, c.end_at, c.reason) for c in new],
                                len(resource.closures)):
        raise InvalidInput({"closures": errors})
    resource.closures.extend(new)
    db.session.commit()
    return len(new)


def search_resources(viewer: User, *, kind: str | None = None,
                     organisation_id: int | None = None, q: str | None = None,
                     min_capacity: int | None = None,
                     include_inactive: bool = False) -> list[Resource]:
    """The resources the viewer's organisation may book or owns, filtered, by name."""
    errors = {}
    if kind and (not isinstance(kind, str) or kind not in set(ResourceKind)):
        errors["kind"] = [_l("Unknown kind of resource.")]
    if min_capacity is not None and not _is_int_between(min_capacity, 0, MAX_CAPACITY):
        errors["min_capacity"] = [_l("Give a whole number of at least 0.")]
    if organisation_id is not None and not _is_int_between(organisation_id, 1, MAX_ID):
        errors["organisation_id"] = [_l("There is no such organisation.")]
    if errors:
        raise InvalidInput(errors)
    query = (sa.select(Resource).join(Resource.organisation)
             .options(selectinload(Resource.organisation)))
    query = query.where(_visible_to(viewer), _active_unless_managed(viewer, include_inactive))
    if kind:
        query = query.where(Resource.kind == ResourceKind(kind))
    if organisation_id is not None:
        query = query.where(Resource.organisation_id == organisation_id)
    if min_capacity is not None:
        query = query.where(Resource.capacity >= min_capacity)
    for term in (q or "").replace("\x00", "").lower().split()[:10]:
        query = query.where(sa.or_(*(sa.func.lower(column).contains(term, autoescape=True)
                                     for column in (Resource.name, Resource.description,
                                                    Resource.location))))
    return list(db.session.scalars(query.order_by(Resource.name, Resource.id)))


def get_resource(viewer: User, resource_id: int) -> Resource:
    """A resource the viewer may see: one their organisation may book, owns or manages."""
    resource = db.session.get(Resource, resource_id) if _is_int_between(
        resource_id, 1, MAX_ID) else None
    if resource is None or not is_visible(viewer, resource):
        raise NotFound(_l("There is no such resource."))
    return resource


def is_visible(viewer: User, resource: Resource) -> bool:
    """Whether the viewer's organisation may book it, or the viewer manages it."""
    if can_manage_organisation(viewer, resource.organisation_id):
        return True
    return (resource.open_to_all or resource.organisation_id == viewer.organisation_id
            or any(o.id == viewer.organisation_id for o in resource.allowed_organisations))


def _visible_to(viewer: User) -> sa.ColumnElement[bool]:
    if viewer.is_platform_admin:
        return sa.true()
    shared_with = sa.select(resource_allowed_organisation.c.resource_id).where(
        resource_allowed_organisation.c.organisation_id == viewer.organisation_id)
    return sa.or_(Resource.open_to_all, Resource.organisation_id == viewer.organisation_id,
                  Resource.id.in_(shared_with))


def _active_unless_managed(viewer: User, include_inactive: bool) -> sa.ColumnElement[bool]:
    active = sa.and_(Resource.is_active, Organisation.is_active)
    if not include_inactive or not viewer.is_org_admin:
        return active
    if viewer.is_platform_admin:
        return sa.true()
    return sa.or_(active, Resource.organisation_id == viewer.organisation_id)


def _require_manager(actor: User, organisation_id: int) -> None:
    if not can_manage_organisation(actor, organisation_id):
        raise NotAllowed(_l("You cannot manage this organisation's resources."))


def _managed_resource(actor: User, resource_id: int) -> Resource:
    resource = db.session.get(Resource, resource_id) if _is_int_between(
        resource_id, 1, MAX_ID) else None
    if resource is None:
        raise NotFound(_l("There is no such resource."))
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
            resource.windows = [AvailabilityWindow(weekday=d, start_time=s, end_time=e)
                                for d, s, e in sorted(value)]
        elif name == "closures":
            _replace_closures(resource, value)
        else:
            setattr(resource, name, value)


def _replace_closures(resource: Resource, closures: list[tuple[datetime, datetime, str]]) -> None:
    """Keep the rows of closures that stay, so unchanged ones keep their ids."""
    existing = {(c.start_at, c.end_at, c.reason): c for c in resource.closures}
    resource.closures = [existing.pop((s, e, r.strip()), None)
                         or Closure(start_at=s, end_at=e, reason=r.strip())
                         for s, e, r in closures]


def _raise_if_invalid(data: ResourceData) -> None:
    if errors := resource_errors(data):
        raise InvalidInput(errors)


def resource_errors(data: ResourceData) -> dict[str, list]:
    """Every reason the data cannot be saved, by field; empty when it can."""
    errors: dict[str, list] = {}
    for name, limit in (("name", MAX_NAME), ("description", MAX_DESCRIPTION),
                        ("location", MAX_LOCATION)):
        value = getattr(data, name)
        if not isinstance(value, str):
            errors[name] = [_l("Give some text.")]
        elif has_control_characters(value):
            errors[name] = [_l("Remove the invisible control characters.")]
        elif len(value.strip()) > limit:
            errors[name] = [_l("Use at most %(n)d characters.", n=limit)]
    if not errors.get("name") and not data.name.strip():
        errors["name"] = [_l("Give a name.")]
    if not isinstance(data.kind, str) or data.kind not in set(ResourceKind):
        errors["kind"] = [_l("Unknown kind of resource.")]
    if not isinstance(data.timezone, str) or not is_valid_timezone(data.timezone):
        errors["timezone"] = [_l("Unknown time zone.")]
    for name in ("approval_required", "open_to_all"):
        if not isinstance(getattr(data, name), bool):
            errors[name] = [_l("Give yes or no.")]
    errors.update(_number_errors(data))
    if errors.get("slot_minutes") is None:
        if messages := _window_errors(data.windows, data.slot_minutes):
            errors["windows"] = messages
    if messages := closure_errors(data.closures):
        errors["closures"] = messages
    if messages := _allowed_errors(data.allowed_organisation_ids):
        errors["allowed_organisation_ids"] = messages
    return errors


def _number_errors(data: ResourceData) -> dict[str, list]:
    """Counts and durations: in range alone, then consistent with each other."""
    errors = {}
    at_least_one, not_negative = _l("Give at least 1."), _l("Cannot be negative.")
    for name, low, high, optional, too_low in (
            ("capacity", 1, MAX_CAPACITY, False, _l("A resource has at least one place.")),
            ("slot_minutes", 1, MAX_MINUTES, True, at_least_one),
            ("min_minutes", 1, MAX_MINUTES, True, at_least_one),
            ("max_minutes", 1, MAX_MINUTES, True, at_least_one),
            ("notice_minutes", 0, MAX_MINUTES, False, not_negative),
            ("horizon_days", 1, MAX_HORIZON_DAYS, True, at_least_one),
            ("buffer_before_minutes", 0, MAX_MINUTES, False, not_negative),
            ("buffer_after_minutes", 0, MAX_MINUTES, False, not_negative)):
        value = getattr(data, name)
        if value is None and optional:
            continue
        if not isinstance(value, int) or isinstance(value, bool):
            errors[name] = [_l("Give a whole number.")]
        elif value < low:
            errors[name] = [too_low]
        elif value > high:
            errors[name] = [_l("Give at most %(n)d.", n=high)]
    if errors:
        return errors
    slot, shortest, longest = data.slot_minutes, data.min_minutes, data.max_minutes
    if shortest and longest and shortest > longest:
        errors["min_minutes"] = [_l("The minimum is longer than the maximum.")]
    for name, value in (("min_minutes", shortest), ("max_minutes", longest)):
        if slot and value and value % slot and name not in errors:
            errors[name] = [_l("Make it a whole number of %(n)d-minute slots.", n=slot)]
    return errors


def _window_errors(windows, slot: int | None) -> list:
    """Opening hours: real weekdays, ending after they start, not overlapping, whole slots."""
    if not isinstance(windows, (list, tuple)):
        return [_l("Give a list of opening hours.")]
    if len(windows) > MAX_WINDOWS:
        return [_l("Give at most %(n)d opening hours.", n=MAX_WINDOWS)]
    errors, good = [], []
    for item in windows:
        if not (isinstance(item, (list, tuple)) and len(item) == 3):
            errors.append(_l("Each opening needs a weekday, a start and an end."))
            continue
        day, start, end = item
        if not _is_int_between(day, 0, 6):
            errors.append(_l("The weekday must be 0 (Monday) to 6 (Sunday)."))
        elif not all(isinstance(t, time) and t.tzinfo is None for t in (start, end)):
            errors.append(_l("Give opening and closing as times of day."))
        elif end <= start:
            errors.append(_l("%(day)s %(start)s–%(end)s: the end must be after the start.",
                             **_window_words(day, start, end)))
        elif slot and _minutes(end) - _minutes(start) < slot:
            errors.append(_l("%(day)s %(start)s–%(end)s is shorter than one %(n)d-minute slot.",
                             n=slot, **_window_words(day, start, end)))
        else:
            good.append((day, start, end))
    good.sort()
    for first, second in zip(good, good[1:]):
        if first[0] == second[0] and second[1] < first[2]:
            spans = {"first": _span(first), "second": _span(second)}
            errors.append(_l("%(day)s: %(first)s and %(second)s overlap.",
                             day=WEEKDAY_NAMES[first[0]], **spans))
    return errors


def closure_errors(closures, already: int = 0) -> list:
    """Closures: aware date-times, ending after they start, with a short reason."""
    if not isinstance(closures, (list, tuple)):
        return [_l("Give a list of closures.")]
    if already + len(closures) > MAX_CLOSURES:
        return [_l("A resource can have at most %(n)d closures.", n=MAX_CLOSURES)]
    errors = []
    for number, item in enumerate(closures, start=1):
        if not (isinstance(item, (list, tuple)) and len(item) == 3):
            errors.append(_l("Closure %(n)d needs a start, an end and a reason.", n=number))
            continue
        start, end, reason = item
        if not all(isinstance(t, datetime) for t in (start, end)):
            errors.append(_l("Closure %(n)d: give the start and end as date and time.", n=number))
        elif start.utcoffset() is None or end.utcoffset() is None:
            errors.append(_l("Closure %(n)d: give the times with their time zone.", n=number))
        elif not (EARLIEST_YEAR <= start.year and end.year <= LATEST_YEAR):
            errors.append(_l("Closure %(n)d: pick dates between %(first)d and %(last)d.",
                             n=number, first=EARLIEST_YEAR, last=LATEST_YEAR))
        elif end <= start:
            errors.append(_l("Closure %(n)d: the end must be after the start.", n=number))
        elif (not isinstance(reason, str) or len(reason.strip()) > MAX_REASON
              or has_control_characters(reason)):
            errors.append(_l("Closure %(n)d: give a reason of at most %(max)d characters.",
                             n=number, max=MAX_REASON))
    return errors


def _allowed_errors(ids) -> list:
    if not isinstance(ids, (list, tuple, set)) or not all(
            _is_int_between(i, 1, MAX_ID) for i in ids):
        return [_l("Give a list of organisation numbers.")]
    found = set(db.session.scalars(sa.select(Organisation.id).where(Organisation.id.in_(ids))))
    if missing := sorted(set(ids) - found):
        return [_l("There is no organisation number %(ids)s.",
                   ids=", ".join(map(str, missing)))]
    return []


def has_control_characters(text: str) -> bool:
    """NUL and the like: PostgreSQL refuses NUL in text, and none belongs in a name."""
    return any(ord(ch) < 32 and ch not in "\t\n\r" for ch in text)


def _window_words(day: int, start: time, end: time) -> dict:
    return {"day": WEEKDAY_NAMES[day], "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}


def _span(window: tuple[int, time, time]) -> str:
    return f"{window[1]:%H:%M}–{window[2]:%H:%M}"


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _is_int_between(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
