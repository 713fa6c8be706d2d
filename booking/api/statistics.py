"""The consortium's ledger: who lent what to whom (GET /statistics/sharing), JSON or CSV."""

from __future__ import annotations

from flask import Blueprint, Response, request
from flask_babel import lazy_gettext as _l

from booking.api.auth import api_user
from booking.api.parsing import Reader, reject_unknown_query
from booking.models import ResourceKind
from booking.services import sharing, terms

bp = Blueprint("statistics", __name__)

FILTERS = frozenset({"from", "to", "term_id", "kind", "format"})


@bp.get("/statistics/sharing")
def sharing_table():
    """Owner × borrower: confirmed bookings, hours and place-hours inside the period."""
    user = api_user()
    sharing.require_viewer(user)
    reject_unknown_query(FILTERS)
    query = Reader(request.args, query=True)
    first, last = query.date("from"), query.date("to")
    if query.has("term_id"):  # a term instead of from and to
        term = terms.find_term(query.integer("term_id"))
        if term is None and "term_id" not in query.errors:
            query.fail("term_id", _l("Choose a term from the list."))
        elif term is not None and (first or last):
            query.fail("term_id", _l("Give either a term or from and to."))
        elif term is not None:
            first, last = term.first_day, term.last_day
    kind = query.choice("kind", [k.value for k in ResourceKind])
    answer = query.choice("format", ["json", "csv"], default="json")
    query.raise_if_errors()
    rows = sharing.sharing_rows(user, sharing.period_of(first, last), kind)
    if answer == "csv":
        name = f"sharing-{first.isoformat()}-{last.isoformat()}.csv"
        return Response(sharing.csv_text(rows).encode("utf-8"),
                        content_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return {"from": first.isoformat(), "to": last.isoformat(), "kind": kind,
            "items": [_row(row) for row in rows]}


def _row(row: sharing.Row) -> dict:
    return {"owner": {"id": row.owner.id, "name": row.owner.name},
            "borrower": {"id": row.borrower.id, "name": row.borrower.name},
            "bookings": row.bookings, "hours": row.hours, "place_hours": row.place_hours}
