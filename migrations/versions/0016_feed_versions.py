"""feed versions: a resource's version moves with every change of its bookings (a trigger
and the table resource_feed_version),
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
down_revision = '0008'
branch_labels = None
depends_on = None

# As booking/models/feed_versions.py made them at this revision.
_BUMP = ("INSERT INTO resource_feed_version (resource_id, version) VALUES ({row}.resource_id, 1) "
         "ON CONFLICT (resource_id) DO UPDATE SET version = resource_feed_version.version + 1")
SQLITE = [
    f"""CREATE TRIGGER booking_feed_version_insert AFTER INSERT ON booking BEGIN
         {_BUMP.format(row="NEW")};
       END""",
    f"""CREATE TRIGGER booking_feed_version_update AFTER UPDATE ON booking BEGIN
         {_BUMP.format(row="OLD")};
         {_BUMP.format(row="NEW")};
       END""",
    f"""CREATE TRIGGER booking_feed_version_delete AFTER DELETE ON booking BEGIN
         {_BUMP.format(row="OLD")};
       END""",
]
POSTGRESQL = [
    f"""CREATE OR REPLACE FUNCTION booking_feed_version() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP <> 'INSERT' THEN
           {_BUMP.format(row="OLD")};
         END IF;
         IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE'
                                 AND NEW.resource_id IS DISTINCT FROM OLD.resource_id) THEN
           {_BUMP.format(row="NEW")};
         END IF;
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER booking_feed_version AFTER INSERT OR UPDATE OR DELETE ON booking
       FOR EACH ROW EXECUTE FUNCTION booking_feed_version()""",
]


def upgrade():
    op.create_table('resource_feed_version',
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['resource_id'], ['resource.id'],
                            name=op.f('fk_resource_feed_version_resource_id_resource'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('resource_id', name=op.f('pk_resource_feed_version'))
    )
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
    op.drop_table('resource_feed_version')
