"""The Sharing page: who lent what to whom, for a term, a month or any dates (admins only)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from booking.exceptions import InvalidInput
from booking.forms.catalogue import KIND_LABELS
from booking.services import sharing, terms
from booking.services.sharing import Period

bp = Blueprint("sharing", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def require_admin():
    """Members do not see the ledger; org admins see the rows naming their organisation."""
    if not current_user.is_org_admin:
        abort(403)


@bp.get("/sharing")
def index():
    period, kind, errors, choice = _asked()
    report = sharing.report(current_user, period, kind)
    return render_template("admin/sharing.html", report=report, errors=errors, choice=choice,
                           terms=terms.all_terms(), kinds=KIND_LABELS,
                           heat=_heat(report.rows), months=_months(report.months),
                           balance_top=max([max(b.lent, b.borrowed) for b in report.balances]
                                           or [0]))


@bp.get("/sharing.csv")
def export():
    period, kind, _errors, _choice = _asked()
    rows = sharing.sharing_rows(current_user, period, kind)
    name = f"sharing-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return Response(sharing.csv_text(rows).encode("utf-8"), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _asked() -> tuple[Period, str | None, dict, dict]:
    """The period and kind from the query: a term, a month (YYYY-MM) or from/to dates.

    Anything wrong is said on the page, which then shows this month.
    """
    args, errors = request.args, {}
    choice = {"term": args.get("term", ""), "month": args.get("month", ""),
              "from": args.get("from", ""), "to": args.get("to", ""),
              "kind": args.get("kind", "")}
    period = None
    try:
        kind = sharing.check_kind(choice["kind"])
    except InvalidInput as exc:
        errors.update(exc.fields)
        kind = choice["kind"] = None
    if choice["term"]:
        term = terms.find_term(choice["term"])
        if term is None:
            errors["term"] = _("Choose a term from the list.")
        else:
            period = sharing.term_period(term)
    elif choice["month"]:
        period = _month(choice["month"])
        if period is None:
            errors["month"] = _("Give the month as YYYY-MM.")
    elif choice["from"] or choice["to"]:
        try:
            period = sharing.period_of(_day(choice["from"]), _day(choice["to"]))
        except InvalidInput as exc:
            errors.update(exc.fields)
    if period is None:
        period = terms.current_period(date.today())
    return period, kind, {k: (v if isinstance(v, str) else v[0] if isinstance(v, list) else v)
                          for k, v in errors.items()}, choice


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def _month(text: str) -> Period | None:
    try:
        first = date.fromisoformat(f"{text}-01") if len(text) == 7 else None
    except ValueError:
        return None
    if first is None:
        return None
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return Period(first, last)


def _heat(rows: list[sharing.Row]) -> dict:
    """The owner × borrower matrix of hours, each cell with its shade (0 to 5)."""
    owners = sorted({r.owner for r in rows}, key=lambda p: p.name)
    borrowers = sorted({r.borrower for r in rows}, key=lambda p: p.name)
    cells = {(r.owner.id, r.borrower.id): r for r in rows}
    top = max([r.seconds for r in rows] or [0])
    shade = {key: (0 if not top else max(1, round(5 * r.seconds / top)))
             for key, r in cells.items()}
    return {"owners": owners, "borrowers": borrowers, "cells": cells, "shade": shade}


def _months(months: list[tuple[date, int]]) -> list[tuple[date, int, float]]:
    top = max([seconds for _m, seconds in months] or [0])
    return [(month, seconds, round(100 * seconds / top, 1) if top else 0.0)
            for month, seconds in months]
