"""Member organisations: admitting them, switching them on and off, and their people."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from booking import events
from booking.events import Action, MemberChanged, OrganisationChanged
from booking.exceptions import InvalidInput, NotAllowed, NotFound
from booking.extensions import db
from booking.limits import EMAIL_LENGTH, MAX_ID, NAME_LENGTH
from booking.models import Organisation, OrganisationKind, Resource, Role, User
from booking.permissions import can_manage_organisation
from booking.services import accounts
from booking.services.resource_input import has_control_characters


@dataclass(frozen=True)
class OrganisationSummary:
    """An organisation with what the platform administrator counts."""

    organisation: Organisation
    members: int
    resources: int


def admit_organisation(actor: User, *, name: str, kind: str, admin_name: str,
                       admin_email: str, first_password: str,
                       description: str = "") -> tuple[Organisation, User]:
    """Admit an organisation with its first administrator, who must change the password."""
    _require_platform_admin(actor)
    errors = {**_organisation_errors(name, kind),
              **_person_errors(admin_name, admin_email, first_password, name,
                               keys=("admin_name", "admin_email", "first_password"))}
    if errors:
        raise InvalidInput(errors)
    try:
        organisation = accounts.create_organisation(name, kind, description, commit=False)
        admin = accounts.create_user(email=admin_email, name=admin_name,
                                     password=first_password, organisation=organisation,
                                     role=Role.ORG_ADMIN, must_change_password=True,
                                     commit=False)
        events.publish(MemberChanged(Action.MEMBER_ADDED, actor, admin, {},
                                     {"role": admin.role.value}))
        db.session.commit()
    except (InvalidInput, IntegrityError) as exc:  # someone took the name or e-mail just now
        db.session.rollback()
        raise InvalidInput({"name": [_l("Someone admitted this organisation or person a moment "
                                        "ago. Look at the list and try again.")]}) from exc
    return organisation, admin


def add_member(actor: User, organisation_id: int, *, name: str, email: str,
               first_password: str, role: str = Role.MEMBER) -> User:
    """Add a person to an organisation the actor manages; every problem is told at its field."""
    organisation = managed_organisation(actor, organisation_id)
    errors = _person_errors(name, email, first_password, organisation.name,
                            keys=("name", "email", "password"))
    if not isinstance(role, str) or role not in set(Role):
        errors["role"] = [_l("Unknown role.")]
    if errors:
        raise InvalidInput(errors)
    try:
        return accounts.add_member(actor, organisation, email=email, name=name,
                                   first_password=first_password, role=role)
    except (InvalidInput, IntegrityError) as exc:  # the e-mail was taken a moment ago
        db.session.rollback()
        raise InvalidInput({"email": [_l("A person with this e-mail address already exists.")]}) \
            from exc


def _organisation_errors(name, kind) -> dict[str, list]:
    errors = {}
    if not isinstance(name, str) or not name.strip():
        errors["name"] = [_l("Give a name.")]
    elif has_control_characters(name):
        errors["name"] = [_l("Remove the invisible control characters.")]
    elif len(name.strip()) > NAME_LENGTH:
        errors["name"] = [_l("Use at most %(n)d characters.", n=NAME_LENGTH)]
    elif accounts.find_organisation_by_name(name):
        errors["name"] = [_l("An organisation with this name already exists.")]
    if not isinstance(kind, str) or kind not in set(OrganisationKind):
        errors["kind"] = [_l("Unknown kind of organisation.")]
    return errors


def _person_errors(name, email, password, organisation_name, *,
                   keys: tuple[str, str, str]) -> dict[str, list]:
    """Name, e-mail and first password of a new person, under the form's field names."""
    name_key, email_key, password_key = keys
    errors = {}
    if problem := accounts.name_problem(name):
        errors[name_key] = [problem]
    if (not isinstance(email, str) or "@" not in email or len(email) > EMAIL_LENGTH
            or has_control_characters(email)):
        errors[email_key] = [_l("Give an e-mail address.")]
    elif accounts.find_user_by_email(email):
        errors[email_key] = [_l("A person with this e-mail address already exists.")]
    if problem := accounts.password_problem(password, email=email, name=name,
                                            organisation_name=organisation_name):
        errors[password_key] = [problem]
    return errors


def set_organisation_active(actor: User, organisation_id: int, active: bool) -> Organisation:
    """Suspend or readmit an organisation.

    While it is suspended its people cannot sign in (so they book nothing) and its resources
    cannot be found or booked. Bookings already made, by it and on its resources, stay as
    they are: readmitting it restores everything, and the other side may still cancel them.
    """
    _require_platform_admin(actor)
    organisation = _get(organisation_id)
    if not active and organisation.id == actor.organisation_id:
        raise InvalidInput({"organisation": [_l("You cannot deactivate your own organisation.")]})
    if organisation.is_active != bool(active):
        if not active:
            accounts.keep_a_platform_admin(without_organisation=organisation.id,
                                           field="organisation")
        organisation.is_active = bool(active)
        db.session.flush()
        events.publish(OrganisationChanged(Action.ORGANISATION_READMITTED if active
                                           else Action.ORGANISATION_SUSPENDED, actor,
                                           organisation))
    db.session.commit()
    return organisation


def list_organisations(actor: User) -> list[OrganisationSummary]:
    """Every organisation by name, with how many people and resources it has."""
    _require_platform_admin(actor)
    members = (sa.select(sa.func.count(User.id)).where(User.organisation_id == Organisation.id)
               .scalar_subquery())
    resources = (sa.select(sa.func.count(Resource.id))
                 .where(Resource.organisation_id == Organisation.id).scalar_subquery())
    rows = db.session.execute(sa.select(Organisation, members, resources)
                              .order_by(Organisation.name))
    return [OrganisationSummary(org, m, r) for org, m, r in rows]


def all_organisations() -> list[Organisation]:
    """Every organisation, suspended ones too, by name (to name those an entry mentions)."""
    return list(db.session.scalars(sa.select(Organisation).order_by(Organisation.name)))


def active_organisations() -> list[Organisation]:
    """The organisations that take part now, by name (for pickers and filters)."""
    return list(db.session.scalars(
        sa.select(Organisation).where(Organisation.is_active).order_by(Organisation.name)))


def managed_organisation(actor: User, organisation_id: int) -> Organisation:
    """The organisation, if the actor administers it."""
    organisation = _get(organisation_id)
    if not can_manage_organisation(actor, organisation.id):
        raise NotAllowed(_l("You cannot manage this organisation."))
    return organisation


def members_of(organisation: Organisation) -> list[User]:
    return list(db.session.scalars(sa.select(User).where(
        User.organisation_id == organisation.id).order_by(User.name, User.email)))


def resources_of(organisation: Organisation) -> list[Resource]:
    return list(db.session.scalars(sa.select(Resource).where(
        Resource.organisation_id == organisation.id).order_by(Resource.name, Resource.id)))


def change_member_role(actor: User, user_id: int, role: str) -> User:
    """Give a person another role; the people above the actor and the actor stay as they are."""
    user = _member_for(actor, user_id)
    if not isinstance(role, str) or role not in set(Role):
        raise InvalidInput({"role": [_l("Unknown role.")]})
    if user.id == actor.id:
        raise InvalidInput({"role": [_l("You cannot change your own role.")]})
    accounts.set_member_role(actor, user, role)
    return user


def change_member_active(actor: User, user_id: int, active: bool) -> User:
    """Deactivate or reactivate a person of an organisation the actor manages."""
    user = _member_for(actor, user_id)
    if user.id == actor.id and not active:
        raise InvalidInput({"user": [_l("You cannot deactivate yourself.")]})
    accounts.set_member_active(actor, user, bool(active))
    return user


def _member_for(actor: User, user_id: int) -> User:
    """A person the actor may manage: an org admin never manages a platform admin."""
    user = db.session.get(User, user_id) if 0 < user_id <= MAX_ID else None
    if user is None:
        raise NotFound(_l("There is no such person."))
    if not can_manage_organisation(actor, user.organisation_id) or (
            user.is_platform_admin and not actor.is_platform_admin):
        raise NotAllowed(_l("You cannot manage this organisation's people."))
    return user


def _get(organisation_id: int) -> Organisation:
    organisation = (db.session.get(Organisation, organisation_id)
                    if 0 < organisation_id <= MAX_ID else None)
    if organisation is None:
        raise NotFound(_l("There is no such organisation."))
    return organisation


def _require_platform_admin(actor: User) -> None:
    if not actor.is_platform_admin:
        raise NotAllowed(_l("Only a platform administrator can do this."))
