"""The start page."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_login import current_user

from booking.bare import bare
from booking.db_types import utcnow
from booking.services import home as home_service

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    """Signed in: what is coming and what waits for me. Otherwise: what this is."""
    if not current_user.is_authenticated:
        return render_template("main/index.html")
    person = current_user._get_current_object()
    return render_template("main/home.html", home=home_service.home(person, now=utcnow()))


@bp.get("/health")
@bare
def health():
    """A bare endpoint for load balancers and benchmarks."""
    return {"status": "ok"}


@bp.app_context_processor
def navigation():
    """The main menu, showing only what the person can use."""
    return {"nav_items": nav_items}


def nav_items() -> list[tuple[str, str]]:
    if not current_user.is_authenticated:
        return []
    items = [("resources.index", _("Resources")), ("calendar.timeline", _("Calendar")),
             ("bookings.mine", _("My bookings")), ("feeds.index", _("Subscriptions"))]
    if current_user.is_org_admin:
        items += [("bookings.approvals", _("Requests")), ("admin.organisation", _("Organisation")),
                  ("sharing.index", _("Sharing")), ("terms.index", _("Terms"))]
    if current_user.is_platform_admin:
        items.append(("admin.organisations", _("Members")))
    return items
