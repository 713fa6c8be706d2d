"""Booking, cancelling and deciding on requests."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from booking import limits
from booking.forms import accepted_date

LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class BookingForm(FlaskForm):
    """Start and end are wall-clock times in the resource's time zone."""

    resource_id = HiddenField(validators=[InputRequired()])
    start = DateTimeLocalField(_l("Start"), format=LOCAL_FORMATS,
                               validators=[InputRequired(), accepted_date])
    end = DateTimeLocalField(_l("End"), format=LOCAL_FORMATS,
                             validators=[InputRequired(), accepted_date])
    quantity = IntegerField(_l("Places"), default=1,
                            validators=[Optional(), NumberRange(min=1, max=limits.MAX_CAPACITY)])
    title = StringField(_l("Purpose"), validators=[Length(max=limits.TITLE_LENGTH)],
                        description=_l("Shown to your organisation and the resource's owner; "
                                       "others see only \"busy\"."))
    next = HiddenField()

    def validate_end(self, field) -> None:
        if self.start.data and field.data and field.data <= self.start.data:
            raise ValidationError(_l("The end must be after the start."))


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason (the booker sees it)"),
                           validators=[Length(max=limits.DECISION_REASON_LENGTH)])


class ConfirmForm(FlaskForm):
    """A form with only the CSRF token: for POST buttons."""
