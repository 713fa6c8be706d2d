"""Booking pages: book, see, cancel, my bookings, requests awaiting approval."""

from __future__ import annotations

import re

from flask import (Blueprint, abort, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from booking.db_types import utcnow
from booking.exceptions import Conflict, InvalidInput, NotAllowed, StateConflict
from booking.forms.bookings import BookingForm, ConfirmForm, RejectForm
from booking.messages import Refused, describe, format_day, format_moment, format_span
from booking.models import Booking, BookingStatus, Resource
from booking.permissions import can_cancel, can_decide, can_see_details
from booking.scheduling import Interval
from booking.services import bookings as booking_service
from booking.services import listings, quotas
from booking.timezones import local_to_utc, to_zone
from booking.urls import is_safe_next, safe_next
from booking.views.helpers import bookable_resource, show_field_errors

bp = Blueprint("bookings", __name__, url_prefix="/bookings")

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Book a resource; a refusal shows every reason and the nearest free times."""
    form = BookingForm(request.form if request.method == "POST" else request.args)
    resource = bookable_resource(form.resource_id.data)
    if request.method == "GET":
        return _render_form(form, resource)
    if not form.validate():
        return _render_form(form, resource), 422
    booking_request = booking_service.BookingRequest(
        resource.id, local_to_utc(form.start.data, resource.timezone),
        local_to_utc(form.end.data, resource.timezone), form.quantity.data or 1,
        form.title.data or "")
    try:
        booking = booking_service.create_booking(current_user, booking_request)
    except InvalidInput as exc:
        show_field_errors(form, exc)
        return _render_form(form, resource), 422
    except Conflict as exc:
        return _refused(form, resource, exc)
    _flash_created(booking)
    return redirect(safe_next(form.next.data, url_for("bookings.detail", booking_id=booking.id)))


def _render_form(form: BookingForm, resource: Resource, refusal: dict | None = None):
    at = (local_to_utc(form.start.data, resource.timezone) if form.start.data and not
          form.start.errors else utcnow())
    return render_template("bookings/new.html", form=form, resource=resource, refusal=refusal,
                           slots=listings.upcoming_free_slots(resource, now=utcnow()),
                           allowance=quotas.allowance(current_user, resource, at))


def _refused(form: BookingForm, resource: Resource, exc: Conflict):
    refusal = describe_refusal(exc, resource, form)
    if is_safe_next(form.next.data):
        session["refusal"] = refusal
        return redirect(form.next.data)
    return _render_form(form, resource, refusal), 409


def describe_refusal(exc: Conflict, resource: Resource, form: BookingForm) -> dict:
    """A refusal as plain data: sentences, and alternatives as local wall-clock times."""
    refused = refusal_context(resource, Interval(
        local_to_utc(form.start.data, resource.timezone),
        local_to_utc(form.end.data, resource.timezone)))
    return {
        "resource_id": resource.id,
        "messages": [describe(reason, resource.timezone, refused) for reason in exc.reasons]
                    or [exc.message or _("This time cannot be booked.")],
        "alternatives": [[to_zone(alt.start, resource.timezone).strftime(LOCAL_FORMAT),
                          to_zone(alt.end, resource.timezone).strftime(LOCAL_FORMAT)]
                         for alt in exc.alternatives],
        "labels": [format_span(alt, resource.timezone) for alt in exc.alternatives],
        "title": form.title.data or "",
        "quantity": form.quantity.data or 1,
        **other_choices(exc, resource),
    }


def other_choices(exc: Conflict, resource: Resource) -> dict:
    """The other kinds of alternatives (services.checks): each one button on the page."""
    verdict, zone = exc.verdict, resource.timezone
    if verdict is None:
        return {"later": [], "elsewhere": [], "places_left": None}

    def local(moment) -> str:
        return to_zone(moment, zone).strftime(LOCAL_FORMAT)

    return {"later": [[local(p.start), local(p.end), format_span(p, zone)]
                      for p in verdict.later_days],
            "elsewhere": [[rid, name, local(verdict.period.start), local(verdict.period.end)]
                          for rid, name in verdict.elsewhere],
            "places_left": verdict.places_left,
            "when": [local(verdict.period.start), local(verdict.period.end),
                     format_span(verdict.period, zone)]}


def refusal_context(resource: Resource, period: Interval) -> Refused:
    """What the sentences of a refusal of *period* may name beyond its reasons: the buffers."""
    return Refused(period, resource.buffer_before_minutes, resource.buffer_after_minutes)


def _flash_created(booking: Booking) -> None:
    if booking.status is BookingStatus.PENDING:
        flash(_("Your request is sent. The time is held for you until %(org)s decides.",
                org=booking.resource.organisation.name), "success")
    else:
        flash(_("Booked: %(what)s, %(when)s.", what=booking.resource.name,
                when=format_span(booking.period, booking.resource.timezone)), "success")


@bp.get("/<int:booking_id>")
@login_required
def detail(booking_id: int):
    """One booking; another organisation's purpose shows only as busy."""
    booking = booking_service.visible_booking(current_user, booking_id)
    return render_template("bookings/detail.html", booking=booking,
                           may_see=can_see_details(current_user, booking),
                           may_cancel=can_cancel(current_user, booking) and booking.occupies,
                           may_decide=can_decide(current_user, booking)
                           and booking.status is BookingStatus.PENDING,
                           form=ConfirmForm(), reject_form=RejectForm())


@bp.route("/<int:booking_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(booking_id: int):
    """Ask for confirmation, then cancel: the time is free again at once."""
    booking = booking_service.cancellable_booking(current_user, booking_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            booking_service.cancel_booking(current_user, booking.id)
        except StateConflict as exc:
            flash(str(exc.message), "error")
        else:
            flash(_("The booking is cancelled."), "success")
        return redirect(url_for("bookings.detail", booking_id=booking.id))
    return render_template("bookings/cancel.html", booking=booking, form=form)


@bp.get("/")
@login_required
def mine():
    """The person's bookings, upcoming or past."""
    past = request.args.get("when") == "past"
    rows = listings.my_booking_rows(current_user, upcoming=not past, now=utcnow())
    others = any(b.user_id != current_user.id for row in rows
                 for b in (row.bookings if isinstance(row, listings.SeriesRow) else [row]))
    return render_template("bookings/mine.html", bookings=rows, past=past, show_booker=others)


@bp.get("/organisation")
@login_required
def organisation():
    """Bookings of our organisation's resources (org admins)."""
    if not current_user.is_org_admin:
        abort(403)
    past = request.args.get("when") == "past"
    bookings = listings.organisation_resource_bookings(current_user, upcoming=not past,
                                                       now=utcnow())
    return render_template("bookings/organisation.html", bookings=bookings, past=past)


@bp.get("/requests")
@login_required
def approvals():
    """Requests awaiting a decision on our resources."""
    if not current_user.is_org_admin:
        abort(403)
    return render_template("bookings/requests.html",
                           requests=listings.pending_requests(current_user),
                           form=ConfirmForm(), reject_form=RejectForm())


@bp.post("/<int:booking_id>/approve")
@login_required
def approve(booking_id: int):
    """Confirm a request after checking the rules again."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        booking = booking_service.approve_booking(current_user, booking_id)
    except Conflict as exc:
        reasons = " ".join(describe(r, exc.zone) for r in exc.reasons)
        flash(_("It cannot be approved any more: %(reasons)s", reasons=reasons or exc.message),
              "error")
    except (StateConflict, NotAllowed) as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("Approved: %(who)s, %(when)s.", who=booking.organisation.name,
                when=format_span(booking.period, booking.resource.timezone)), "success")
    return redirect(safe_next(request.form.get("next"), url_for("bookings.approvals")))


@bp.post("/<int:booking_id>/reject")
@login_required
def reject(booking_id: int):
    """Turn a request down with a reason."""
    form = RejectForm()
    if not form.validate_on_submit():
        flash(_("The reason is too long."), "error")
        return redirect(url_for("bookings.approvals"))
    try:
        booking_service.reject_booking(current_user, booking_id, form.reason.data or "")
    except StateConflict as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("The request is rejected."), "success")
    return redirect(safe_next(request.form.get("next"), url_for("bookings.approvals")))


@bp.app_template_global()
def free_slots_for(resource: Resource) -> list:
    """Free slots of the coming week, for the resource page's buttons."""
    return listings.upcoming_free_slots(resource, now=utcnow())


@bp.app_template_filter("local")
def local_time(moment, zone: str, fmt: str | None = None) -> str:
    """A moment in *zone*: date and time in the reader's language, or digits in *fmt*.

    Only digits go through strftime, which knows English names alone.
    """
    if fmt is None:
        return format_moment(moment, zone)
    if re.search(r"%[aAbBcpx]", fmt):
        raise ValueError(f"{fmt!r} would print English names; use local_date")
    return to_zone(moment, zone).strftime(fmt)


@bp.app_template_filter("local_date")
def local_date(moment, zone: str, skeleton: str = "yMMMEd") -> str:
    return format_day(moment, zone, skeleton)


def slot_link(resource: Resource, period: Interval, **extra) -> str:
    """The booking form, prefilled with a period."""
    return url_for("bookings.new", resource_id=resource.id,
                   start=to_zone(period.start, resource.timezone).strftime(LOCAL_FORMAT),
                   end=to_zone(period.end, resource.timezone).strftime(LOCAL_FORMAT), **extra)


bp.add_app_template_global(slot_link, "slot_link")
