"""Forms of the catalogue: finding resources and editing one, opening hours as text."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import time

from babel.dates import get_day_names
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DecimalField, FieldList, Form, FormField, IntegerField,
                     RadioField, SelectField, SelectMultipleField, StringField, TextAreaField)
from wtforms.fields import DateTimeLocalField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from booking import limits
from booking.exceptions import InvalidInput
from booking.forms import accepted_date, choices
from booking.models import Resource, ResourceKind
from booking.services.resource_input import ResourceData, resource_data, resource_errors
from booking.timezones import is_valid_timezone, local_to_utc, timezone_choices, to_zone

KIND_LABELS = {ResourceKind.STAFF: _l("Staff"), ResourceKind.FACILITY: _l("Facility"),
               ResourceKind.PRACTICE_BASE: _l("Practice base")}
DAY_ABBREVIATIONS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# English and Chinese day names people type; the text is the same in every interface language.
DAY_WORDS = {
    **{name: i for i, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{name: i for i, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday",
                                         "saturday", "sunday"))},
    "tues": 1, "thur": 3, "thurs": 3,
    **{prefix + digit: i for prefix in ("周", "星期") for i, digit in enumerate("一二三四五六日")},
    "周天": 6, "星期天": 6,
}
_LINE = re.compile(r"^(?P<days>.+?)\s*(?P<start>\d{1,2}[:：]\d{2})\s*(?:-|–|—|~|to|至)\s*"
                   r"(?P<end>\d{1,2}[:：]\d{2})$", re.IGNORECASE)
_DAY_RANGE = re.compile(r"\s*(?:-|–|—|~|\bto\b|至|到)\s*", re.IGNORECASE)
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
EXTRA_CLOSURE_ROWS = 3


def parse_windows(text: str | None) -> tuple[list[tuple[int, time, time]], list[str]]:
    """Read 'Mon-Fri 09:00-18:00' lines into windows; errors name the line."""
    windows, errors = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            windows.extend(_parse_line(line))
        except ValueError as problem:
            errors.append(_("Line %(n)d (%(line)s): %(problem)s", n=number, line=line[:40],
                            problem=str(problem)))
    return windows, errors


def _parse_line(line: str) -> list[tuple[int, time, time]]:
    match = _LINE.match(line)
    if not match:
        raise ValueError(_("write a day and hours, like Mon-Fri 09:00-18:00."))
    days = _parse_days(match["days"].strip().rstrip(":："))
    start, end = _parse_clock(match["start"]), _parse_clock(match["end"])
    if end <= start:
        raise ValueError(_("the end must be after the start."))
    return [(day, start, end) for day in days]


def _parse_days(text: str) -> list[int]:
    days: list[int] = []
    for part in re.split(r"[,，、\s]+", _DAY_RANGE.sub("-", text)):
        ends = part.split("-")
        if not part or len(ends) > 2:
            raise ValueError(_("write days like Mon, Mon-Fri or Mon,Wed,Fri."))
        first, last = _day(ends[0]), _day(ends[-1])
        days.extend((first + i) % 7 for i in range((last - first) % 7 + 1))
    return days


def _day(word: str) -> int:
    if (day := DAY_WORDS.get(word.strip().lower())) is None:
        raise ValueError(_("'%(word)s' is not a day; use Mon, Tue, Wed, Thu, Fri, Sat or Sun.",
                           word=word.strip()[:20]))
    return day


def _parse_clock(text: str) -> time:
    hours, minutes = (int(p) for p in text.replace("：", ":").split(":"))
    if hours == 24 and minutes == 0:
        raise ValueError(_("opening hours end by 23:59 at the latest."))
    if hours > 23 or minutes > 59:
        raise ValueError(_("%(text)s is not a time of day.", text=text))
    return time(hours, minutes)


def group_windows(windows: Iterable[tuple[int, time, time]]
                  ) -> list[tuple[list[tuple[int, int]], time, time]]:
    """Same hours on several days, as runs of days: ([(0, 4)], 09:00, 18:00) is Mon-Fri."""
    by_hours: dict[tuple[time, time], list[int]] = {}
    for day, start, end in sorted(windows):
        by_hours.setdefault((start, end), []).append(day)
    groups = []
    for (start, end), days in by_hours.items():
        runs: list[tuple[int, int]] = []
        for day in sorted(set(days)):
            if runs and runs[-1][1] == day - 1:
                runs[-1] = (runs[-1][0], day)
            else:
                runs.append((day, day))
        groups.append((runs, start, end))
    return sorted(groups, key=lambda g: (g[0][0][0], g[1]))


def day_abbreviations() -> tuple[str, ...]:
    """Monday to Sunday as the reader's locale abbreviates them, where the parser reads them."""
    names = get_day_names("abbreviated", locale=get_locale())
    local = tuple(names[day] for day in range(7))
    return local if all(name.lower() in DAY_WORDS for name in local) else DAY_ABBREVIATIONS


def format_windows(windows: Iterable[tuple[int, time, time]]) -> str:
    """The text parse_windows reads back: one line per set of hours."""
    lines = []
    names = day_abbreviations()
    for runs, start, end in group_windows(windows):
        days = ",".join(names[a] if a == b else f"{names[a]}-{names[b]}" for a, b in runs)
        lines.append(f"{days} {start:%H:%M}-{end:%H:%M}")
    return "\n".join(lines)


class ResourceSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: searching changes nothing

    q = StringField(_l("Search"), validators=[Optional(), Length(max=limits.SEARCH_LENGTH)])
    kind = SelectField(_l("Kind"), choices=choices([("", _l("All kinds")),
                                                    *KIND_LABELS.items()]))
    organisation = SelectField(_l("Organisation"), choices=choices([("", _l("All organisations"))]))
    min_capacity = IntegerField(_l("At least this many places"), validators=[
        Optional(), NumberRange(min=1, max=limits.MAX_CAPACITY)])
    include_inactive = BooleanField(_l("Also show deactivated resources"))

    def set_organisations(self, organisations: Iterable) -> None:
        self.organisation.choices = choices([("", _("All organisations"))]
                                            + [(str(o.id), o.name) for o in organisations])

    def filters(self) -> dict:
        """The search filters, leaving out any the form rejected."""
        ok = {name: not getattr(self, name).errors for name in
              ("q", "kind", "organisation", "min_capacity", "include_inactive")}
        return {"q": self.q.data if ok["q"] else None,
                "kind": self.kind.data or None if ok["kind"] else None,
                "organisation_id": int(self.organisation.data)
                if ok["organisation"] and (self.organisation.data or "").isdigit() else None,
                "min_capacity": self.min_capacity.data if ok["min_capacity"] else None,
                "include_inactive": bool(self.include_inactive.data)}


class ClosureRowForm(Form):
    start = DateTimeLocalField(_l("Closed from"), format=DATETIME_FORMATS,
                               validators=[Optional(), accepted_date])
    end = DateTimeLocalField(_l("until"), format=DATETIME_FORMATS,
                             validators=[Optional(), accepted_date])
    reason = StringField(_l("Reason"),
                         validators=[Optional(), Length(max=limits.CLOSURE_REASON_LENGTH)])
    remove = BooleanField(_l("Remove"))

    def is_blank(self) -> bool:
        return not (self.start.raw_data and self.start.raw_data[0]) and not (
            self.end.raw_data and self.end.raw_data[0]) and not self.reason.data


class HoursFields:
    """Weekly hours and closures: on the resource form, and on the hours page of its person."""

    windows = TextAreaField(_l("Opening hours"), description=_l(
        "One line each, like \"Mon-Fri 09:00-18:00\" or \"Wed 14:00-17:00\", in the resource's "
        "time zone. Leave empty to allow any time."), render_kw={"rows": 4})
    closures = FieldList(FormField(ClosureRowForm), label=_l("Closures"))
    quota_hours = DecimalField(_l("Quota: hours each other organisation may hold"), places=None,
                               validators=[Optional()], description=_l(
                                   "Place-hours where the resource has places; pending and "
                                   "confirmed together. Empty: no quota. Our own people are "
                                   "never limited."))
    quota_per = SelectField(_l("per"), default="week", choices=choices([
        ("week", _l("week")), ("month", _l("month")), ("term", _l("term"))]))
    max_pending = IntegerField(_l("Requests one other organisation may have waiting"),
                               validators=[Optional()], description=_l("Empty: no limit."))
    request_expiry_days = IntegerField(_l("Requests expire after this many days undecided"),
                                       default=14, validators=[Optional()])

    def validate_windows(self, field) -> None:
        self.parsed_windows, errors = parse_windows(field.data)
        if errors:
            field.errors.extend(errors[:-1])  # one message per faulty line
            raise ValidationError(errors[-1])

    def validate_closures(self, field) -> None:
        for row in field:
            form = row.form
            if form.remove.data or form.is_blank() or form.start.errors or form.end.errors:
                continue
            if form.start.data is None or form.end.data is None:
                missing = form.start if form.start.data is None else form.end
                missing.errors.append(_("Give a start and an end."))
            elif form.end.data <= form.start.data:
                form.end.errors.append(_("The end must be after the start."))
        if any(row.form.start.errors or row.form.end.errors for row in field):
            raise ValidationError(_("Correct the closures marked below."))

    def _kept_closures(self) -> list[ClosureRowForm]:
        """The closure rows filled in correctly and not marked for removal."""
        return [row.form for row in self.closures
                if not (row.form.remove.data or row.form.is_blank() or row.form.start.errors
                        or row.form.end.errors or None in (row.form.start.data,
                                                           row.form.end.data))]

    def closure_data(self, zone: str) -> list[tuple]:
        """The kept closure rows as (aware start, aware end, reason) in *zone*."""
        return [(local_to_utc(r.start.data, zone), local_to_utc(r.end.data, zone),
                 r.reason.data or "") for r in self._kept_closures()]

    def add_blank_closures(self) -> None:
        while sum(1 for row in self.closures if row.is_blank()) < EXTRA_CLOSURE_ROWS:
            self.closures.append_entry()


class HoursForm(HoursFields, FlaskForm):
    """The hours page: what the person of a staff resource keeps (permissions.HOURS_FIELDS)."""

    def show_errors(self, exc: InvalidInput) -> None:
        for name, messages in exc.fields.items():
            target = self.windows.errors if name == "windows" else self.form_errors
            if isinstance(target, tuple):
                target = self.windows.errors = list(target)
            target.extend(str(m) for m in messages)


class ResourceForm(HoursFields, FlaskForm):
    organisation_id = SelectField(_l("Organisation"), coerce=int)
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=limits.NAME_LENGTH)])
    kind = SelectField(_l("Kind"), choices=choices(KIND_LABELS.items()),
                       default=ResourceKind.FACILITY.value)
    description = TextAreaField(_l("Description"),
                                validators=[Length(max=limits.DESCRIPTION_LENGTH)])
    location = StringField(_l("Location"), validators=[Length(max=limits.LOCATION_LENGTH)])
    capacity = IntegerField(_l("Capacity (places at the same time)"), default=1,
                            validators=[InputRequired()])
    timezone = SelectField(_l("Time zone"), default="Asia/Shanghai", validate_choice=False)
    slot_minutes = IntegerField(_l("Slot length (minutes)"), validators=[Optional()],
                                description=_l("Bookings start on the slot grid and last "
                                               "whole slots. Empty: any start time."))
    min_minutes = IntegerField(_l("Shortest booking (minutes)"), validators=[Optional()])
    max_minutes = IntegerField(_l("Longest booking (minutes)"), validators=[Optional()])
    notice_minutes = IntegerField(_l("Minimum notice (minutes)"), validators=[Optional()],
                                  default=0,
                                  description=_l("1440 minutes are one day."))
    horizon_days = IntegerField(_l("Bookable this many days ahead"), validators=[Optional()])
    buffer_before_minutes = IntegerField(_l("Kept free before each booking (minutes)"),
                                         validators=[Optional()], default=0)
    buffer_after_minutes = IntegerField(_l("Kept free after each booking (minutes)"),
                                        validators=[Optional()], default=0)
    approval_required = BooleanField(_l("Bookings need our approval"))
    who_may_book = RadioField(_l("Who may book"), default="all", choices=choices([
        ("all", _l("Every member organisation")),
        ("some", _l("Only our organisation and those chosen below"))]))
    allowed_organisations = SelectMultipleField(_l("Organisations that may book"), coerce=int,
                                                render_kw={"size": 8})
    person_id = SelectField(_l("Whose time it is (staff)"), validate_choice=False, description=_l(
        "A member of the owning organisation: they see its bookings as their own, set its "
        "hours and closures, and may cancel its bookings."))

    def setup(self, organisations: Iterable, *, choose_owner: bool,
              people: Iterable = ()) -> None:
        """Fill the choices; only a platform administrator picks the owner.

        *people*: who may be named as a staff resource's person (members of its owner).
        """
        organisations = list(organisations)
        self.person_id.choices = choices([("", _("Nobody"))] + [
            (str(p.id), p.name if not choose_owner else f"{p.name} ({p.organisation.name})")
            for p in people])
        self.timezone.choices = choices(timezone_choices())
        self.allowed_organisations.choices = choices((o.id, o.name) for o in organisations)
        if choose_owner:
            self.organisation_id.choices = choices((o.id, o.name) for o in organisations)
        else:
            del self.organisation_id
        self.add_blank_closures()

    def to_data(self) -> ResourceData:
        """What the person entered, in the shape the catalogue service takes."""
        zone = self.timezone.data if is_valid_timezone(self.timezone.data) else "UTC"
        closures = self.closure_data(zone)
        person = self.person_id.data
        def number(field, default=None):  # noqa: E306 - empty optional fields
            return default if field.data is None else field.data
        return ResourceData(
            name=self.name.data or "", kind=self.kind.data, description=self.description.data
            or "", location=self.location.data or "", capacity=self.capacity.data,
            timezone=self.timezone.data or "", slot_minutes=number(self.slot_minutes),
            min_minutes=number(self.min_minutes), max_minutes=number(self.max_minutes),
            notice_minutes=number(self.notice_minutes, 0),
            horizon_days=number(self.horizon_days),
            buffer_before_minutes=number(self.buffer_before_minutes, 0),
            buffer_after_minutes=number(self.buffer_after_minutes, 0),
            approval_required=bool(self.approval_required.data),
            open_to_all=self.who_may_book.data != "some",
            person_id=int(person) if person and str(person).isdigit() else None,
            allowed_organisation_ids=list(self.allowed_organisations.data or []),
            windows=list(getattr(self, "parsed_windows", [])), closures=closures,
            quota=None if self.quota_hours.data is None else {
                "hours": float(self.quota_hours.data), "per": self.quota_per.data},
            max_pending=number(self.max_pending),
            request_expiry_days=number(self.request_expiry_days, 14))

    def validate(self, extra_validators=None) -> bool:
        """The form's own checks, then the catalogue's, so every mistake shows at once."""
        valid = super().validate(extra_validators)
        added = self.show_errors(InvalidInput(resource_errors(self.to_data())),
                                 only_where_clean=True)
        return valid and not added

    def show_errors(self, exc: InvalidInput, *, only_where_clean: bool = False) -> int:
        """Put the service's messages next to the fields they are about; returns how many."""
        fields = {"organisation_id": self.organisation_id if "organisation_id" in self else None,
                  "allowed_organisation_ids": self.allowed_organisations,
                  "open_to_all": self.who_may_book, "quota": self.quota_hours}
        added = 0
        for name, messages in exc.fields.items():
            field = fields.get(name) or (self[name] if name in self else None)
            if only_where_clean and field is not None and field.errors:
                continue  # the form's own message about this field says enough
            target = self.form_errors if field is None or name == "closures" else field.errors
            if isinstance(target, tuple):
                target = field.errors = list(target)
            target.extend(str(m) for m in messages)
            added += len(messages)
        return added


def resource_form_data(resource: Resource) -> dict:
    """Initial form values for editing the resource, times in its own zone."""
    data = resource_data(resource)
    values = {name: getattr(data, name) for name in (
        "name", "kind", "description", "location", "capacity", "timezone", "slot_minutes",
        "min_minutes", "max_minutes", "notice_minutes", "horizon_days", "buffer_before_minutes",
        "buffer_after_minutes", "approval_required", "max_pending", "request_expiry_days")}
    if data.quota:
        values.update(quota_hours=data.quota["hours"], quota_per=data.quota["per"])
    zone = resource.timezone
    return {**values, "windows": format_windows(data.windows),
            "person_id": str(data.person_id) if data.person_id else "",
            "who_may_book": "all" if data.open_to_all else "some",
            "allowed_organisations": data.allowed_organisation_ids,
            "closures": [{"start": to_zone(s, zone).replace(tzinfo=None),
                          "end": to_zone(e, zone).replace(tzinfo=None), "reason": r}
                         for s, e, r in data.closures]}
