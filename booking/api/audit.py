"""GET /audit: the audit trail, newest first (organisation admins and platform admins)."""

from __future__ import annotations

from flask import Blueprint

from booking import limits
from booking.api import serialise
from booking.api.auth import api_user
from booking.api.parsing import paging, reject_unknown_query
from booking.events import Action
from booking.models.audit import OBJECT_TYPES
from booking.services import audit as service

bp = Blueprint("audit", __name__)

LIST_FILTERS = frozenset({"object_type", "object_id", "actor_id", "actor_email", "action",
                          "organisation_id", "start", "end", "limit", "offset"})


@bp.get("/audit")
def index():
    """Who changed what: members are refused (403), admins see their organisation's entries."""
    user = api_user()
    service.require_reader(user)  # 403 before anything about the query is told
    reject_unknown_query(LIST_FILTERS)
    limit, offset, query = paging()
    wanted = service.AuditFilter(
        object_type=query.choice("object_type", OBJECT_TYPES),
        object_id=query.integer("object_id"), actor_id=query.integer("actor_id"),
        actor_email=query.text("actor_email", max_length=limits.EMAIL_LENGTH),
        action=query.choice("action", [a.value for a in Action]),
        organisation_id=query.integer("organisation_id"),
        start=query.moment("start", "UTC"), end=query.moment("end", "UTC"))
    query.raise_if_errors()
    rows = service.entries(user, wanted, limit=limit + 1, offset=offset)
    return serialise.page([serialise.audit_entry(e) for e in rows], limit, offset)
