"""Organisations and people."""

from __future__ import annotations

import unicodedata
from functools import cache

import sqlalchemy as sa
from flask import current_app
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from booking import events, passwords
from booking.events import Action, MemberChanged, SignInFailed
from booking.exceptions import InvalidInput, NotAllowed
from booking.extensions import db
from booking.limits import NAME_LENGTH
from booking.models import Organisation, OrganisationKind, Role, User
from booking.permissions import can_manage_organisation
from booking.services import api_tokens, feeds, sessions
from booking.services.locking import begin_write
from booking.timezones import is_valid_timezone

MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH
# Control (tabs, line breaks, NUL...), format (bidi overrides, zero-width), line and
# paragraph separators.
_INVISIBLE = {"Cc", "Cf", "Zl", "Zp"}


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
    """The active user with this e-mail and password, or None.

    A refusal is recorded (login.failed, without the password) and committed at once in a
    transaction of its own: the sign-in fails, the record of it stays.
    """
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return _refused(email, None, "unknown_email")
    if not user.check_password(password):
        return _refused(email, user, "wrong_password")
    if not user.is_active:
        return _refused(email, user, "inactive")
    return user


def _refused(email: str, user: User | None, reason: str) -> None:
    db.session.rollback()  # nothing of the refused request goes in with the record
    events.publish(SignInFailed(email if isinstance(email, str) else "", user, reason))
    db.session.commit()
    return None


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
    if problem := password_problem(password, email=email, name=name,
                                   organisation_name=organisation.name):
        raise InvalidInput({"password": problem})
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
    """Replace the password; every session and API token of this person ends.

    Calendar feeds keep working: their addresses are not derived from the password, and
    calendar programs cannot sign in again. The page offers new addresses instead.
    """
    if not user.check_password(current):
        raise InvalidInput({"current_password": _l("The current password is not right.")})
    if problem := password_problem(new, email=user.email, name=user.name,
                                   organisation_name=user.organisation.name):
        raise InvalidInput({"new_password": problem})
    user.set_password(new)
    user.must_change_password = False
    sessions.end_all_sessions(user, commit=False)
    api_tokens.revoke_all_tokens(user)
    db.session.commit()


def update_preferences(user: User, *, name: str, locale: str | None, timezone: str) -> None:
    """A person's own name, language and time zone."""
    errors = {}
    if problem := name_problem(name):
        errors["name"] = problem
    if not is_valid_timezone(timezone):
        errors["timezone"] = _l("Unknown time zone.")
    if errors:
        raise InvalidInput(errors)
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
    user = create_user(email=email, name=name, password=first_password,
                       organisation=organisation, role=role, must_change_password=True,
                       commit=False)
    events.publish(MemberChanged(Action.MEMBER_ADDED, actor, user, {},
                                 {"role": user.role.value}))
    db.session.commit()
    return user


def set_member_active(actor: User, user: User, active: bool) -> None:
    """Deactivate or reactivate a person; a deactivated person cannot log in or book.

    Deactivation ends the person's sessions, API tokens and calendar feeds for good:
    reactivating brings none of them back.
    """
    if not can_manage_organisation(actor, user.organisation_id):
        raise NotAllowed(_l("You cannot manage this organisation's people."))
    if user.id == actor.id and not active:
        raise InvalidInput({"user": _l("You cannot deactivate yourself.")})
    if not active and user.is_platform_admin:
        keep_a_platform_admin(without_user=user.id, field="user")
    was_active = user.is_active_account
    user.is_active_account = active
    if not active:
        sessions.end_all_sessions(user, commit=False)
        api_tokens.revoke_all_tokens(user)
        feeds.revoke_all_feeds(user)
    if was_active != active:
        db.session.flush()
        events.publish(MemberChanged(
            Action.MEMBER_REACTIVATED if active else Action.MEMBER_DEACTIVATED, actor, user,
            {"is_active": was_active}, {"is_active": active}))
    db.session.commit()


def set_member_role(actor: User, user: User, role: Role | str) -> None:
    """Give a person another role; the last platform administrator keeps theirs."""
    if not can_manage_organisation(actor, user.organisation_id):
        raise NotAllowed(_l("You cannot manage this organisation's people."))
    if Role(role) is Role.PLATFORM_ADMIN and not actor.is_platform_admin:
        raise NotAllowed(_l("Only a platform administrator can appoint one."))
    if user.is_platform_admin and Role(role) is not Role.PLATFORM_ADMIN:
        keep_a_platform_admin(without_user=user.id, field="role")
    before = user.role
    user.role = Role(role)
    if user.role is not before:
        db.session.flush()
        events.publish(MemberChanged(Action.MEMBER_ROLE_CHANGED, actor, user,
                                     {"role": before.value}, {"role": user.role.value}))
    db.session.commit()


def keep_a_platform_admin(*, without_user: int | None = None,
                          without_organisation: int | None = None, field: str) -> None:
    """Refuse a change that would leave no active platform administrator.

    Begins the change's write transaction and locks every active platform administrator
    and their organisation first, so two administrators removing each other at the same
    moment queue, and the second sees that it would remove the last one.
    """
    begin_write()
    stmt = (sa.select(User.id, User.organisation_id).join(User.organisation)
            .where(User.role == Role.PLATFORM_ADMIN, User.is_active_account,
                   Organisation.is_active).order_by(User.id))
    if db.session.get_bind().dialect.name != "sqlite":  # SQLite's BEGIN IMMEDIATE locks all
        stmt = stmt.with_for_update()
    remaining = [user_id for user_id, organisation_id in db.session.execute(stmt)
                 if user_id != without_user and organisation_id != without_organisation]
    if not remaining:
        db.session.rollback()
        raise InvalidInput({field: _l("This would leave the platform without an active "
                                      "platform administrator: you cannot remove the last "
                                      "platform administrator. Appoint another one first.")})


def name_problem(name) -> LazyString | None:
    """Why *name* cannot be a person's name (blank, too long, invisible characters), or None.

    A name is one line shown to others: line breaks, other control characters and the
    invisible marks that reorder text (Unicode "format" characters) have no place in it.
    """
    if not isinstance(name, str) or not name.strip():
        return _l("Give a name.")
    if any(unicodedata.category(ch) in _INVISIBLE for ch in name):
        return _l("Remove the invisible control characters.")
    if len(name.strip()) > NAME_LENGTH:
        return _l("Use at most %(n)d characters.", n=NAME_LENGTH)
    return None


def password_problem(password, *, email, name, organisation_name) -> LazyString | None:
    """Why a person with these details may not have this password, or None.

    The one check for every new password: the password page, first passwords set by an
    administrator, admitting an organisation and `flask create-user`.
    """
    if not isinstance(password, str):
        return passwords.TOO_SHORT
    context = [v for v in (email, name, organisation_name) if isinstance(v, str)]
    return passwords.password_problem(password, context=context)


def _finish(commit: bool) -> None:
    if commit:
        db.session.commit()
    else:
        db.session.flush()
