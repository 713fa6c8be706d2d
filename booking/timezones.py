"""Time-zone names and conversions at the edges of the app."""

from __future__ import annotations

from datetime import datetime, timezone
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

# Shown first in pickers; any IANA name is accepted.
COMMON_TIMEZONES = ("Asia/Shanghai", "Asia/Hong_Kong", "Asia/Tokyo", "Asia/Singapore",
                    "Europe/Berlin", "Europe/London", "America/New_York", "UTC")


@cache
def all_timezones() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def timezone_choices() -> list[tuple[str, str]]:
    rest = [name for name in all_timezones() if name not in COMMON_TIMEZONES]
    return [(name, name) for name in (*COMMON_TIMEZONES, *rest)]


def is_valid_timezone(name: str | None) -> bool:
    return bool(name) and name in all_timezones()


def to_zone(moment: datetime, zone_name: str) -> datetime:
    """An aware datetime shown in *zone_name*."""
    return moment.astimezone(ZoneInfo(zone_name))


def local_to_utc(local: datetime, zone_name: str) -> datetime:
    """Give a wall-clock time in *zone_name* its zone and convert to UTC.

    A wall-clock time in a spring-forward gap (02:30 on 28 March 2027 in Berlin) resolves as
    zoneinfo does with fold=0, that is one hour later; an ambiguous autumn time means its
    first occurrence.
    """
    if local.tzinfo is not None:
        return local.astimezone(timezone.utc)
    return local.replace(tzinfo=ZoneInfo(zone_name)).astimezone(timezone.utc)
