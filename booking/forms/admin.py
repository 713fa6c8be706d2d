"""Forms of the administration pages: members and organisations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from booking import limits
from booking.forms import choices
from booking.forms.auth import email_validators
from booking.models import OrganisationKind, Role
from booking.services.accounts import MIN_PASSWORD_LENGTH

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
