"""Shared resources and their booking rules."""

from __future__ import annotations

import enum
from datetime import datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking import limits
from booking.db_types import UTCDateTime, utcnow
from booking.extensions import db
from booking.models.feed_versions import resource_feed_version
from booking.scheduling import BookingRules, Closure as ClosureRule, Interval, WeeklyWindow


class ResourceKind(enum.StrEnum):
    STAFF = "staff"
    FACILITY = "facility"
    PRACTICE_BASE = "practice_base"


resource_allowed_organisation = sa.Table(
    "resource_allowed_organisation",
    db.metadata,
    sa.Column("resource_id", sa.ForeignKey("resource.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("organisation_id", sa.ForeignKey("organisation.id", ondelete="CASCADE"),
              primary_key=True),
)


class Resource(db.Model):
    __table_args__ = (
        sa.CheckConstraint("capacity >= 1", name="capacity_positive"),
        sa.CheckConstraint("slot_minutes IS NULL OR slot_minutes > 0", name="slot_positive"),
        sa.CheckConstraint("buffer_before_minutes >= 0 AND buffer_after_minutes >= 0",
                           name="buffers_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    kind: Mapped[ResourceKind] = mapped_column(
        sa.Enum(ResourceKind, native_enum=False, length=20,
                values_callable=lambda e: [m.value for m in e]))
    name: Mapped[str] = mapped_column(sa.String(limits.NAME_LENGTH))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    location: Mapped[str] = mapped_column(sa.String(limits.LOCATION_LENGTH), default="")
    capacity: Mapped[int] = mapped_column(default=1)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Shanghai")
    slot_minutes: Mapped[int | None]
    min_minutes: Mapped[int | None]
    max_minutes: Mapped[int | None]
    notice_minutes: Mapped[int] = mapped_column(default=0)
    horizon_days: Mapped[int | None]
    buffer_before_minutes: Mapped[int] = mapped_column(default=0)
    buffer_after_minutes: Mapped[int] = mapped_column(default=0)
    approval_required: Mapped[bool] = mapped_column(default=False)
    open_to_all: Mapped[bool] = mapped_column(default=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    # A staff resource is a person's time: the member of the owning organisation it names
    # sees its bookings as their own and keeps its hours (booking.permissions).
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    # Fair shares (issue 13): each other organisation may hold at most quota_hours hours
    # (place-hours where the resource has places) per quota_per ("week", "month", "term"),
    # pending and confirmed together; at most max_pending requests waiting at once; requests
    # undecided for request_expiry_days days expire.
    quota_hours: Mapped[float | None] = mapped_column(sa.Float)
    quota_per: Mapped[str | None] = mapped_column(sa.String(10))
    max_pending: Mapped[int | None]
    request_expiry_days: Mapped[int] = mapped_column(default=14, server_default="14")
    # The longest span any booking of this resource has ever occupied: it bounds the
    # conflict query, so finding clashes does not slow down as history grows.
    longest_occupied_minutes: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # When what calendar events show of the resource (name, location, zone) last changed:
    # the DTSTAMP and LAST-MODIFIED of its bookings' events move with it. None: never.
    calendar_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped["Organisation"] = relationship(  # noqa: F821
        back_populates="resources", foreign_keys=[organisation_id])
    windows: Mapped[list[AvailabilityWindow]] = relationship(
        back_populates="resource", cascade="all, delete-orphan",
        order_by="(AvailabilityWindow.weekday, AvailabilityWindow.start_time)")
    closures: Mapped[list[Closure]] = relationship(
        back_populates="resource", cascade="all, delete-orphan", order_by="Closure.start_at")
    person: Mapped["User | None"] = relationship(foreign_keys=[person_id])  # noqa: F821
    allowed_organisations: Mapped[list["Organisation"]] = relationship(  # noqa: F821
        secondary=resource_allowed_organisation, order_by="Organisation.name")

    def rules(self) -> BookingRules:
        """The booking rules as the pure scheduling core understands them.

        Under the resource's lock (services.locking.lock_resource notes the version it read)
        the rules come from a per-process cache keyed by id and `updated_at`, which every
        change of the rules moves (see _touch_changed_rules): no reading of windows and
        closures for each booking. Anywhere else, and with unflushed changes, they are built
        from the rows.
        """
        key = self.__dict__.get("_rules_key")
        if key is None or sa.inspect(self).modified or key[1:] != (self.id, self.updated_at):
            return self._build_rules()
        rules = _RULES_CACHE.get(key)
        if rules is None:
            if len(_RULES_CACHE) >= _RULES_CACHE_SIZE:
                _RULES_CACHE.clear()
            rules = _RULES_CACHE[key] = self._build_rules()
        return rules

    def note_locked_version(self) -> None:
        """Called under the resource's lock: rules() may use the cache for this version."""
        self.__dict__["_rules_key"] = self._version()

    def known_rules(self) -> BookingRules | None:
        """The rules this process keeps for the version of the resource as read, if any.

        For pages, which take no lock (services.calendar.rules_of says why that is sound
        there); after it, rules() keeps what it builds for this version.
        """
        self.__dict__["_rules_key"] = key = self._version()
        return _RULES_CACHE.get(key)

    def _version(self) -> tuple[str, int, datetime]:
        database = str(sa.inspect(self).session.get_bind().url)  # one process, many databases
        return (database, self.id, self.updated_at)

    def _build_rules(self) -> BookingRules:
        return BookingRules(
            timezone=self.timezone,
            capacity=self.capacity,
            windows=tuple(WeeklyWindow(w.weekday, w.start_time, w.end_time) for w in self.windows),
            closures=tuple(ClosureRule(Interval(c.start_at, c.end_at), c.reason)
                           for c in self.closures),
            slot_minutes=self.slot_minutes,
            min_minutes=self.min_minutes,
            max_minutes=self.max_minutes,
            notice_minutes=self.notice_minutes,
            horizon_days=self.horizon_days,
            buffer_before_minutes=self.buffer_before_minutes,
            buffer_after_minutes=self.buffer_after_minutes,
        )

    def __repr__(self) -> str:
        return f"<Resource {self.id} {self.name!r}>"


# The version the database moves with every change of the resource's bookings (a trigger,
# models.feed_versions); loaded only where asked for (undefer), e.g. with a resource's feed.
Resource.feed_version = sa.orm.column_property(
    sa.func.coalesce(sa.select(resource_feed_version.c.version)
                     .where(resource_feed_version.c.resource_id == Resource.id)
                     .correlate_except(resource_feed_version).scalar_subquery(), 0),
    deferred=True)

_RULES_CACHE: dict[tuple[str, int, datetime], BookingRules] = {}
_RULES_CACHE_SIZE = 2048
#: What makes up a resource's rules besides its own columns.
RULE_COLLECTIONS = ("windows", "closures", "allowed_organisations")


@sa.event.listens_for(sa.orm.Session, "before_flush")
def _touch_changed_rules(session: sa.orm.Session, _context, _instances) -> None:
    """A resource whose windows, closures or allowed organisations change gets a new
    `updated_at` in the same flush: the version Resource.rules() caches by."""
    touched = set()
    for item in (*session.new, *session.dirty, *session.deleted):
        if isinstance(item, (AvailabilityWindow, Closure)):
            resource = item.resource
            if resource is None and item.resource_id is not None:
                resource = session.get(Resource, item.resource_id)
            if resource is not None:
                touched.add(resource)
        elif isinstance(item, Resource) and item in session.dirty:
            attrs = sa.inspect(item).attrs
            if any(attrs[name].history.has_changes() for name in RULE_COLLECTIONS):
                touched.add(item)
    for resource in touched:
        if resource not in session.new and resource not in session.deleted:
            resource.updated_at = utcnow()


#: What a booking's calendar event shows of its resource.
CALENDAR_FIELDS = ("name", "location", "timezone")


@sa.event.listens_for(Resource, "before_update")
def _note_calendar_change(_mapper, _connection, resource: Resource) -> None:
    """Every way of renaming or moving a resource moves its events' DTSTAMP (issue 11)."""
    state = sa.inspect(resource)
    if any(state.attrs[name].history.has_changes() for name in CALENDAR_FIELDS):
        resource.calendar_changed_at = utcnow()


class AvailabilityWindow(db.Model):
    """Weekly opening hours, in the resource's wall-clock time."""

    __table_args__ = (
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        sa.CheckConstraint("start_time < end_time", name="window_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        sa.ForeignKey("resource.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]  # 0 = Monday
    start_time: Mapped[time]
    end_time: Mapped[time]

    resource: Mapped[Resource] = relationship(back_populates="windows")


class Closure(db.Model):
    """A stretch of time the resource cannot be booked: holidays, maintenance."""

    __table_args__ = (sa.CheckConstraint("start_at < end_at", name="closure_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        sa.ForeignKey("resource.id", ondelete="CASCADE"), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(sa.String(limits.CLOSURE_REASON_LENGTH), default="")

    resource: Mapped[Resource] = relationship(back_populates="closures")
