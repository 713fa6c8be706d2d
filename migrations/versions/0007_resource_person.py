"""resource.person_id: a staff resource names the member whose time it is

Revision ID: 0007
Revises: 0004
Create Date: 2026-12-01 22:40:00

Resources made before this revision name nobody; their organisation's admins name the person.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite adds a column with its reference in place; batch mode would copy the table,
        # which bookings and feeds refer to, and foreign_keys=ON refuses to drop the old one.
        op.execute('ALTER TABLE resource ADD COLUMN person_id INTEGER '
                   'CONSTRAINT fk_resource_person_id_user REFERENCES "user" (id)')
        op.create_index('ix_resource_person_id', 'resource', ['person_id'], unique=False)
        return
    op.add_column('resource', sa.Column('person_id', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_resource_person_id'), 'resource', ['person_id'], unique=False)
    op.create_foreign_key(op.f('fk_resource_person_id_user'), 'resource', 'user',
                          ['person_id'], ['id'])


def downgrade():
    op.drop_index(op.f('ix_resource_person_id'), table_name='resource')
    if op.get_bind().dialect.name == 'sqlite':
        # The copied table leaves the column and its reference out together.
        with op.batch_alter_table('resource', schema=None) as batch_op:
            batch_op.drop_column('person_id')
        return
    op.drop_constraint(op.f('fk_resource_person_id_user'), 'resource', type_='foreignkey')
    op.drop_column('resource', 'person_id')
