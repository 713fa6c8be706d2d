"""Recurring bookings: preview the dates, book them, handle them as one or date by date."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from booking.exceptions import Conflict, InvalidInput, NotAllowed, SeriesConflict, StateConflict
from booking.forms.bookings import ConfirmForm, RejectForm
from booking.forms.series import SeriesEditForm, SeriesForm
from booking.messages import describe, series_outcome
from booking.permissions import can_manage_resource
from booking.services import series as series_service
from booking.services import terms
from booking.services.bookings import BookingRequest
from booking.services.series import SeriesRequest
from booking.timezones import local_to_utc
from booking.urls import safe_next
from booking.views.helpers import bookable_resource, show_field_errors
from booking.views.series_preview import series_preview

bp = Blueprint("series", __name__, url_prefix="/series")


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Fill in the pattern, preview every date, then book all or only the free ones."""
    form = SeriesForm(request.form if request.method == "POST" else request.args)
    _term_choices(form)
    resource = bookable_resource(form.resource_id.data)
    if request.method == "GET":
        return _render(form, resource)
    if not form.validate():
        return _render(form, resource), 422
    action = request.form.get("action")
    try:
        series_request = _series_request(form, resource, only_free=action == "book_free")
        if action not in ("book", "book_free"):
            verdicts = series_service.preview_series(current_user, series_request)
            return _render(form, resource, verdicts=verdicts, series_request=series_request)
        series, booked, skipped = series_service.create_series(current_user, series_request)
    except InvalidInput as exc:
        show_field_errors(form, exc)
        return _render(form, resource), 422
    except SeriesConflict as exc:
        return _render(form, resource, verdicts=exc.verdicts, series_request=series_request,
                       refused=True), 409
    flash(series_outcome(booked, len(skipped), resource.organisation.name), "success")
    return redirect(url_for("series.detail", series_id=series.id))


def _series_request(form: SeriesForm, resource, *, only_free: bool = False) -> SeriesRequest:
    holidays: dict = {}
    try:
        if form.term.data:
            term = terms.find_term(form.term.data)
            if term is None:
                raise InvalidInput({"term": _("Choose a term from the list.")})
            form.until.data = term.last_day  # the pattern checks its own fields
            recurrence, holidays = terms.term_recurrence(
                form.recurrence(), term, current_user.organisation_id, form.start.data.date())
        else:
            recurrence = form.recurrence()
    except ValueError as exc:
        raise InvalidInput({"freq": str(exc)}) from None
    first = BookingRequest(resource.id, local_to_utc(form.start.data, resource.timezone),
                           local_to_utc(form.end.data, resource.timezone),
                           form.quantity.data or 1, form.title.data or "")
    return SeriesRequest(first, recurrence,
                         skip_conflicts=only_free or form.on_conflict.data == "skip",
                         skip_closures=form.closures.data == "skip", holidays=holidays)


def _render(form, resource, *, verdicts=None, series_request=None, refused=False):
    preview = (series_preview(verdicts, series_request, resource)
               if verdicts is not None and series_request is not None else None)
    return render_template("series/new.html", form=form, resource=resource, preview=preview,
                           refused=refused)


def _term_choices(form: SeriesForm) -> None:
    form.term.choices = [("", _("(no term)"))] + [
        (str(t.id), f"{t.name} ({t.first_day.isoformat()} – {t.last_day.isoformat()})")
        for t in terms.all_terms()]


@bp.get("/<int:series_id>")
@login_required
def detail(series_id: int):
    """Every date of a series with its state, and what can be done with them."""
    series = series_service.visible_series(current_user, series_id)
    return render_template("series/detail.html", series=series,
                           may_change=series_service.may_change(current_user, series),
                           may_cancel=series_service.may_cancel(current_user, series),
                           may_decide=can_manage_resource(current_user, series.resource),
                           form=ConfirmForm(), reject_form=RejectForm(),
                           edit_form=SeriesEditForm(title=series.title))


@bp.post("/<int:series_id>/cancel")
@login_required
def cancel(series_id: int):
    """Cancel the whole series, or one date and all after it."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    from_id = request.form.get("from_booking_id", type=int)
    cancelled = series_service.cancel_series(current_user, series_id, from_booking_id=from_id)
    flash(_("%(n)d dates cancelled.", n=len(cancelled)), "success")
    return redirect(url_for("series.detail", series_id=series_id))


@bp.post("/<int:series_id>/edit")
@login_required
def edit(series_id: int):
    """Change the purpose or the time of the dates to come."""
    form = SeriesEditForm()
    if form.validate_on_submit():
        try:
            series_service.update_series(current_user, series_id, title=form.title.data,
                                         start_time=form.start_time.data,
                                         end_time=form.end_time.data)
        except InvalidInput as exc:
            flash(" ".join(str(m) for msgs in exc.fields.values() for m in msgs), "error")
        except SeriesConflict as exc:
            flash(_("Not changed: %(n)d dates would clash or break a rule, e.g. %(why)s",
                    n=len(exc.refused), why=describe(exc.refused[0].reasons[0], exc.zone)),
                  "error")
        except NotAllowed as exc:
            flash(str(exc.message), "error")
        else:
            flash(_("The series is changed."), "success")
    else:
        flash(_("Please check the new times."), "error")
    return redirect(url_for("series.detail", series_id=series_id))


@bp.post("/<int:series_id>/approve")
@login_required
def approve(series_id: int):
    """Approve every pending date at once."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        approved = series_service.approve_series(current_user, series_id)
    except SeriesConflict as exc:
        flash(_("%(n)d of the dates no longer fit, e.g. %(why)s Approve them one by one.",
                n=len(exc.refused), why=describe(exc.refused[0].reasons[0], exc.zone)),
              "error")
    except (Conflict, StateConflict, NotAllowed) as exc:
        flash(str(exc.message), "error")
    else:
        flash(ngettext("%(num)d date approved.", "%(num)d dates approved.", len(approved)),
              "success")
    return _back(series_id)


@bp.post("/<int:series_id>/reject")
@login_required
def reject(series_id: int):
    """Turn down every pending date at once, with one reason."""
    form = RejectForm()
    if not form.validate_on_submit():
        flash(_("The reason is too long."), "error")
        return redirect(url_for("series.detail", series_id=series_id))
    try:
        rejected = series_service.reject_series(current_user, series_id, form.reason.data or "")
    except StateConflict as exc:
        flash(str(exc.message), "error")
    else:
        flash(ngettext("%(num)d date rejected.", "%(num)d dates rejected.", len(rejected)),
              "success")
    return _back(series_id)


def _back(series_id: int):
    """To the page the decision was made on (the requests, the home page), else the series."""
    return redirect(safe_next(request.form.get("next"),
                              url_for("series.detail", series_id=series_id)))
