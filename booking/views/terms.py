"""Terms of the consortium (the platform admin's) and each member's holidays inside them."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from booking import ical_import
from booking.db_types import utcnow
from booking.exceptions import InvalidInput
from booking.services import terms
from booking.views.feeds import ImportForm

bp = Blueprint("terms", __name__, url_prefix="/admin/terms")


@bp.before_request
@login_required
def require_admin():
    if not current_user.is_org_admin:
        abort(403)


@bp.get("")
def index():
    return _page()


@bp.post("")
def create():
    """Platform admins: a new term."""
    form = request.form
    try:
        term = terms.create_term(current_user, form.get("name", ""), _day(form.get("first_day")),
                                 _day(form.get("last_day")))
    except InvalidInput as exc:
        return _page(errors=_flat(exc), values=form), 422
    flash(_("The term %(name)s was added.", name=term.name), "success")
    return redirect(url_for("terms.index"))


@bp.post("/<int:term_id>/delete")
def delete(term_id: int):
    terms.delete_term(current_user, term_id)
    flash(_("The term was deleted."), "success")
    return redirect(url_for("terms.index"))


@bp.post("/<int:term_id>/holidays")
def add_holiday(term_id: int):
    """One holiday of the admin's organisation: a name, a first and a last day."""
    form = request.form
    first, last = _day(form.get("first_day")), _day(form.get("last_day"))
    try:
        if first is None or last is None:
            raise InvalidInput({"holidays": _("Give the first and the last day as YYYY-MM-DD.")})
        terms.add_holidays(current_user, current_user.organisation_id, term_id,
                           [(first, last, form.get("name", "")[:300])])
    except InvalidInput as exc:
        return _page(errors=_flat(exc), values=form), 422
    flash(_("The holiday was added."), "success")
    return redirect(url_for("terms.index") + f"#term-{term_id}")


@bp.post("/holidays/<int:holiday_id>/delete")
def delete_holiday(holiday_id: int):
    terms.delete_holiday(current_user, holiday_id)
    flash(_("The holiday was removed."), "success")
    return redirect(url_for("terms.index"))


@bp.route("/<int:term_id>/holidays/import", methods=["GET", "POST"])
def import_holidays(term_id: int):
    """Every event of an .ics file (a school's calendar) becomes a holiday of the organisation."""
    term = terms.find_term(term_id) or abort(404)
    form = ImportForm()
    if form.validate_on_submit():
        data = form.file.data.read(ical_import.MAX_IMPORT_BYTES + 1)
        try:
            zone = current_user.timezone
            closures = ical_import.parse_closures(data, zone, now=utcnow())
            added = terms.add_holidays(current_user, current_user.organisation_id, term.id,
                                       terms.days_of_closures(closures, zone))
        except InvalidInput as exc:
            for messages in exc.fields.values():
                form.form_errors.extend(messages if isinstance(messages, list) else [messages])
        else:
            flash(_("%(n)d holidays were added.", n=added), "success")
            return redirect(url_for("terms.index") + f"#term-{term.id}")
    return render_template("admin/holidays_import.html", form=form, term=term,
                           max_kb=ical_import.MAX_IMPORT_BYTES // 1024,
                           max_events=ical_import.MAX_IMPORT_EVENTS), 422 if form.errors else 200


def _page(errors: dict | None = None, values=None):
    return render_template("admin/terms.html", terms=terms.all_terms(), errors=errors or {},
                           values=values or {}, holidays_of=terms.holidays_of)


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text and len(text) == 10 else None
    except ValueError:
        return None


def _flat(exc: InvalidInput) -> dict:
    return {k: (v[0] if isinstance(v, list) else v) for k, v in exc.fields.items()}
