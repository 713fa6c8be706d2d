"""Domain errors: raised by the services, turned into answers in one place (booking.errors).

Each carries what an answer needs — the fields, the reasons, the time zone to show times in —
so nothing has to be passed beside it through the request.
"""

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
    """The request is well formed but breaks the resource's rules right now.

    `reasons` are scheduling.Reason values, `alternatives` free Intervals; `zone` is the time
    zone their times are shown in (the resource's), or None for the reader's own.
    """

    status_code = 409
    code = "conflict"

    def __init__(self, reasons: Sequence[Any], alternatives: Sequence[Any] = (),
                 message: str = "", *, zone: str | None = None, verdict: Any = None,
                 buffers: tuple[int, int] = (0, 0)) -> None:
        super().__init__(message)
        self.reasons = list(reasons)
        self.alternatives = list(alternatives)
        self.zone = zone
        # The refused verdict (scheduling.Verdict), with the other kinds of alternatives:
        # later_days, elsewhere, places_left; and the resource's buffers, which the
        # sentences name (messages.Refused) on pages and in the API alike.
        self.verdict = verdict
        self.buffers = buffers


class SeriesConflict(Conflict):
    """Some dates of a series cannot stand; `verdicts` (scheduling.Verdict) say which and why."""

    def __init__(self, verdicts: Sequence[Any], *, zone: str | None = None,
                 buffers: tuple[int, int] = (0, 0)) -> None:
        self.verdicts = list(verdicts)
        super().__init__([r for v in self.refused for r in v.reasons], zone=zone,
                         buffers=buffers)

    @property
    def refused(self) -> list[Any]:
        return [v for v in self.verdicts if not v.ok]


class BookingsWouldBreak(BookingError):
    """A change to a resource's rules that bookings still to come would not keep.

    `breaches` (scheduling.Breach) name each such booking, its time and the rules it would
    break; the change is refused until those bookings are moved or cancelled.
    """

    status_code = 409
    code = "bookings_would_break"

    def __init__(self, breaches: Sequence[Any], *, zone: str | None = None) -> None:
        super().__init__("")
        self.breaches = list(breaches)
        self.zone = zone


class StateConflict(BookingError):
    """The object is not in a state that allows the action (e.g. cancelling twice)."""

    status_code = 409
    code = "state_conflict"
