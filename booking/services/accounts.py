"""Organisations and people."""

from __future__ import annotations

from functools import cache

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from booking.exceptions import InvalidInput, NotAllowed
from booking.extensions import db
from booking.models import Organisation, OrganisationKind, Role, User
from booking.permissions import can_manage_organisation
from booking.timezones import is_valid_timezone

MIN_PASSWORD_LENGTH = 8


def _dummy_hash() -> str:
    """A real hash to check against when the e-mail is unknown, so timing does not tell."""
    return _dummy_hash_made_with(current_app.config["PASSWORD_HASH_METHOD"])


@cache
def _dummy_hash_made_with(method: str) -> str:
    return generate_password_hash("no such user", method=method)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def find_organisation_by_name(name: str) -> Organisation | None:
    return db.session.scalar(sa.select(Organisation).where(
        sa.func.lower(Organisation.name) == name.strip().lower()))


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None."""
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    return user


def create_organisation(name: str, kind: OrganisationKind | str, description: str = "",
                        *, commit: bool = True) -> Organisation:
    """Admit a member organisation."""
    name = name.strip()
    if find_organisation_by_name(name):
        raise InvalidInput({"name": _l("An organisation with this name already exists.")})
    organisation = Organisation(name=name, kind=OrganisationKind(kind), description=description)
    db.session.add(organisation)
    _finish(commit)
    return organisation


def create_user(*, email: str, name: str, password: str, organisation: Organisation,
                role: Role | str = Role.MEMBER, must_change_password: bool = False,
                timezone: str = "Asia/Shanghai", locale: str | None = None,
                commit: bool = True) -> User:
    """Add a person to an organisation."""
    _check_new_password(password)
    if find_user_by_email(email):
        raise InvalidInput({"email": _l("A person with this e-mail address already exists.")})
    if not is_valid_timezone(timezone):
        raise InvalidInput({"timezone": _l("Unknown time zone.")})
    user = User(email=normalise_email(email), name=name.strip(), organisation=organisation,
                role=Role(role), must_change_password=must_change_password,
                timezone=timezone, locale=locale)
    user.set_password(password)
    db.session.add(user)
    _finish(commit)
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Replace the password; every other session of this person ends."""
    if not user.check_password(current):
        raise InvalidInput({"current_password": _l("The current password is not right.")})
    _check_new_password(new)
    user.set_password(new)
    user.must_change_password = False
    user.session_version += 1
    db.session.commit()


def update_preferences(user: User, *, name: str, locale: str | None, timezone: str) -> None:
    if not is_valid_timezone(timezone):
        raise InvalidInput({"timezone": _l("Unknown time zone.")})
    user.name = name.strip()
    user.locale = locale or None
    user.timezone = timezone
    db.session.commit()


def add_member(actor: User, organisation: Organisation, *, email: str, name: str,
               first_password: str, role: Role | str = Role.MEMBER) -> User:
    """An org admin adds a person, who must change the first password at first login."""
    if not can_manage_organisation(actor, organisation.id):
        raise NotAllowed(_l("You cannot manage this organisation's people."))
    if Role(role) is Role.PLATFORM_ADMIN and not actor.is_platform_admin:
        raise NotAllowed(_l("Only a platform administrator can appoint one."))
    return create_user(email=email, name=name, password=first_password,
                       organisation=organisation, role=role, must_change_password=True)


def set_member_active(actor: User, user: User, active: bool) -> None:
    """Deactivate or reactivate a person; a deactivated person cannot log in or book."""
    if not can_manage_organisation(actor, user.organisation_id):
        raise NotAllowed(_l("You cannot manage this organisation's people."))
    if user.id == actor.id and not active:
        raise InvalidInput({"user": _l("You cannot deactivate yourself.")})
    user.is_active_account = active
    user.session_version += 1
    db.session.commit()


def set_member_role(actor: User, user: User, role: Role | str) -> None:
    if not can_manage_organisation(actor, user.organisation_id):
        raise NotAllowed(_l("You cannot manage this organisation's people."))
    if Role(role) is Role.PLATFORM_ADMIN and not actor.is_platform_admin:
        raise NotAllowed(_l("Only a platform administrator can appoint one."))
    user.role = Role(role)
    db.session.commit()


def _check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput({"password": _l("Use at least %(n)d characters.",
                                           n=MIN_PASSWORD_LENGTH)})


def _finish(commit: bool) -> None:
    if commit:
        db.session.commit()
    else:
        db.session.flush()
