"""The series form's preview: every date of the pattern with its verdict, and what to offer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from booking.messages import Refused, describe
from booking.models import Resource
from booking.scheduling import Interval, Verdict
from booking.services.series import SeriesRequest
from booking.timezones import to_zone

FREE, REFUSED, CLOSED_LEFT_OUT, SKIPPED = "free", "refused", "closed", "skipped"
HOLIDAY = "holiday"  # left out: the booking organisation's holiday in the term


@dataclass(frozen=True)
class PreviewRow:
    day: date
    state: str  # FREE, REFUSED, CLOSED_LEFT_OUT (closed, left out as asked), SKIPPED (by you)
    period: Interval | None = None  # none for a date left out by the pattern
    reasons: list[str] = field(default_factory=list)
    alternatives: list[Interval] = field(default_factory=list)


@dataclass(frozen=True)
class Preview:
    rows: list[PreviewRow]

    def count(self, state: str) -> int:
        return sum(row.state == state for row in self.rows)

    @property
    def free(self) -> int:
        return self.count(FREE)

    @property
    def dates(self) -> int:
        """The dates the pattern would book, without those the person left out."""
        return len(self.rows) - self.count(SKIPPED) - self.count(HOLIDAY)

    @property
    def offer(self) -> str | None:
        """The book button that can work: all dates ("book"), the free ones, or none."""
        if not self.free:
            return None
        return "book" if self.count(REFUSED) == 0 else "book_free"


def series_preview(verdicts: list[Verdict], request: SeriesRequest,
                   resource: Resource) -> Preview:
    """Join the verdicts (as the person may see them) with the dates they left out, by date."""
    zone = resource.timezone
    rows = [_row(verdict, zone, Refused(verdict.period, resource.buffer_before_minutes,
                                        resource.buffer_after_minutes),
                 skip_closures=request.skip_closures) for verdict in verdicts]
    first_day = to_zone(request.first.start, zone).date()
    rows += [PreviewRow(day, HOLIDAY, reasons=[request.holidays[day]])
             if day in request.holidays else PreviewRow(day, SKIPPED)
             for day in request.recurrence.dates(first_day) if day in request.recurrence.skip]
    return Preview(sorted(rows, key=lambda row: row.day))


def _row(verdict: Verdict, zone: str, refused: Refused, *,
         skip_closures: bool) -> PreviewRow:
    day = to_zone(verdict.period.start, zone).date()
    if verdict.ok:
        return PreviewRow(day, FREE, verdict.period)
    state = CLOSED_LEFT_OUT if skip_closures and verdict.closed_only else REFUSED
    reasons = [describe(r, zone, refused) for r in verdict.reasons]
    return PreviewRow(day, state, verdict.period, reasons, verdict.alternatives)
