"""What a resource's catalogue fields may hold: the shape the services take, and its checks."""

from __future__ import annotations

from dataclasses import dataclass, field, fields as dataclass_fields
from datetime import datetime, time

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from booking import limits
from booking.exceptions import InvalidInput
from booking.extensions import db
from booking.models import Organisation, Resource, ResourceKind, User
from booking.timezones import is_valid_timezone

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
    person_id: int | None = None  # a staff resource's person: a member of the owner
    allowed_organisation_ids: list[int] = field(default_factory=list)
    windows: list[tuple[int, time, time]] = field(default_factory=list)  # weekday 0=Mon, local
    closures: list[tuple[datetime, datetime, str]] = field(default_factory=list)  # aware
    # Fair shares (issue 13): {"hours": H, "per": "week" | "month" | "term"} or None.
    quota: dict | None = None
    max_pending: int | None = None  # requests one other organisation may have waiting
    request_expiry_days: int = 14  # a request undecided this long expires


FIELD_NAMES = tuple(f.name for f in dataclass_fields(ResourceData))
SIMPLE_FIELDS = tuple(n for n in FIELD_NAMES
                       if n not in ("allowed_organisation_ids", "windows", "closures", "quota"))
QUOTA_PERIODS = ("week", "month", "term")


def resource_data(resource: Resource) -> ResourceData:
    """The resource as it stands, in the shape the services take."""
    simple = {name: getattr(resource, name) for name in SIMPLE_FIELDS}
    simple["kind"] = resource.kind.value
    return ResourceData(
        **simple,
        allowed_organisation_ids=[o.id for o in resource.allowed_organisations],
        windows=[(w.weekday, w.start_time, w.end_time) for w in resource.windows],
        closures=[(c.start_at, c.end_at, c.reason) for c in resource.closures],
        quota=(None if resource.quota_hours is None
               else {"hours": resource.quota_hours, "per": resource.quota_per}))


def raise_if_invalid(data: ResourceData, organisation_id: int | None = None) -> None:
    """InvalidInput with every reason, field by field, if the data cannot be saved."""
    if errors := resource_errors(data, organisation_id):
        raise InvalidInput(errors)


def resource_errors(data: ResourceData, organisation_id: int | None = None) -> dict[str, list]:
    """Every reason the data cannot be saved, by field; empty when it can.

    *organisation_id*: the owner, whose member the person must be (when known).
    """
    errors: dict[str, list] = {}
    if messages := person_errors(data, organisation_id):
        errors["person_id"] = messages
    for name, limit in (("name", limits.NAME_LENGTH), ("description", limits.DESCRIPTION_LENGTH),
                        ("location", limits.LOCATION_LENGTH)):
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
    if messages := quota_errors(data.quota):
        errors["quota"] = messages
    return errors


def quota_errors(quota) -> list:
    """None, or hours above zero (at most QUOTA_MAX_HOURS) per week, month or term."""
    if quota is None:
        return []
    if not isinstance(quota, dict) or set(quota) != {"hours", "per"}:
        return [_l("Give hours and per (week, month or term), or null for no quota.")]
    hours, per = quota["hours"], quota["per"]
    if per not in QUOTA_PERIODS:
        return [_l("Give one of: %(choices)s.", choices=", ".join(QUOTA_PERIODS))]
    if not isinstance(hours, (int, float)) or isinstance(hours, bool) or hours != hours:
        return [_l("Give a number of hours.")]
    if not 0 < hours <= limits.QUOTA_MAX_HOURS:
        return [_l("Give more than 0 and at most %(n)d hours.", n=int(limits.QUOTA_MAX_HOURS))]
    return []


def _number_errors(data: ResourceData) -> dict[str, list]:
    """Counts and durations: in range alone, then consistent with each other."""
    errors = {}
    at_least_one, not_negative = _l("Give at least 1."), _l("Cannot be negative.")
    for name, low, high, optional, too_low in (
            ("capacity", 1, limits.MAX_CAPACITY, False, _l("A resource has at least one place.")),
            ("slot_minutes", 1, limits.MAX_MINUTES, True, at_least_one),
            ("min_minutes", 1, limits.MAX_MINUTES, True, at_least_one),
            ("max_minutes", 1, limits.MAX_MINUTES, True, at_least_one),
            ("notice_minutes", 0, limits.MAX_MINUTES, False, not_negative),
            ("horizon_days", 1, limits.MAX_HORIZON_DAYS, True, at_least_one),
            ("buffer_before_minutes", 0, limits.MAX_MINUTES, False, not_negative),
            ("buffer_after_minutes", 0, limits.MAX_MINUTES, False, not_negative),
            ("max_pending", 1, limits.MAX_PENDING_LIMIT, True, at_least_one),
            ("request_expiry_days", 1, limits.MAX_REQUEST_EXPIRY_DAYS, False, at_least_one)):
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
    # Notice reaching past the horizon leaves no moment that could ever be booked.
    if data.horizon_days and data.notice_minutes >= data.horizon_days * 24 * 60:
        errors["notice_minutes"] = [_l("Make the notice shorter than how far ahead people "
                                       "may book.")]
    return errors


def _window_errors(windows, slot: int | None) -> list:
    """Opening hours: real weekdays, ending after they start, not overlapping, whole slots."""
    if not isinstance(windows, (list, tuple)):
        return [_l("Give a list of opening hours.")]
    if len(windows) > limits.MAX_WINDOWS:
        return [_l("Give at most %(n)d opening hours.", n=limits.MAX_WINDOWS)]
    errors, good = [], []
    for item in windows:
        if not (isinstance(item, (list, tuple)) and len(item) == 3):
            errors.append(_l("Each opening needs a weekday, a start and an end."))
            continue
        day, start, end = item
        if not is_int_between(day, 0, 6):
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
    if already + len(closures) > limits.MAX_CLOSURES:
        return [_l("A resource can have at most %(n)d closures.", n=limits.MAX_CLOSURES)]
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
        elif not (limits.is_accepted_date(start) and limits.is_accepted_date(end)):
            errors.append(_l("Closure %(n)d: pick dates between %(first)d and %(last)d.",
                             n=number, first=limits.FIRST_YEAR, last=limits.LAST_YEAR))
        elif end <= start:
            errors.append(_l("Closure %(n)d: the end must be after the start.", n=number))
        elif (not isinstance(reason, str) or len(reason.strip()) > limits.CLOSURE_REASON_LENGTH
              or has_control_characters(reason)):
            errors.append(_l("Closure %(n)d: give a reason of at most %(max)d characters.",
                             n=number, max=limits.CLOSURE_REASON_LENGTH))
    return errors


def person_errors(data: ResourceData, organisation_id: int | None) -> list:
    """The person of a staff resource: an active member of the organisation that owns it."""
    person_id = data.person_id
    if person_id is None:
        return []
    if not is_int_between(person_id, 1, limits.MAX_ID):
        return [_l("Give the number of a person, or nothing.")]
    if data.kind != ResourceKind.STAFF.value:
        return [_l("Only a staff resource names a person.")]
    person = db.session.get(User, person_id)
    if (person is None or not person.is_active_account
            or (organisation_id is not None and person.organisation_id != organisation_id)):
        return [_l("Choose an active member of the organisation that owns the resource.")]
    return []


def _allowed_errors(ids) -> list:
    if not isinstance(ids, (list, tuple, set)) or not all(
            is_int_between(i, 1, limits.MAX_ID) for i in ids):
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


def is_int_between(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
