"""Forms of the administration pages: members, organisations and the audit trail."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from booking import limits
from booking.events import Action
from booking.forms import accepted_date, choices
from booking.forms.auth import email_validators
from booking.models import OrganisationKind, Role
from booking.services.accounts import MIN_PASSWORD_LENGTH
from booking.timezones import local_to_utc

ROLE_LABELS = {Role.MEMBER: _l("Member"), Role.ORG_ADMIN: _l("Organisation administrator"),
               Role.PLATFORM_ADMIN: _l("Platform administrator")}
ORGANISATION_KIND_LABELS = {OrganisationKind.SCHOOL: _l("School"),
                            OrganisationKind.ENTERPRISE: _l("Enterprise"),
                            OrganisationKind.ASSOCIATION: _l("Association")}
_FIRST_PASSWORD_HELP = _l("Tell the person this password; they must choose their own when "
                          "they first sign in.")


def role_choices(platform_admin: bool) -> list:
    """Only a platform administrator can appoint another one."""
    return [(role.value, label) for role, label in ROLE_LABELS.items()
            if platform_admin or role is not Role.PLATFORM_ADMIN]


class AddMemberForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=limits.NAME_LENGTH)])
    email = EmailField(_l("E-mail"), validators=email_validators())
    role = SelectField(_l("Role"), default=Role.MEMBER.value)
    password = StringField(_l("First password"), description=_FIRST_PASSWORD_HELP,
                           validators=[InputRequired(),
                                       Length(min=MIN_PASSWORD_LENGTH,
                                              max=limits.PASSWORD_LENGTH)],
                           render_kw={"autocomplete": "off"})

    def __init__(self, *args, platform_admin: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = choices(role_choices(platform_admin))


class AdmitOrganisationForm(FlaskForm):
    name = StringField(_l("Organisation name"),
                       validators=[InputRequired(), Length(max=limits.NAME_LENGTH)])
    kind = SelectField(_l("Kind"), choices=choices(
        (kind.value, label) for kind, label in ORGANISATION_KIND_LABELS.items()))
    description = TextAreaField(_l("Description"),
                                validators=[Length(max=limits.ORGANISATION_DESCRIPTION_LENGTH)],
                                render_kw={"rows": 2})
    admin_name = StringField(_l("Administrator's name"),
                             validators=[InputRequired(), Length(max=limits.NAME_LENGTH)])
    admin_email = EmailField(_l("Administrator's e-mail"), validators=email_validators())
    first_password = StringField(_l("First password"), description=_FIRST_PASSWORD_HELP,
                                 validators=[InputRequired(),
                                             Length(min=MIN_PASSWORD_LENGTH,
                                                    max=limits.PASSWORD_LENGTH)],
                                 render_kw={"autocomplete": "off"})


ACTION_LABELS = {
    Action.BOOKING_CREATED: _l("Booking made"),
    Action.BOOKING_MOVED: _l("Booking moved"),
    Action.BOOKING_CANCELLED: _l("Booking cancelled"),
    Action.BOOKING_APPROVED: _l("Booking approved"),
    Action.BOOKING_REJECTED: _l("Booking rejected"),
    Action.SERIES_CREATED: _l("Series booked"),
    Action.SERIES_CHANGED: _l("Series changed"),
    Action.SERIES_CANCELLED: _l("Series cancelled"),
    Action.SERIES_APPROVED: _l("Series approved"),
    Action.SERIES_REJECTED: _l("Series rejected"),
    Action.RESOURCE_CREATED: _l("Resource added"),
    Action.RESOURCE_CHANGED: _l("Resource changed"),
    Action.RESOURCE_DEACTIVATED: _l("Resource deactivated"),
    Action.RESOURCE_ACTIVATED: _l("Resource offered again"),
    Action.ORGANISATION_SUSPENDED: _l("Organisation suspended"),
    Action.ORGANISATION_READMITTED: _l("Organisation readmitted"),
    Action.MEMBER_ADDED: _l("Person added"),
    Action.MEMBER_ROLE_CHANGED: _l("Role changed"),
    Action.MEMBER_DEACTIVATED: _l("Person deactivated"),
    Action.MEMBER_REACTIVATED: _l("Person reactivated"),
    Action.TOKEN_CREATED: _l("API token made"),
    Action.TOKEN_REVOKED: _l("API token revoked"),
    Action.FEED_CREATED: _l("Calendar subscription made"),
    Action.FEED_REGENERATED: _l("Calendar subscription given a new address"),
    Action.FEED_REVOKED: _l("Calendar subscription revoked"),
    Action.LOGIN_FAILED: _l("Failed sign-in"),
}
OBJECT_LABELS = {"booking": _l("Booking"), "series": _l("Series"), "resource": _l("Resource"),
                 "organisation": _l("Organisation"), "person": _l("Person"),
                 "token": _l("API token"), "feed": _l("Calendar subscription")}


class AuditFilterForm(FlaskForm):
    """The audit page's filters: a GET form, so a filtered list is a link to share."""

    class Meta:
        csrf = False  # reading changes nothing

    object_type = SelectField(_l("Object"), choices=choices(
        [("", _l("Any object")), *OBJECT_LABELS.items()]), validators=[Optional()])
    object_id = IntegerField(_l("Object number"), validators=[
        Optional(), NumberRange(min=1, max=limits.MAX_ID)])
    person = StringField(_l("Person's e-mail"), validators=[
        Optional(), Length(max=limits.EMAIL_LENGTH)])
    action = SelectField(_l("Action"), choices=choices(
        [("", _l("Any action")), *((a.value, label) for a, label in ACTION_LABELS.items())]),
        validators=[Optional()])
    start = DateField(_l("From"), validators=[Optional(), accepted_date])
    end = DateField(_l("Until (inclusive)"), validators=[Optional(), accepted_date])

    def filters(self, zone: str) -> dict:
        """The filters as the service takes them, leaving out any the form rejected."""
        def good(name):
            field = getattr(self, name)
            return field.data if field.data not in ("", None) and not field.errors else None
        start, end = good("start"), good("end")
        object_type = good("object_type")
        return {"object_type": object_type,
                "object_id": good("object_id") if object_type else None,
                "actor_email": good("person"), "action": good("action"),
                "start": local_to_utc(datetime.combine(start, time()), zone) if start else None,
                "end": (local_to_utc(datetime.combine(end + timedelta(days=1), time()), zone)
                        if end else None)}
