"""Administration: an organisation's people and resources; the platform's organisations."""

from __future__ import annotations

import json
from typing import Any

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template,
                   request, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from booking.exceptions import InvalidInput
from booking import limits
from booking.forms.admin import (ACTION_LABELS, OBJECT_LABELS, ORGANISATION_KIND_LABELS,
                                 ROLE_LABELS, AddMemberForm, AdmitOrganisationForm,
                                 AuditFilterForm, role_choices)
from booking.models import AuditEntry, Organisation
from booking.services import audit, organisations
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


# ---------------------------------------------------------------------------- audit trail

@bp.get("/audit")
def audit_trail():
    """Who changed what, newest first: the organisation's entries (all for platform admins)."""
    form, wanted = _audit_filter()
    per_page = current_app.config["ITEMS_PER_PAGE"]
    page = min(max(1, request.args.get("page", 1, type=int)), limits.MAX_OFFSET // per_page)
    try:
        rows = audit.entries(current_user, wanted, limit=per_page + 1,
                             offset=(page - 1) * per_page)
    except InvalidInput as exc:
        show_field_errors(form, exc)
        rows = []
    args = {k: v for k, v in request.args.items() if k != "page"}
    names = {o.id: o.name for o in organisations.all_organisations()}
    return render_template("admin/audit.html", form=form, entries=rows[:per_page], page=page,
                           has_next=len(rows) > per_page, args=args, organisation_names=names,
                           action_label=lambda a: ACTION_LABELS.get(a, a),
                           object_label=lambda t: OBJECT_LABELS.get(t, t),
                           object_url=_object_url, changes=audit_changes)


@bp.get("/audit.csv")
def audit_csv():
    """The filtered entries as a spreadsheet (UTF-8 with a byte-order mark, for Excel)."""
    form, wanted = _audit_filter()
    try:
        chunks = audit.export_csv(current_user, wanted)
    except InvalidInput as exc:
        _flash_errors(exc)
        return redirect(url_for("admin.audit_trail", **request.args))
    return Response(chunks, mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="audit.csv"',
                             "Cache-Control": "no-store"})


def _audit_filter() -> tuple[AuditFilterForm, audit.AuditFilter]:
    form = AuditFilterForm(request.args)
    if request.args:
        form.validate()  # a rejected filter is shown and left out; the others still apply
    return form, audit.AuditFilter(**form.filters(current_user.timezone))


def _object_url(entry: AuditEntry) -> str | None:
    if entry.object_id is None:
        return None
    endpoint = {"booking": ("bookings.detail", "booking_id"),
                "series": ("series.detail", "series_id"),
                "resource": ("resources.detail", "resource_id")}.get(entry.object_type)
    if endpoint is None:
        return None
    return url_for(endpoint[0], **{endpoint[1]: entry.object_id})


def audit_changes(details: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    """An entry's details as lines to read: (what, before, after); before is None for facts."""
    details = details if isinstance(details, dict) else {}
    before, after = details.get("before") or {}, details.get("after") or {}
    lines = [(key, _plain(before[key]) if key in before else None, _plain(after.get(key)))
             for key in sorted(set(before) | set(after))]
    for key in sorted(set(details) - {"before", "after"}):
        lines.append((key, None, _plain(details[key])))
    return lines


def _plain(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
