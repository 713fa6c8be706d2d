"""The catalogue: browse and search resources, read their rules, and manage them."""

from __future__ import annotations

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from babel.dates import get_day_names
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from booking.db_types import utcnow
from booking.exceptions import BookingsWouldBreak, InvalidInput
from booking.forms.catalogue import (KIND_LABELS, HoursForm, ResourceForm, ResourceSearchForm,
                                     group_windows, resource_form_data)
from booking.messages import describe_breach, format_minutes, format_span
from booking.models import Resource
from booking.permissions import can_book, can_keep_hours, can_manage_resource
from booking.scheduling import Interval
from booking.services import listings, organisations
from booking.services import resources as catalogue
from booking.urls import safe_next

bp = Blueprint("resources", __name__, url_prefix="/resources")


@bp.app_context_processor
def catalogue_words():
    """Kind names for every template that shows resources."""
    return {"resource_kind_label": lambda kind: KIND_LABELS.get(kind, kind)}


@bp.get("/")
@login_required
def index():
    """Browse and search the resources the person's organisation may book."""
    form = ResourceSearchForm(request.args)
    form.set_organisations(organisations.active_organisations())
    if request.args:
        form.validate()  # a rejected filter is shown and left out; the others still apply
    try:
        found = catalogue.search_resources(current_user, **form.filters())
    except InvalidInput:
        found = []
    per_page = current_app.config["ITEMS_PER_PAGE"]
    page = max(1, request.args.get("page", 1, type=int))
    pages = max(1, -(-len(found) // per_page))
    page = min(page, pages)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("resources/index.html", form=form, total=len(found),
                           resources=found[(page - 1) * per_page:page * per_page],
                           page=page, pages=pages, args=args)


@bp.get("/<int:resource_id>")
@login_required
def detail(resource_id: int):
    """Everything about a resource, its rules in plain words."""
    resource = catalogue.get_resource(current_user, resource_id)
    now = utcnow()
    closures = [(format_span(Interval(c.start_at, c.end_at), resource.timezone), c.reason)
                for c in resource.closures if c.end_at > now]
    can_manage = can_manage_resource(current_user, resource)
    return render_template(
        "resources/detail.html", resource=resource, rules=describe_rules(resource),
        closures=closures, can_manage=can_manage, may_book=can_book(current_user, resource),
        keeps_hours=can_keep_hours(current_user, resource),
        kept=listings.kept_without_access(resource, now=now) if can_manage else [])


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Add a resource to the catalogue (a platform administrator picks the owner)."""
    if not current_user.is_org_admin:
        abort(403)
    form = ResourceForm(data={"organisation_id": request.args.get("organisation", type=int)})
    people = (_people_of(*organisations.active_organisations())
              if current_user.is_platform_admin else _people_of(current_user.organisation))
    form.setup(organisations.active_organisations(),
               choose_owner=current_user.is_platform_admin, people=people)
    if form.validate_on_submit():
        owner = (form.organisation_id.data if current_user.is_platform_admin
                 else current_user.organisation_id)
        try:
            resource = catalogue.create_resource(current_user, owner, form.to_data())
        except InvalidInput as exc:
            form.show_errors(exc)
        else:
            flash(_("%(name)s is in the catalogue.", name=resource.name), "success")
            return redirect(url_for("resources.detail", resource_id=resource.id))
    return render_template("resources/form.html", form=form, resource=None)


@bp.route("/<int:resource_id>/edit", methods=["GET", "POST"])
@login_required
def edit(resource_id: int):
    """Change a resource, its opening hours, closures and who may book it."""
    resource = catalogue.get_resource(current_user, resource_id)
    if not can_manage_resource(current_user, resource):
        abort(403)
    form = ResourceForm(data=None if request.method == "POST" else resource_form_data(resource))
    form.setup(organisations.active_organisations(), choose_owner=False,
               people=_people_of(resource.organisation))
    breaches = []
    if form.validate_on_submit():
        try:
            catalogue.update_resource(current_user, resource.id, form.to_data())
        except InvalidInput as exc:
            form.show_errors(exc)
        except BookingsWouldBreak as exc:
            breaches = describe_breaches(exc)
        else:
            flash(_("Your changes are saved."), "success")
            return redirect(url_for("resources.detail", resource_id=resource.id))
    return render_template("resources/form.html", form=form, resource=resource,
                           breaches=breaches), 409 if breaches else 200


@bp.route("/<int:resource_id>/hours", methods=["GET", "POST"])
@login_required
def hours(resource_id: int):
    """Weekly hours and closures only: the page of the person a staff resource names."""
    resource = catalogue.get_resource(current_user, resource_id)
    if not can_keep_hours(current_user, resource):
        abort(403)
    data = resource_form_data(resource)
    form = HoursForm(data=None if request.method == "POST" else {
        "windows": data["windows"], "closures": data["closures"]})
    form.add_blank_closures()
    breaches = []
    if form.validate_on_submit():
        try:
            catalogue.update_resource_fields(
                current_user, resource.id, windows=list(getattr(form, "parsed_windows", [])),
                closures=form.closure_data(resource.timezone))
        except InvalidInput as exc:
            form.show_errors(exc)
        except BookingsWouldBreak as exc:
            breaches = describe_breaches(exc)
        else:
            flash(_("Your hours are saved."), "success")
            return redirect(url_for("resources.detail", resource_id=resource.id))
    return render_template("resources/hours.html", form=form, resource=resource,
                           breaches=breaches), 409 if breaches else 200


def _people_of(*owners) -> list:
    """Who may be named as a staff resource's person: the owners' active members."""
    return [p for owner in owners for p in organisations.members_of(owner)
            if p.is_active_account]


def describe_breaches(exc: BookingsWouldBreak) -> list[tuple[int, str]]:
    """Each booking the new rules would break, as its id and a sentence."""
    return [(b.booking_id, describe_breach(b, exc.zone)) for b in exc.breaches]


@bp.post("/<int:resource_id>/deactivate")
@login_required
def deactivate(resource_id: int):
    """Take the resource out of the catalogue; its bookings stay."""
    resource = catalogue.set_resource_active(current_user, resource_id, False)
    flash(_("%(name)s is no longer offered.", name=resource.name), "info")
    return _back_to(resource)


@bp.post("/<int:resource_id>/activate")
@login_required
def activate(resource_id: int):
    """Offer the resource again."""
    resource = catalogue.set_resource_active(current_user, resource_id, True)
    flash(_("%(name)s is offered again.", name=resource.name), "success")
    return _back_to(resource)


def _back_to(resource: Resource):
    fallback = url_for("resources.detail", resource_id=resource.id)
    return redirect(safe_next(request.form.get("next"), fallback))


def describe_rules(resource: Resource) -> list[str]:
    """The booking rules as sentences a person understands."""
    rules = [_opening_hours(resource)]
    if resource.capacity > 1:
        rules.append(ngettext("%(num)d place: several bookings can share it.",
                              "%(num)d places: several bookings can share it.",
                              resource.capacity))
    if resource.slot_minutes:
        rules.append(_("Booked in slots of %(length)s.",
                       length=format_minutes(resource.slot_minutes)))
    if resource.min_minutes:
        rules.append(_("A booking lasts at least %(length)s.",
                       length=format_minutes(resource.min_minutes)))
    if resource.max_minutes:
        rules.append(_("A booking lasts at most %(length)s.",
                       length=format_minutes(resource.max_minutes)))
    if resource.notice_minutes:
        rules.append(_("Book at least %(length)s ahead.",
                       length=format_minutes(resource.notice_minutes)))
    if resource.horizon_days:
        rules.append(ngettext("Can be booked up to %(num)d day ahead.",
                              "Can be booked up to %(num)d days ahead.", resource.horizon_days))
    for minutes, sentence in ((resource.buffer_before_minutes,
                               _("%(length)s are kept free before each booking.")),
                              (resource.buffer_after_minutes,
                               _("%(length)s are kept free after each booking."))):
        if minutes:
            rules.append(sentence % {"length": format_minutes(minutes)})
    rules.append(_("Needs approval by %(owner)s.", owner=resource.organisation.name)
                 if resource.approval_required else _("Bookings are confirmed at once."))
    rules.append(_who_may_book(resource))
    return rules


def _opening_hours(resource: Resource) -> str:
    zone = resource.timezone
    if not resource.windows:
        return _("Open at any time (times in %(zone)s).", zone=zone)
    parts = []
    for runs, start, end in group_windows((w.weekday, w.start_time, w.end_time)
                                          for w in resource.windows):
        names = get_day_names("wide", locale=get_locale())
        days = ", ".join(names[a] if a == b else f"{names[a]}–{names[b]}" for a, b in runs)
        parts.append(f"{days} {start:%H:%M}–{end:%H:%M}")
    return _("Open %(hours)s (%(zone)s).", hours="; ".join(parts), zone=zone)


def _who_may_book(resource: Resource) -> str:
    if resource.open_to_all:
        return _("Every member organisation may book.")
    others = [o.name for o in resource.allowed_organisations
              if o.id != resource.organisation_id]
    if not others:
        return _("Only %(owner)s may book.", owner=resource.organisation.name)
    return _("Only these organisations may book: %(names)s.",
             names=", ".join([resource.organisation.name, *others]))
