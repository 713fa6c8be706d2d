"""Migration 0006 fills the ledger from the confirmed bookings already stored."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from booking import create_app
from booking.extensions import db
from booking.models import Booking, LedgerEntry, LedgerMonth, Resource
from booking.services import ledger
from tests.migrations import snapshot


@pytest.mark.parametrize("revision", [r for r in snapshot.available() if r >= "0004"])
def test_the_upgrade_counts_every_confirmed_booking_as_the_services_do(empty_database_url,
                                                                       revision):
    old = snapshot.read(revision)
    app = create_app({"TESTING": True, "SECRET_KEY": "k", "RATELIMIT_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision=revision)
        with db.engine.begin() as connection:
            snapshot.load(connection, old)
        upgrade()
        backfilled, months = _ledger(), _months()
        assert any(row[3] for row in backfilled)  # the snapshot has confirmed bookings
        for resource in db.session.scalars(sa.select(Resource)):
            ledger.rebuild(resource)  # what the services' own counting makes of them
        assert _ledger() == backfilled
        assert [m for m in _months() if any(m[4:])] == [m for m in months if any(m[4:])]
        confirmed = db.session.scalar(sa.select(sa.func.count()).select_from(Booking).where(
            Booking.status == "confirmed"))
        assert sum(row[3] for row in backfilled) == confirmed  # each counted on its first day
        db.session.rollback()
        db.engine.dispose()


def _ledger() -> list[tuple]:
    return sorted(db.session.execute(sa.select(
        LedgerEntry.resource_id, LedgerEntry.borrower_organisation_id, LedgerEntry.day,
        LedgerEntry.bookings, LedgerEntry.carried, LedgerEntry.seconds,
        LedgerEntry.place_seconds, LedgerEntry.owner_organisation_id)).all())


def _months() -> list[tuple]:
    return sorted(db.session.execute(sa.select(
        LedgerMonth.month, LedgerMonth.owner_organisation_id,
        LedgerMonth.borrower_organisation_id, LedgerMonth.kind, LedgerMonth.bookings,
        LedgerMonth.seconds, LedgerMonth.place_seconds)).all())
