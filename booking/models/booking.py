"""Bookings and recurring series of bookings."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking import limits
from booking.db_types import UTCDateTime, utcnow
from booking.extensions import db
from booking.models import feed_versions
from booking.scheduling import Interval


class BookingStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


#: States in which a booking takes up the resource (product rule 2).
OCCUPYING_STATUSES = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


def new_uid() -> str:
    """A random identifier for iCalendar: it names the booking, never the person."""
    return uuid.uuid4().hex


def _status_enum(name: str) -> sa.Enum:
    return sa.Enum(BookingStatus, native_enum=False, length=16, name=name,
                   values_callable=lambda e: [m.value for m in e])


class BookingSeries(db.Model):
    """A recurring booking: the pattern its occurrences were made from."""

    __tablename__ = "booking_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_uid)
    resource_id: Mapped[int] = mapped_column(sa.ForeignKey("resource.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(limits.TITLE_LENGTH), default="")
    freq: Mapped[str] = mapped_column(sa.String(10))
    interval: Mapped[int] = mapped_column(default=1)
    weekdays: Mapped[str] = mapped_column(sa.String(20), default="")  # "1,3" = Tue, Thu
    monthly_by: Mapped[str] = mapped_column(sa.String(10), default="date")
    until: Mapped[date | None]
    count: Mapped[int | None]
    skip_dates: Mapped[list] = mapped_column(sa.JSON, default=list)  # ["2027-05-04", ...]
    first_start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    quantity: Mapped[int] = mapped_column(default=1)
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    resource: Mapped["Resource"] = relationship()  # noqa: F821
    user: Mapped["User"] = relationship()  # noqa: F821
    organisation: Mapped["Organisation"] = relationship()  # noqa: F821
    bookings: Mapped[list[Booking]] = relationship(
        back_populates="series", order_by="Booking.original_start_at")


class Booking(db.Model):
    __table_args__ = (
        sa.CheckConstraint("start_at < end_at", name="period_order"),
        sa.CheckConstraint("occupied_start_at <= start_at AND end_at <= occupied_end_at",
                           name="occupied_covers_period"),
        sa.CheckConstraint("quantity >= 1", name="quantity_positive"),
        sa.Index("ix_booking_resource_occupied", "resource_id", "occupied_start_at"),
        sa.Index("ix_booking_user_start", "user_id", "start_at"),
        sa.Index("ix_booking_organisation_start", "organisation_id", "start_at"),
        # What one organisation holds on one resource: the quota check (services.quotas).
        sa.Index("ix_booking_resource_organisation_start", "resource_id", "organisation_id",
                 "start_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique and made here, so it also tells SQLAlchemy which inserted row got which id:
    # the dates of a series then go to the database in a few batched INSERTs, not one each.
    uid: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_uid,
                                     insert_sentinel=True)
    resource_id: Mapped[int] = mapped_column(sa.ForeignKey("resource.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    title: Mapped[str] = mapped_column(sa.String(limits.TITLE_LENGTH), default="")
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The span the booking takes from the resource: its period widened by the buffers
    # in force when it was made (product rule 3).
    occupied_start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    occupied_end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    quantity: Mapped[int] = mapped_column(default=1)
    # True when the resource had capacity 1: such bookings may never overlap, which
    # PostgreSQL enforces with an exclusion constraint.
    exclusive: Mapped[bool] = mapped_column(default=True)
    status: Mapped[BookingStatus] = mapped_column(
        _status_enum("booking_status"), default=BookingStatus.CONFIRMED)
    series_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("booking_series.id"), index=True)
    # Where this occurrence of a series was first planned (iCal RECURRENCE-ID after a move).
    original_start_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(sa.String(limits.DECISION_REASON_LENGTH),
                                                 default="")
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Raised on every change the booker's calendar should notice (iCal SEQUENCE).
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    resource: Mapped["Resource"] = relationship()  # noqa: F821
    user: Mapped["User"] = relationship(foreign_keys=[user_id])  # noqa: F821
    organisation: Mapped["Organisation"] = relationship()  # noqa: F821
    series: Mapped[BookingSeries | None] = relationship(back_populates="bookings")

    @property
    def period(self) -> Interval:
        return Interval(self.start_at, self.end_at)

    @property
    def occupied_period(self) -> Interval:
        """The span the booking takes from the resource, buffers included."""
        return Interval(self.occupied_start_at, self.occupied_end_at)

    @property
    def occupies(self) -> bool:
        return self.status in OCCUPYING_STATUSES

    def __repr__(self) -> str:
        return f"<Booking {self.id} {self.status} {self.start_at:%Y-%m-%d %H:%M}Z>"


# The database's own guarantee for capacity-1 resources: no two occupying bookings overlap,
# whatever the code does. Capacity > 1 is a sum, which no constraint can express; the
# resource row lock in services.bookings carries it.
Booking.__table__.append_constraint(
    ExcludeConstraint(
        (Booking.__table__.c.resource_id, "="),
        (sa.func.tstzrange(Booking.__table__.c.occupied_start_at,
                           Booking.__table__.c.occupied_end_at,
                           sa.literal_column("'[)'")), "&&"),
        name="booking_no_overlap",
        using="gist",
        where=sa.text("exclusive AND status IN ('pending', 'confirmed')"),
    ).ddl_if(dialect="postgresql")
)


@sa.event.listens_for(db.metadata, "before_create")
def _create_btree_gist(_metadata, connection, **_kw) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS btree_gist")


feed_versions.attach(Booking.__table__)
