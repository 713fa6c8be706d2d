"""The pure scheduling core: intervals, booking rules, free time and recurrence (stdlib only)."""

from booking.scheduling.alternatives import (
    Slot, fewer_places, find_alternatives, free_intervals, free_slots, same_time_later,
)
from booking.scheduling.availability import WeeklyWindow, at_local
from booking.scheduling.intervals import Interval, intersect, merge, require_aware, subtract
from booking.scheduling.reasons import (
    CAPACITY_EXCEEDED, CLOSED, CONFLICT, INVALID_QUANTITY, OFF_SLOT_GRID, OUTSIDE_AVAILABILITY,
    QUOTA, REASON_CODES, TOO_FAR_AHEAD, TOO_LONG, TOO_MANY_REQUESTS, TOO_SHORT, TOO_SOON, Clash,
    Reason,
)
from booking.scheduling.recurrence import (
    MAX_INTERVAL, MAX_OCCURRENCES, MAX_SPAN, Frequency, Recurrence, RecurrenceTooLong,
    to_rrule_string,
)
from booking.scheduling.rules import (
    DEFAULT_MAX_MINUTES, BookingRules, Closure, available_periods, check_booking,
    earliest_start, latest_start, longest_booking, max_booking_length, places_left,
    shortest_booking,
)
from booking.scheduling.usage import Occupancy
from booking.scheduling.verdicts import Breach, Verdict, breaches

__all__ = [
    "CAPACITY_EXCEEDED", "CLOSED", "CONFLICT", "DEFAULT_MAX_MINUTES", "INVALID_QUANTITY",
    "MAX_INTERVAL", "MAX_OCCURRENCES", "MAX_SPAN", "OFF_SLOT_GRID", "OUTSIDE_AVAILABILITY", "QUOTA",
    "REASON_CODES", "TOO_FAR_AHEAD", "TOO_LONG", "TOO_MANY_REQUESTS", "TOO_SHORT", "TOO_SOON",
    "BookingRules", "Breach", "Clash", "Closure", "Frequency", "Interval", "Occupancy", "Reason",
    "Recurrence", "RecurrenceTooLong", "Slot", "Verdict", "WeeklyWindow",
    "at_local", "available_periods", "breaches", "check_booking", "earliest_start",
    "fewer_places", "find_alternatives", "free_intervals", "same_time_later", "free_slots", "intersect", "latest_start",
    "longest_booking", "max_booking_length", "merge", "places_left", "require_aware",
    "shortest_booking", "subtract", "to_rrule_string",
]
