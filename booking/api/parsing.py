"""Reading JSON bodies and query strings into Python values, field by field.

Every problem is collected and raised once as InvalidInput, so a client sees all its mistakes
in one 422 answer; nothing here touches the database.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import date, datetime, time, timezone
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l

from booking import limits
from booking.exceptions import InvalidInput
from booking.limits import MAX_ID
from booking.timezones import local_to_utc

# A date and a time of day at least; fromisoformat alone would also take "2027-03-02"
# (midnight) and digits from other scripts.
_DATETIME_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}", re.ASCII)
_DATE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_CLOCK_SHAPE = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]", re.ASCII)


def json_object(allowed: Collection[str], required: Collection[str] = (), *,
                may_be_empty: bool = False) -> dict[str, Any]:
    """The request body: a JSON object with every required key and no unknown one."""
    if may_be_empty and not request.get_data(cache=True):
        body: Any = {}
    else:
        body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput({"body": [_l("Send a JSON object with Content-Type: "
                                        "application/json.")]})
    errors: dict[str, Any] = {name: [_l("There is no such field.")]
                              for name in sorted(set(body) - set(allowed))}
    errors.update({name: [_l("This field is required.")]
                   for name in required if name not in body})
    if errors:
        raise InvalidInput(errors)
    return body


class Reader:
    """Typed access to a JSON object or a query string, collecting the errors.

    Each getter returns *default* when the field is absent, and None (recording an error)
    when it is malformed: call raise_if_errors before using the values.
    """

    def __init__(self, source: Mapping[str, Any], *, query: bool = False) -> None:
        self.source = source
        self.query = query  # query-string values arrive as text
        self.errors: dict[str, Any] = {}

    def has(self, name: str) -> bool:
        return name in self.source

    def integer(self, name: str, *, low: int = 1, high: int = MAX_ID, default: Any = None,
                nullable: bool = False) -> Any:
        """A whole number in [low, high] (JSON null too, when *nullable*)."""
        if name not in self.source:
            return default
        value = self.source[name]
        if value is None and nullable:
            return None
        if self.query and isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,12}", value):
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            return self.fail(name, _l("Give a whole number."))
        if not low <= value <= high:
            return self.fail(name, _l("Give a number from %(low)d to %(high)d.",
                                      low=low, high=high))
        return value

    def text(self, name: str, *, max_length: int, default: Any = None) -> Any:
        if name not in self.source:
            return default
        value = self.source[name]
        if not isinstance(value, str):
            return self.fail(name, _l("Give some text."))
        if len(value) > max_length:
            return self.fail(name, _l("Use at most %(n)d characters.", n=max_length))
        return value

    def boolean(self, name: str, *, default: Any = None) -> Any:
        if name not in self.source:
            return default
        value = self.source[name]
        if self.query and isinstance(value, str):
            value = {"true": True, "1": True, "false": False, "0": False}.get(value.lower(), value)
        if not isinstance(value, bool):
            return self.fail(name, _l("Give true or false."))
        return value

    def choice(self, name: str, choices: Collection[str], *, default: Any = None) -> Any:
        if name not in self.source:
            return default
        value = self.source[name]
        if not isinstance(value, str) or value not in choices:
            return self.fail(name, _l("Give one of: %(choices)s.", choices=", ".join(choices)))
        return value

    def moment(self, name: str, zone: str, *, default: Any = None) -> Any:
        """An ISO 8601 date and time; without an offset it is read in *zone*."""
        if name not in self.source:
            return default
        try:
            return parse_moment(self.source[name], zone)
        except ValueError as exc:
            return self.fail(name, exc.args[0])

    def date(self, name: str, *, default: Any = None) -> Any:
        """A calendar date, YYYY-MM-DD."""
        if name not in self.source:
            return default
        try:
            return parse_date(self.source[name])
        except ValueError as exc:
            return self.fail(name, exc.args[0])

    def fail(self, name: str, message: Any) -> None:
        """Record an error (the first one per field) and return None."""
        self.errors.setdefault(name, [message])
        return None

    def raise_if_errors(self) -> None:
        if self.errors:
            raise InvalidInput(self.errors)


def parse_moment(value: Any, zone: str) -> datetime:
    """An aware UTC datetime from ISO 8601 text; ValueError says what is wrong."""
    example = "2027-03-02T14:00:00+08:00"
    if not isinstance(value, str) or not _DATETIME_SHAPE.match(value):
        raise ValueError(_l("Give a date and time in ISO 8601, e.g. %(example)s.",
                            example=example))
    try:
        moment = datetime.fromisoformat(value)
        moment = local_to_utc(moment, zone) if moment.tzinfo is None else \
            moment.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise ValueError(_l("Give a date and time in ISO 8601, e.g. %(example)s.",
                            example=example)) from None
    if not limits.is_accepted_date(moment):
        raise ValueError(_l("Pick a date between %(first)d and %(last)d.",
                            first=limits.FIRST_YEAR, last=limits.LAST_YEAR))
    return moment


def parse_date(value: Any) -> date:
    """A calendar date written YYYY-MM-DD, in the years the app accepts."""
    try:
        day = date.fromisoformat(value) if isinstance(value, str) and _DATE_SHAPE.fullmatch(
            value) else None
    except ValueError:
        day = None
    if day is None:
        raise ValueError(_l("Give a date as YYYY-MM-DD."))
    if not limits.is_accepted_date(day):
        raise ValueError(_l("Pick a date between %(first)d and %(last)d.",
                            first=limits.FIRST_YEAR, last=limits.LAST_YEAR))
    return day


def has_offset(value: Any) -> bool:
    """Whether *value* is an ISO 8601 time that carries its own offset."""
    if not isinstance(value, str) or not _DATETIME_SHAPE.match(value):
        return False
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def parse_clock(value: Any) -> time:
    """A wall-clock time of day written HH:MM."""
    if not isinstance(value, str) or not _CLOCK_SHAPE.fullmatch(value):
        raise ValueError(_l("Give a time of day as HH:MM."))
    return time.fromisoformat(value)


def paging() -> tuple[int, int, Reader]:
    """limit and offset from the query string, and the reader for the other filters."""
    reader = Reader(request.args, query=True)
    limit = reader.integer("limit", low=1, high=limits.MAX_PAGE_SIZE, default=limits.PAGE_SIZE)
    offset = reader.integer("offset", low=0, high=limits.MAX_OFFSET, default=0)
    return limit or limits.PAGE_SIZE, offset or 0, reader


def reject_unknown_query(allowed: Collection[str]) -> None:
    """Refuse query parameters the route does not know, as unknown body keys are refused."""
    if unknown := sorted(set(request.args) - set(allowed)):
        raise InvalidInput({name: [_l("There is no such parameter.")] for name in unknown})
