"""feed change times: Resource.calendar_changed_at, CalendarFeed content fingerprint and time

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-01 20:00:00

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('resource', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_changed_at', sa.DateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('calendar_feed', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_fingerprint', sa.String(length=64),
                                      nullable=True))
        batch_op.add_column(sa.Column('content_changed_at', sa.DateTime(timezone=True),
                                      nullable=True))
    # Feeds in service were served with Last-Modified values up to now, and their content
    # changes with this release: starting their change time here moves Last-Modified forward
    # for every client, never back (services.feeds.feed_state).
    feeds = sa.table('calendar_feed', sa.column('content_changed_at', sa.DateTime(timezone=True)))
    now = datetime.now(timezone.utc).replace(microsecond=0)
    if op.get_bind().dialect.name == 'sqlite':
        now = now.replace(tzinfo=None)  # stored as naive UTC there (booking.db_types)
    op.execute(feeds.update().values(content_changed_at=now))


def downgrade():
    with op.batch_alter_table('calendar_feed', schema=None) as batch_op:
        batch_op.drop_column('content_changed_at')
        batch_op.drop_column('content_fingerprint')
    with op.batch_alter_table('resource', schema=None) as batch_op:
        batch_op.drop_column('calendar_changed_at')
