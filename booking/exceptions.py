"""Domain errors: raised by the services, translated to HTTP at the edge."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class BookingError(Exception):
    """Base of every error a person can be told about."""

    status_code = 400
    code = "error"

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(BookingError):
    status_code = 403
    code = "forbidden"


class NotFound(BookingError):
    status_code = 404
    code = "not_found"


class InvalidInput(BookingError):
    """Input that can never succeed, field by field."""

    status_code = 422
    code = "invalid"

    def __init__(self, fields: Mapping[str, str | Sequence[str]], message: str = "") -> None:
        # A message may be a lazy translation, which is not a str but must not be split.
        self.fields = {k: list(v) if isinstance(v, (list, tuple)) else [v]
                       for k, v in fields.items()}
        super().__init__(message or "; ".join(
            f"{k}: {' '.join(map(str, v))}" for k, v in self.fields.items()))


class Conflict(BookingError):
    """The request is well formed but breaks the resource's rules right now."""

    status_code = 409
    code = "conflict"

    def __init__(self, reasons: Sequence[Any], alternatives: Sequence[Any] = (),
                 message: str = "") -> None:
        super().__init__(message)
        self.reasons = list(reasons)
        self.alternatives = list(alternatives)


class StateConflict(BookingError):
    """The object is not in a state that allows the action (e.g. cancelling twice)."""

    status_code = 409
    code = "state_conflict"
