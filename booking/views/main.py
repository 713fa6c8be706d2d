"""The start page."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_login import current_user

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    """What the consortium shares, and where to start."""
    return render_template("main/index.html")


@bp.get("/health")
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
        items += [("bookings.approvals", _("Requests")), ("admin.organisation", _("Organisation"))]
    if current_user.is_platform_admin:
        items.append(("admin.organisations", _("Members")))
    return items
