"""audit trail: append-only audit_entry rows, which the database refuses to update or delete

Revision ID: 0008
Revises: 0004
Create Date: 2026-12-01 22:45:00

The triggers are a copy of booking.models.audit.APPEND_ONLY_DDL (a migration must keep doing
what it did when it was written, whatever the app's code says later).
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

APPEND_ONLY_DDL = {
    "postgresql": [
        """CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger
           LANGUAGE plpgsql AS $$
           BEGIN
               RAISE EXCEPTION 'audit entries are append-only: % refused', TG_OP
                   USING ERRCODE = 'insufficient_privilege';
           END $$""",
        """CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
           FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()""",
    ],
    "sqlite": [
        """CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry
           BEGIN SELECT RAISE(ABORT, 'audit entries are append-only: UPDATE refused'); END""",
        """CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry
           BEGIN SELECT RAISE(ABORT, 'audit entries are append-only: DELETE refused'); END""",
    ],
}


def upgrade():
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_email', sa.String(length=254), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('object_type', sa.String(length=20), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('other_organisation_id', sa.Integer(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entry_at', ['at'], unique=False)
        batch_op.create_index('ix_audit_entry_organisation_at', ['organisation_id', 'at'],
                              unique=False)
        batch_op.create_index('ix_audit_entry_other_organisation_at',
                              ['other_organisation_id', 'at'], unique=False)
        batch_op.create_index('ix_audit_entry_object', ['object_type', 'object_id'],
                              unique=False)
        batch_op.create_index('ix_audit_entry_actor', ['actor_id'], unique=False)
    for statement in APPEND_ONLY_DDL.get(op.get_bind().dialect.name, ()):
        op.execute(statement)


def downgrade():
    op.drop_table('audit_entry')  # its triggers go with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_entry_append_only()")
