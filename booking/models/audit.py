"""The audit trail: one append-only row per change, written in the change's own transaction.

The actor's id and e-mail are copied, not referenced, so an entry outlives the person, the
organisation and the object it names. Nothing in the app updates or deletes an entry; the
database refuses it as well (APPEND_ONLY_DDL, created with the table and by migration 0008).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from booking import limits
from booking.db_types import UTCDateTime
from booking.extensions import db

ACTION_LENGTH = 40
OBJECT_TYPE_LENGTH = 20
#: The kinds of object an entry names, as the filters and the API give them.
OBJECT_TYPES = ("booking", "series", "resource", "organisation", "person", "token", "feed")


class AuditEntry(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Copied from the person who acted (no foreign key: the entry outlives them). A failed
    # sign-in has no actor id, only the e-mail address that was tried.
    actor_id: Mapped[int | None] = mapped_column()
    actor_email: Mapped[str] = mapped_column(sa.String(limits.EMAIL_LENGTH), default="")
    action: Mapped[str] = mapped_column(sa.String(ACTION_LENGTH))
    object_type: Mapped[str] = mapped_column(sa.String(OBJECT_TYPE_LENGTH))
    object_id: Mapped[int | None] = mapped_column()
    # Whose entry it is: the organisation that owns the object (a booking's resource's owner),
    # and the other one concerned (the organisation that booked), whose admins see it too.
    organisation_id: Mapped[int | None] = mapped_column()
    other_organisation_id: Mapped[int | None] = mapped_column()
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    __table_args__ = (
        sa.Index("ix_audit_entry_at", "at"),
        sa.Index("ix_audit_entry_organisation_at", "organisation_id", "at"),
        sa.Index("ix_audit_entry_other_organisation_at", "other_organisation_id", "at"),
        sa.Index("ix_audit_entry_object", "object_type", "object_id"),
        sa.Index("ix_audit_entry_actor", "actor_id"),
    )


#: Statements that make the database itself refuse UPDATE and DELETE of audit entries.
#: Migration 0008 holds a copy (migrations do not import the app's code).
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


@sa.event.listens_for(AuditEntry.__table__, "after_create")
def _refuse_changes(table: sa.Table, connection: sa.Connection, **_: Any) -> None:
    for statement in APPEND_ONLY_DDL.get(connection.dialect.name, ()):
        connection.execute(sa.text(statement))
