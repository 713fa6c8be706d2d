"""A recurring booking: the first date plus how it repeats."""

from __future__ import annotations

from datetime import date

from babel.dates import get_day_names
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import (DateField, IntegerField, SelectField, SelectMultipleField, StringField,
                     TimeField, widgets)
from flask_wtf import FlaskForm
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from booking import limits
from booking.forms import accepted_date, choices
from booking.forms.bookings import BookingForm
from booking.scheduling import Frequency, Recurrence


def weekday_choices() -> list:
    """Monday to Sunday, abbreviated from the reader's locale data."""
    names = get_day_names("abbreviated", locale=get_locale())
    return choices((day, names[day]) for day in range(7))


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class SeriesForm(BookingForm):
    freq = SelectField(_l("Repeats"), choices=choices([("weekly", _l("Weekly")), ("daily", _l("Daily")),
                                               ("monthly", _l("Monthly"))]))
    interval = IntegerField(_l("Every"), default=1,
                            validators=[NumberRange(min=1, max=limits.SERIES_MAX_INTERVAL)],
                            description=_l("1 = every week (day, month), 2 = every other one"))
    weekdays = CheckboxesField(_l("On"), coerce=int, choices=weekday_choices,
                               validators=[Optional()])
    monthly_by = SelectField(_l("Monthly on"), default="date", choices=choices([
        ("date", _l("the same day of the month")), ("weekday", _l("the same weekday (e.g. 2nd Wednesday)"))]))
    until = DateField(_l("Until (last date)"), validators=[Optional(), accepted_date])
    count = IntegerField(_l("Or this many times"), validators=[
        Optional(), NumberRange(min=1, max=limits.SERIES_MAX_DATES)])
    term = SelectField(_l("Or until the end of a term"), default="", validate_choice=False,
                       description=_l("Your organisation's holidays in the term are left out."))
    skip = StringField(_l("Leave out these dates"),
                       validators=[Length(max=limits.SERIES_SKIP_TEXT_LENGTH)],
                       description=_l("YYYY-MM-DD, separated by commas"))
    on_conflict = SelectField(_l("If some dates are not free"), default="fail", choices=choices([
        ("fail", _l("book nothing and show me")), ("skip", _l("book only the free dates"))]))
    closures = SelectField(_l("Dates the resource is closed"), default="report", choices=choices([
        ("report", _l("show them as refused")), ("skip", _l("leave them out"))]))

    def validate_count(self, field) -> None:
        given = sum((self.until.data is not None, field.data is not None, bool(self.term.data)))
        if given != 1:
            raise ValidationError(_l("Give either a last date, a number of times or a term."))

    def validate_term(self, field) -> None:
        if field.data and (self.until.data is not None or self.count.data is not None):
            raise ValidationError(_l("Give either a last date, a number of times or a term."))

    def validate_skip(self, field) -> None:
        self.skip_dates()

    def skip_dates(self) -> frozenset[date]:
        try:
            days = frozenset(date.fromisoformat(part.strip())
                             for part in (self.skip.data or "").split(",") if part.strip())
        except ValueError:
            raise ValidationError(_l("Write dates as YYYY-MM-DD, separated by commas.")) from None
        if not all(limits.is_accepted_date(day) for day in days):
            raise ValidationError(_l("Pick dates between %(first)d and %(last)d.",
                                     first=limits.FIRST_YEAR, last=limits.LAST_YEAR))
        return days

    def recurrence(self) -> Recurrence:
        """The pattern; raises ValueError (for the service to report) when inconsistent."""
        weekly = self.freq.data == Frequency.WEEKLY
        return Recurrence(Frequency(self.freq.data), interval=self.interval.data or 1,
                          weekdays=tuple(self.weekdays.data or ()) if weekly else (),
                          monthly_by=self.monthly_by.data if self.freq.data == "monthly" else "date",
                          until=self.until.data, count=self.count.data, skip=self.skip_dates())


class SeriesEditForm(FlaskForm):
    title = StringField(_l("Purpose"), validators=[Length(max=limits.TITLE_LENGTH)])
    start_time = TimeField(_l("New start time"), validators=[Optional()])
    end_time = TimeField(_l("New end time"), validators=[Optional()])


