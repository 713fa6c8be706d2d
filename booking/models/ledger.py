"""The consortium's ledger: who used whose resources, day by day; terms and holidays.

`LedgerEntry` is a summary of confirmed bookings kept in the booking transaction
(booking.services.ledger): one row per resource, borrowing organisation and local day of
the resource, so the sharing statistics read days, not a million bookings. A test proves it
equal to the raw aggregate (tests/services/test_ledger.py).
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking import limits
from booking.db_types import UTCDateTime, utcnow
from booking.extensions import db


class LedgerEntry(db.Model):
    """Confirmed use of one resource by one organisation on one local day of the resource.

    `bookings` counts the bookings that start that day, `carried` those that started on an
    earlier day and go on into it (so a period counts each booking once: the starts inside
    it plus what is carried into its first day); `seconds` and `place_seconds` (seconds ×
    places) are the part of the bookings inside the day.
    """

    __tablename__ = "ledger_entry"
    # Covering: a period's sums are read from the index alone, in day order.
    __table_args__ = (
        sa.Index("ix_ledger_entry_day", "day", "owner_organisation_id",
                 "borrower_organisation_id", "resource_id", "bookings", "carried", "seconds",
                 "place_seconds"),
    )

    resource_id: Mapped[int] = mapped_column(
        sa.ForeignKey("resource.id", ondelete="CASCADE"), primary_key=True)
    borrower_organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    owner_organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    bookings: Mapped[int] = mapped_column(default=0)
    carried: Mapped[int] = mapped_column(default=0)
    seconds: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    place_seconds: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class LedgerMonth(db.Model):
    """The ledger by month, owner, borrower and kind of resource: a term's whole months are
    read from here (a few thousand rows), only its first and last days from LedgerEntry.

    `bookings` counts the bookings that start in the month; kept with LedgerEntry in the same
    statements (services.ledger), and recounted with it when a resource's kind or zone changes.
    """

    __tablename__ = "ledger_month"
    # SQLite keeps the rows in key order (month first): a range of months reads them directly.
    __table_args__ = {"sqlite_with_rowid": False}

    month: Mapped[date] = mapped_column(primary_key=True)  # its first day
    owner_organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"),
                                                       primary_key=True)
    borrower_organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"),
                                                          primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    bookings: Mapped[int] = mapped_column(default=0)
    seconds: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    place_seconds: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class Term(db.Model):
    """A term of the consortium, e.g. "2026–27 autumn term": first and last day, inclusive."""

    __table_args__ = (sa.CheckConstraint("first_day <= last_day", name="term_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(limits.NAME_LENGTH), unique=True)
    first_day: Mapped[date]
    last_day: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    holidays: Mapped[list[Holiday]] = relationship(
        back_populates="term", cascade="all, delete-orphan", order_by="Holiday.first_day")

    def __repr__(self) -> str:
        return f"<Term {self.id} {self.name!r}>"


class Holiday(db.Model):
    """Days inside a term on which one member organisation does not teach or work."""

    __table_args__ = (sa.CheckConstraint("first_day <= last_day", name="holiday_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(sa.ForeignKey("term.id", ondelete="CASCADE"),
                                         index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(limits.CLOSURE_REASON_LENGTH), default="")
    first_day: Mapped[date]
    last_day: Mapped[date]

    term: Mapped[Term] = relationship(back_populates="holidays")
