"""the consortium's ledger: a day-by-day summary of confirmed use, terms, holidays, quotas

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-01 22:40:00

The ledger is filled here from the confirmed bookings already stored, the same way
booking.services.ledger keeps it afterwards: each booking cut at its resource's local
midnights, counted as started on its first day and carried into the others.
"""
from collections import defaultdict
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ledger_entry',
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('borrower_organisation_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('owner_organisation_id', sa.Integer(), nullable=False),
    sa.Column('bookings', sa.Integer(), nullable=False),
    sa.Column('carried', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.BigInteger(), nullable=False),
    sa.Column('place_seconds', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['borrower_organisation_id'], ['organisation.id'], name=op.f('fk_ledger_entry_borrower_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['owner_organisation_id'], ['organisation.id'], name=op.f('fk_ledger_entry_owner_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['resource_id'], ['resource.id'], name=op.f('fk_ledger_entry_resource_id_resource'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('resource_id', 'borrower_organisation_id', 'day', name=op.f('pk_ledger_entry'))
    )
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_entry_day', ['day', 'owner_organisation_id', 'borrower_organisation_id', 'resource_id', 'bookings', 'carried', 'seconds', 'place_seconds'], unique=False)

    op.create_table('ledger_month',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('owner_organisation_id', sa.Integer(), nullable=False),
    sa.Column('borrower_organisation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('bookings', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.BigInteger(), nullable=False),
    sa.Column('place_seconds', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['borrower_organisation_id'], ['organisation.id'], name=op.f('fk_ledger_month_borrower_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['owner_organisation_id'], ['organisation.id'], name=op.f('fk_ledger_month_owner_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('month', 'owner_organisation_id', 'borrower_organisation_id', 'kind', name=op.f('pk_ledger_month')),
    sqlite_with_rowid=False
    )
    op.create_table('term',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('first_day <= last_day', name=op.f('ck_term_term_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_term')),
    sa.UniqueConstraint('name', name=op.f('uq_term_name'))
    )
    op.create_table('holiday',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.CheckConstraint('first_day <= last_day', name=op.f('ck_holiday_holiday_order')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_holiday_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['term_id'], ['term.id'], name=op.f('fk_holiday_term_id_term'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_holiday'))
    )
    with op.batch_alter_table('holiday', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_holiday_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_holiday_term_id'), ['term_id'], unique=False)

    # Plain ADD COLUMN: a batch copy of the resource table trips SQLite's foreign keys.
    op.add_column('resource', sa.Column('quota_hours', sa.Float(), nullable=True))
    op.add_column('resource', sa.Column('quota_per', sa.String(length=10), nullable=True))
    op.add_column('resource', sa.Column('max_pending', sa.Integer(), nullable=True))
    op.add_column('resource', sa.Column('request_expiry_days', sa.Integer(),
                                        server_default='14', nullable=False))

    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.create_index('ix_booking_resource_organisation_start', ['resource_id', 'organisation_id', 'start_at'], unique=False)

    _backfill_ledger()


def _backfill_ledger():
    """Count every confirmed booking already stored, as services.ledger does from now on."""
    connection = op.get_bind()
    resources = {row.id: row for row in connection.execute(
        sa.text('SELECT id, organisation_id, timezone, kind FROM resource'))}
    totals = defaultdict(lambda: [0, 0, 0, 0])
    bookings = connection.execute(sa.text(
        "SELECT resource_id, organisation_id, start_at, end_at, quantity FROM booking "
        "WHERE status = 'confirmed'"))
    for resource_id, organisation_id, start, end, quantity in bookings:
        zone = ZoneInfo(resources[resource_id].timezone)
        for index, (day, seconds) in enumerate(_day_pieces(_utc(start), _utc(end), zone)):
            total = totals[(resource_id, organisation_id, day)]
            total[0] += index == 0
            total[1] += index > 0
            total[2] += seconds
            total[3] += seconds * quantity
    ledger = sa.table('ledger_entry', *(sa.column(name) for name in (
        'resource_id', 'borrower_organisation_id', 'day', 'owner_organisation_id',
        'bookings', 'carried', 'seconds', 'place_seconds')))
    rows = [{'resource_id': r, 'borrower_organisation_id': o, 'day': d,
             'owner_organisation_id': resources[r].organisation_id, 'bookings': c[0],
             'carried': c[1], 'seconds': c[2], 'place_seconds': c[3]}
            for (r, o, d), c in sorted(totals.items())]
    for first in range(0, len(rows), 1000):
        op.bulk_insert(ledger, rows[first:first + 1000])
    months = defaultdict(lambda: [0, 0, 0])
    for (r, o, d), c in totals.items():
        total = months[(d.replace(day=1), resources[r].organisation_id, o, resources[r].kind)]
        total[0] += c[0]
        total[1] += c[2]
        total[2] += c[3]
    ledger_month = sa.table('ledger_month', *(sa.column(name) for name in (
        'month', 'owner_organisation_id', 'borrower_organisation_id', 'kind', 'bookings',
        'seconds', 'place_seconds')))
    rows = [{'month': m, 'owner_organisation_id': w, 'borrower_organisation_id': o, 'kind': k,
             'bookings': c[0], 'seconds': c[1], 'place_seconds': c[2]}
            for (m, w, o, k), c in sorted(months.items())]
    for first in range(0, len(rows), 1000):
        op.bulk_insert(ledger_month, rows[first:first + 1000])


def _utc(moment):
    if isinstance(moment, str):  # SQLite hands back text
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _day_pieces(start, end, zone):
    day = start.astimezone(zone).date()
    while True:
        day_start = datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc)
        day_end = datetime.combine(day + timedelta(days=1), time(0),
                                   tzinfo=zone).astimezone(timezone.utc)
        if day_start >= end:
            return
        seconds = round((min(end, day_end) - max(start, day_start)).total_seconds())
        if seconds > 0:
            yield day, seconds
        day += timedelta(days=1)


def downgrade():
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_index('ix_booking_resource_organisation_start')
    with op.batch_alter_table('resource', schema=None) as batch_op:
        batch_op.drop_column('request_expiry_days')
        batch_op.drop_column('max_pending')
        batch_op.drop_column('quota_per')
        batch_op.drop_column('quota_hours')
    with op.batch_alter_table('holiday', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_holiday_term_id'))
        batch_op.drop_index(batch_op.f('ix_holiday_organisation_id'))
    op.drop_table('holiday')
    op.drop_table('term')
    op.drop_table('ledger_month')
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_entry_day')
    op.drop_table('ledger_entry')
