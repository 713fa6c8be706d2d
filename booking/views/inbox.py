"""The inbox (what happened to me, what waits for me) and the choice of mails and reminders."""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField

from booking import limits
from booking.forms import choices
from booking.forms.bookings import ConfirmForm
from booking.models import Kind
from booking.notifications import inbox
from booking.services import listings
from booking.urls import safe_next

bp = Blueprint("inbox", __name__)

KIND_LABELS = {
    Kind.APPROVED: _l("My request was approved"),
    Kind.REJECTED: _l("My request was declined"),
    Kind.CANCELLED: _l("A booking was cancelled by the other side"),
    Kind.MOVED: _l("A booking was changed by the other side"),
    Kind.BOOKED: _l("Someone booked my time (staff resources)"),
    Kind.REMINDER: _l("Reminders before my bookings"),
}
REMINDER_LABELS = {None: _l("No reminders"), 60: _l("1 hour before"),
                   1440: _l("24 hours before")}


class NotificationsForm(FlaskForm):
    reminder = RadioField(_l("Remind me of my bookings"),
                          choices=choices((str(m or ""), REMINDER_LABELS[m])
                                          for m in limits.REMINDER_CHOICES))


for _kind, _label in KIND_LABELS.items():
    setattr(NotificationsForm, f"mail_{_kind.value}", BooleanField(_label))


@bp.get("/inbox")
@login_required
def index():
    """What happened to me, newest first, and what waits for my decision."""
    person = current_user._get_current_object()
    entries = [(e, c, _local(c.link)) for e in inbox.entries(person)
               for c in (inbox.describe(e.note, e.bookings),)]
    waiting = listings.pending_request_count(person) if person.is_org_admin else 0
    failed = inbox.failed_mail() if person.is_platform_admin else (0, [])
    return render_template("inbox/index.html", entries=entries, waiting=waiting,
                           failed_total=failed[0], failed=failed[1], form=ConfirmForm())


def _local(link: str) -> str:
    """The path of a mail's absolute link: the browser stays on the address it uses."""
    parts = urlsplit(link)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@bp.post("/inbox/read")
@login_required
def read_all():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    inbox.mark_read(current_user._get_current_object())
    return redirect(url_for("inbox.index"))


@bp.post("/inbox/<int:note_id>/open")
@login_required
def open_entry(note_id: int):
    """Mark the entry read and go where it points."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    inbox.mark_read(current_user._get_current_object(), note_id)
    return redirect(safe_next(request.form.get("next"), url_for("inbox.index")))


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def settings():
    """Which mails I get, and when my reminder comes."""
    person = current_user._get_current_object()
    setting = inbox.setting_of(person)
    form = NotificationsForm()
    if request.method == "GET":
        form.reminder.data = str(setting.reminder_minutes or "")
        for kind in KIND_LABELS:
            getattr(form, f"mail_{kind.value}").data = kind.value not in (setting.muted or ())
    if form.validate_on_submit():
        mailed = {k.value for k in KIND_LABELS if getattr(form, f"mail_{k.value}").data}
        inbox.save_setting(person, mailed=mailed,
                           reminder_minutes=int(form.reminder.data) if form.reminder.data
                           else None)
        flash(_("Your notification settings are saved."), "success")
        return redirect(url_for("inbox.settings"))
    return render_template("inbox/settings.html", form=form,
                           kinds=[getattr(form, f"mail_{k.value}") for k in KIND_LABELS])


@bp.app_context_processor
def counts():
    """The unread count on the menu and the count on *Requests* (computed when shown, unless
    the request already fixed them: menu_counts)."""
    return {"unread_count": _unread, "requests_count": _requests}


class MenuCounts(NamedTuple):
    requests: int
    unread: int


def menu_counts(*, unread: int | None = None) -> MenuCounts:
    """The menu's counts, read now (*unread*: already read by the caller, as late as this),
    and shown by the menu for the rest of the request.

    A reused page (views.calendar) is kept under these numbers: the page rendered for it
    must show these, not a count that changed while it was being computed.
    """
    fixed = MenuCounts(_requests(), _unread() if unread is None else unread)
    g.menu_counts = fixed
    return fixed


def _unread() -> int:
    if (fixed := g.get("menu_counts")) is not None:
        return fixed.unread
    if not current_user.is_authenticated:
        return 0
    return inbox.unread_count(current_user._get_current_object())


def _requests() -> int:
    if (fixed := g.get("menu_counts")) is not None:
        return fixed.requests
    if not current_user.is_authenticated or not current_user.is_org_admin:
        return 0
    return listings.pending_request_count(current_user._get_current_object())
