"""feed versions: a resource's version moves with every change of its bookings (a trigger),
and a feed remembers what its fingerprint was computed from and until when it holds

Revision ID: 0016
Revises: 0004
Create Date: 2026-12-01 23:00:00

A conditional feed request then compares a few numbers instead of reading every booking of the
feed (issue 16, services/feed_state.py). Existing feeds start without a version key: their
first request computes the fingerprint as before and records it.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0004'
branch_labels = None
depends_on = None

# As booking/models/feed_versions.py made them at this revision.
SQLITE = [
    """CREATE TRIGGER booking_feed_version_insert AFTER INSERT ON booking BEGIN
         UPDATE resource SET feed_version = feed_version + 1 WHERE id = NEW.resource_id;
       END""",
    """CREATE TRIGGER booking_feed_version_update AFTER UPDATE ON booking BEGIN
         UPDATE resource SET feed_version = feed_version + 1
         WHERE id IN (OLD.resource_id, NEW.resource_id);
       END""",
    """CREATE TRIGGER booking_feed_version_delete AFTER DELETE ON booking BEGIN
         UPDATE resource SET feed_version = feed_version + 1 WHERE id = OLD.resource_id;
       END""",
]
POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION booking_feed_version() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP <> 'INSERT' THEN
           UPDATE resource SET feed_version = feed_version + 1 WHERE id = OLD.resource_id;
         END IF;
         IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE'
                                 AND NEW.resource_id IS DISTINCT FROM OLD.resource_id) THEN
           UPDATE resource SET feed_version = feed_version + 1 WHERE id = NEW.resource_id;
         END IF;
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER booking_feed_version AFTER INSERT OR UPDATE OR DELETE ON booking
       FOR EACH ROW EXECUTE FUNCTION booking_feed_version()""",
]


def upgrade():
    # Plain ALTER TABLE ... ADD COLUMN on every engine: SQLite takes a NOT NULL column with a
    # default that way, and recreating `resource` in batch mode would trip its foreign keys.
    op.add_column('resource', sa.Column('feed_version', sa.Integer(), nullable=False,
                                        server_default=sa.text('0')))
    op.add_column('calendar_feed', sa.Column('version_key', sa.String(length=64),
                                             nullable=True))
    op.add_column('calendar_feed', sa.Column('valid_until', sa.DateTime(timezone=True),
                                             nullable=True))
    dialect = op.get_bind().dialect.name
    for statement in {'sqlite': SQLITE, 'postgresql': POSTGRESQL}.get(dialect, []):
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        for name in ('insert', 'update', 'delete'):
            op.execute(f'DROP TRIGGER IF EXISTS booking_feed_version_{name}')
    elif dialect == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS booking_feed_version ON booking')
        op.execute('DROP FUNCTION IF EXISTS booking_feed_version()')
    with op.batch_alter_table('calendar_feed', schema=None) as batch_op:
        batch_op.drop_column('valid_until')
        batch_op.drop_column('version_key')
    with op.batch_alter_table('resource', schema=None) as batch_op:
        batch_op.drop_column('feed_version')
