"""JSON every route may receive: too deep or not Unicode is a 400 with a message, never a 500.

The app's JSON provider checks every document it reads: nesting deeper than
limits.MAX_JSON_DEPTH (Python's decoder and any code walking the result would run out of
stack), and text that is not Unicode (a lone surrogate such as "\\ud800", which no database
can store). A request guard reads the body of every JSON request first, so every route,
/health included, answers such a body with 400 before it runs.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

from booking.limits import MAX_JSON_DEPTH


def register(app: Flask) -> None:
    app.json = GuardedJSONProvider(app)
    app.before_request(read_json_body)


def read_json_body() -> None:
    """Parse a JSON body up front (Flask keeps the result), refusing an unusable one."""
    if request.is_json:
        request.get_json(silent=True)


class UnusableJSON(BadRequest):
    """A JSON document no route can use; werkzeug answers it with 400."""


class GuardedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, refusing documents that are too deep or not Unicode."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise _too_deep() from None
        check(value)
        return value


def check(value: Any) -> None:
    """Raise UnusableJSON if *value* nests too deep or holds text that is not Unicode."""
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            _require_unicode(item)
        elif isinstance(item, (dict, list)):
            if depth >= MAX_JSON_DEPTH:
                raise _too_deep()
            if isinstance(item, dict):
                for key in item:
                    _require_unicode(key)
                item = item.values()
            pending.extend((child, depth + 1) for child in item)


def _require_unicode(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UnusableJSON(_("Text must be valid Unicode: a lone surrogate such as \\ud800 "
                             "is not.")) from None


def _too_deep() -> UnusableJSON:
    return UnusableJSON(_("JSON may be nested at most %(n)d levels deep.", n=MAX_JSON_DEPTH))
