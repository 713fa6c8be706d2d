"""Administration: an organisation's people and resources; the platform's organisations."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from booking.exceptions import InvalidInput
from booking.forms.admin import (ORGANISATION_KIND_LABELS, ROLE_LABELS, AddMemberForm,
                                 AdmitOrganisationForm, role_choices)
from booking.models import Organisation
from booking.services import organisations
from booking.urls import safe_next
from booking.views.helpers import show_field_errors

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def require_admin():
    """Members who administer nothing are not let in at all."""
    if not current_user.is_org_admin:
        abort(403)


@bp.app_context_processor
def admin_words():
    return {"role_label": lambda role: ROLE_LABELS.get(role, role),
            "organisation_kind_label": lambda kind: ORGANISATION_KIND_LABELS.get(kind, kind)}


@bp.get("/organisation", defaults={"organisation_id": None})
@bp.get("/organisations/<int:organisation_id>")
def organisation(organisation_id: int | None):
    """An organisation's people and resources (your own unless you are a platform admin)."""
    organisation = organisations.managed_organisation(
        current_user, organisation_id or current_user.organisation_id)
    return _organisation_page(organisation, AddMemberForm(
        platform_admin=current_user.is_platform_admin, formdata=None))


@bp.post("/organisations/<int:organisation_id>/members")
def add_member(organisation_id: int):
    """Add a person who must change the first password at first sign-in."""
    organisation = organisations.managed_organisation(current_user, organisation_id)
    form = AddMemberForm(platform_admin=current_user.is_platform_admin)
    if form.validate_on_submit():
        try:
            user = organisations.add_member(current_user, organisation.id, email=form.email.data,
                                            name=form.name.data,
                                            first_password=form.password.data,
                                            role=form.role.data)
        except InvalidInput as exc:
            show_field_errors(form, exc)
        else:
            flash(_("%(name)s can now sign in with the first password.", name=user.name),
                  "success")
            return redirect(_page_of(organisation))
    return _organisation_page(organisation, form)


@bp.post("/members/<int:user_id>/role")
def change_role(user_id: int):
    """Make a person a member or an administrator of their organisation."""
    role = request.form.get("role", "")
    return _member_action(lambda: organisations.change_member_role(current_user, user_id, role),
                          lambda user: _("%(name)s is now: %(role)s.", name=user.name,
                                         role=ROLE_LABELS[user.role]))


@bp.post("/members/<int:user_id>/deactivate")
def deactivate_member(user_id: int):
    """Stop a person signing in and booking; their bookings stay."""
    return _member_action(lambda: organisations.change_member_active(current_user, user_id, False),
                          lambda user: _("%(name)s can no longer sign in.", name=user.name))


@bp.post("/members/<int:user_id>/activate")
def activate_member(user_id: int):
    """Let a person sign in again."""
    return _member_action(lambda: organisations.change_member_active(current_user, user_id, True),
                          lambda user: _("%(name)s can sign in again.", name=user.name))


def _member_action(action, message):
    """Run a change to one person; a refusal is told on the organisation page."""
    try:
        user = action()
    except InvalidInput as exc:
        _flash_errors(exc)
        return redirect(safe_next(request.form.get("next"), url_for("admin.organisation")))
    flash(message(user), "success")
    return redirect(_page_of(user.organisation))


def _flash_errors(exc: InvalidInput) -> None:
    for messages in exc.fields.values():
        for text in messages:
            flash(str(text), "error")


@bp.route("/organisations", methods=["GET", "POST"], endpoint="organisations")
def organisations_index():
    """Every member organisation; admit a new one with its first administrator."""
    if not current_user.is_platform_admin:
        abort(403)
    form = AdmitOrganisationForm()
    if form.validate_on_submit():
        try:
            organisation, admin = organisations.admit_organisation(
                current_user, name=form.name.data, kind=form.kind.data,
                description=form.description.data or "", admin_name=form.admin_name.data,
                admin_email=form.admin_email.data, first_password=form.first_password.data)
        except InvalidInput as exc:
            show_field_errors(form, exc)
        else:
            flash(_("%(org)s is admitted; %(email)s can sign in with the first password.",
                    org=organisation.name, email=admin.email), "success")
            return redirect(url_for("admin.organisations"))
    return render_template("admin/organisations.html", form=form,
                           summaries=organisations.list_organisations(current_user))


@bp.post("/organisations/<int:organisation_id>/deactivate")
def deactivate_organisation(organisation_id: int):
    """Suspend an organisation: its people cannot sign in, its resources leave the catalogue."""
    return _set_active(organisation_id, False)


@bp.post("/organisations/<int:organisation_id>/activate")
def activate_organisation(organisation_id: int):
    """Readmit a suspended organisation."""
    return _set_active(organisation_id, True)


def _set_active(organisation_id: int, active: bool):
    try:
        organisation = organisations.set_organisation_active(current_user, organisation_id,
                                                             active)
    except InvalidInput as exc:
        _flash_errors(exc)
    else:
        flash(_("%(org)s is active again.", org=organisation.name) if active else
              _("%(org)s is suspended.", org=organisation.name), "success" if active else "info")
    return redirect(url_for("admin.organisations"))


def _organisation_page(organisation: Organisation, form: AddMemberForm):
    return render_template("admin/organisation.html", organisation=organisation, form=form,
                           members=organisations.members_of(organisation),
                           resources=organisations.resources_of(organisation),
                           role_choices=role_choices(current_user.is_platform_admin))


def _page_of(organisation: Organisation) -> str:
    if organisation.id == current_user.organisation_id:
        return url_for("admin.organisation")
    return url_for("admin.organisation", organisation_id=organisation.id)
