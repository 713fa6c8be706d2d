"""The consortium's terms (the platform admin's) and each member's holidays inside them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from booking import limits
from booking.exceptions import InvalidInput, NotAllowed, NotFound
from booking.extensions import db
from booking.models import Holiday, Term, User
from booking.permissions import can_manage_organisation
from booking.scheduling import Recurrence
from booking.services.sharing import Period


def all_terms() -> list[Term]:
    return list(db.session.scalars(sa.select(Term).order_by(Term.first_day.desc())))


def find_term(term_id: str | int) -> Term | None:
    """The term with this id (text from a query string is fine), or None."""
    try:
        number = int(term_id)
    except (TypeError, ValueError):
        return None
    return db.session.get(Term, number) if 0 < number <= limits.MAX_ID else None


def term_on(day: date) -> Term | None:
    """The term *day* lies in (the one that began last, should terms overlap)."""
    return db.session.scalar(sa.select(Term).where(Term.first_day <= day, Term.last_day >= day)
                             .order_by(Term.first_day.desc()).limit(1))


def current_period(today: date) -> Period:
    """The term under way, else this month."""
    if term := term_on(today):
        return Period(term.first_day, term.last_day)
    first = today.replace(day=1)
    return Period(first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1))


def term_errors(name: str, first: date | None, last: date | None, *,
                term_id: int | None = None) -> dict:
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _l("Give the term a name.")
    elif len(name) > limits.NAME_LENGTH:
        errors["name"] = _l("Use at most %(n)d characters.", n=limits.NAME_LENGTH)
    elif db.session.scalar(sa.select(Term.id).where(Term.name == name, Term.id != term_id)):
        errors["name"] = _l("There is already a term with this name.")
    if first is None:
        errors["first_day"] = _l("Give the first day as YYYY-MM-DD.")
    if last is None:
        errors["last_day"] = _l("Give the last day as YYYY-MM-DD.")
    elif first is not None and last < first:
        errors["last_day"] = _l("The last day cannot be before the first.")
    elif first is not None and (last - first).days >= limits.MAX_STATISTICS_DAYS:
        errors["last_day"] = _l("Ask for at most %(n)d days at once.",
                                n=limits.MAX_STATISTICS_DAYS)
    return errors


def create_term(actor: User, name: str, first: date | None, last: date | None) -> Term:
    """A new term of the consortium (platform admins)."""
    _require_platform_admin(actor)
    if errors := term_errors(name, first, last):
        raise InvalidInput(errors)
    term = Term(name=name.strip(), first_day=first, last_day=last)
    db.session.add(term)
    db.session.commit()
    return term


def delete_term(actor: User, term_id: int) -> None:
    _require_platform_admin(actor)
    term = _term(term_id)
    db.session.delete(term)
    db.session.commit()


def holidays_of(organisation_id: int, term: Term) -> list[Holiday]:
    return [h for h in term.holidays if h.organisation_id == organisation_id]


def holiday_days(organisation_id: int, first: date, last: date) -> dict[date, str]:
    """Each day from *first* to *last* on which the organisation has a holiday, with its name."""
    found = {}
    rows = db.session.scalars(sa.select(Holiday).where(
        Holiday.organisation_id == organisation_id, Holiday.first_day <= last,
        Holiday.last_day >= first))
    for holiday in rows:
        day = max(holiday.first_day, first)
        while day <= min(holiday.last_day, last):
            found.setdefault(day, holiday.name)
            day += timedelta(days=1)
    return found


def add_holidays(actor: User, organisation_id: int, term_id: int,
                 days: list[tuple[date, date, str]]) -> int:
    """Add the organisation's holidays inside the term; the same days twice are kept once.

    Returns how many were added. Days outside the term are refused, all or nothing.
    """
    if not can_manage_organisation(actor, organisation_id):
        raise NotAllowed(_l("Only the organisation's administrators may change its holidays."))
    term = _term(term_id)
    errors = []
    for first, last, name in days:
        if last < first:
            errors.append(_l("The last day cannot be before the first."))
        elif first < term.first_day or last > term.last_day:
            errors.append(_l("%(name)s lies outside the term (%(first)s to %(last)s).",
                             name=name or first.isoformat(), first=term.first_day.isoformat(),
                             last=term.last_day.isoformat()))
        elif len(name) > limits.CLOSURE_REASON_LENGTH:
            errors.append(_l("Use at most %(n)d characters.", n=limits.CLOSURE_REASON_LENGTH))
    if not days:
        errors.append(_l("Give at least one day."))
    if errors:
        raise InvalidInput({"holidays": errors})
    known = {(h.first_day, h.last_day) for h in holidays_of(organisation_id, term)}
    added = 0
    for first, last, name in days:
        if (first, last) not in known:
            term.holidays.append(Holiday(organisation_id=organisation_id, first_day=first,
                                         last_day=last, name=name.strip()))
            known.add((first, last))
            added += 1
    db.session.commit()
    return added


def delete_holiday(actor: User, holiday_id: int) -> None:
    holiday = db.session.get(Holiday, holiday_id)
    if holiday is None or not can_manage_organisation(actor, holiday.organisation_id):
        raise NotFound()
    db.session.delete(holiday)
    db.session.commit()


def days_of_closures(closures: list[tuple[datetime, datetime, str]],
                     zone: str | None = None) -> list[tuple[date, date, str]]:
    """Closures read from an .ics file (ical_import) as holidays: local first and last day."""
    tz = ZoneInfo(zone or current_app.config["DEFAULT_TIMEZONE"])
    return [(start.astimezone(tz).date(), (end - timedelta(microseconds=1)).astimezone(tz).date(),
             reason) for start, end, reason in closures]


def term_recurrence(recurrence: Recurrence, term: Term, organisation_id: int,
                    first_day: date) -> tuple[Recurrence, dict[date, str]]:
    """The pattern until the term's last day, leaving out the organisation's holidays.

    Returns the pattern and the holidays it leaves out (date -> the holiday's name), which
    the series preview shows as skipped.
    """
    if not term.first_day <= first_day <= term.last_day:
        raise InvalidInput({"term": _l("The first date lies outside %(term)s (%(first)s to "
                                       "%(last)s).", term=term.name,
                                       first=term.first_day.isoformat(),
                                       last=term.last_day.isoformat())})
    holidays = holiday_days(organisation_id, first_day, term.last_day)
    return replace(recurrence, until=term.last_day, count=None,
                   skip=recurrence.skip | frozenset(holidays)), holidays


def _term(term_id: int) -> Term:
    term = db.session.get(Term, term_id)
    if term is None:
        raise NotFound()
    return term


def _require_platform_admin(actor: User) -> None:
    if not (actor.is_active and actor.is_platform_admin):
        raise NotAllowed(_l("Only the platform's administrators define the terms."))
