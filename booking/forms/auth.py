"""Signing in and personal settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length

from booking import limits
from booking.forms import choices
from booking.services.accounts import MIN_PASSWORD_LENGTH
from booking.timezones import timezone_choices


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"),
                       validators=[InputRequired(), Length(max=limits.EMAIL_LENGTH)])
    password = PasswordField(_l("Password"),
                             validators=[InputRequired(), Length(max=limits.PASSWORD_LENGTH)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[InputRequired(),
                                                 Length(max=limits.PASSWORD_LENGTH)])
    new_password = PasswordField(_l("New password"), validators=[
        InputRequired(), Length(min=MIN_PASSWORD_LENGTH, max=limits.PASSWORD_LENGTH)])
    confirm = PasswordField(_l("Repeat the new password"), validators=[
        InputRequired(), EqualTo("new_password", message=_l("The two passwords differ."))])


class SettingsForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=limits.NAME_LENGTH)])
    locale = SelectField(_l("Language"), choices=choices([
        ("", _l("As my browser prefers")), ("en", "English"), ("zh", "简体中文")]))
    timezone = SelectField(_l("Time zone"), validators=[InputRequired()])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = choices(timezone_choices())


def email_validators() -> list:
    return [InputRequired(), Length(max=limits.EMAIL_LENGTH), Email(check_deliverability=False)]
