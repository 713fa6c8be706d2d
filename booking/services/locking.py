"""Write transactions that no concurrent booking of the same resource can interleave with.

SQLite: BEGIN IMMEDIATE takes the database's single write lock before the conflict check
reads anything (a deferred BEGIN would let two checks pass and then fail one writer with
"database is locked", or, without our BEGIN, double-book). PostgreSQL: the resource row is
locked FOR UPDATE, so writers of the same resource queue while others proceed; the exclusion
constraint on booking stays as the backstop. See docs/booking-engine.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import joinedload

from booking.exceptions import Conflict, NotFound
from booking.extensions import SQLITE_BEGIN_OPTION, db
from booking.limits import MAX_ID
from booking.models import Resource, User
from booking.permissions import can_find

T = TypeVar("T")

# PostgreSQL asks the client to try again after these; they never mean "the slot is taken".
_RETRYABLE_SQLSTATES = {"40001", "40P01"}
EXCLUSION_VIOLATION = "23P01"
MAX_ATTEMPTS = 3


def begin_write() -> None:
    """End any read-only transaction and begin one that may write.

    The request may already have read in a deferred transaction (loading the signed-in
    person); a write lock cannot be taken inside it safely, so that transaction ends first.
    """
    session = db.session()
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("unflushed changes before a booking transaction")
    if session.in_transaction():
        session.rollback()
    options = {SQLITE_BEGIN_OPTION: "IMMEDIATE"} if _is_sqlite() else {}
    session.connection(execution_options=options)


def lock_resource(resource_id: int) -> Resource:
    """Begin a write transaction holding the resource's lock, and return the resource."""
    if not 0 < resource_id <= MAX_ID:
        raise NotFound(_l("No such resource."))
    begin_write()
    # The owner comes in the same statement (is_offered needs it); only the resource's row
    # is locked. Windows and closures come from Resource.rules()'s cache when unchanged.
    stmt = (sa.select(Resource).where(Resource.id == resource_id)
            .options(joinedload(Resource.organisation)))
    if not _is_sqlite():
        stmt = stmt.with_for_update(of=Resource)
    resource = db.session.scalars(stmt.execution_options(populate_existing=True)).first()
    if resource is None:
        db.session.rollback()
        raise NotFound(_l("No such resource."))
    resource.note_locked_version()
    return resource


def lock_findable(user: User, resource_id: int) -> Resource:
    """Like lock_resource, for a resource the person may find (permissions.can_find)."""
    resource = lock_resource(resource_id)
    reload_person(user)
    if not can_find(user, resource):
        db.session.rollback()
        raise NotFound(_l("No such resource."))
    return resource


def reload_person(user: User) -> User:
    """The person and their organisation as this transaction sees them, in one statement.

    begin_write expired what the request read before; lazy loads would take two statements.
    """
    # The key from the identity: reading user.id of an expired object would load it first.
    identity = sa.inspect(user).identity
    person_id = identity[0] if identity else user.id
    return db.session.scalars(sa.select(User).where(User.id == person_id)
                              .options(joinedload(User.organisation))
                              .execution_options(populate_existing=True)).one()


def with_retries(action: Callable[[], T]) -> T:
    """Run a whole transaction, again if PostgreSQL reports a deadlock or serialisation failure."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return action()
        except DBAPIError as exc:
            db.session.rollback()
            if sqlstate(exc) not in _RETRYABLE_SQLSTATES:
                raise
            if attempt == MAX_ATTEMPTS:
                raise Conflict([], message=_l("The resource is very busy right now; "
                                              "please try again.")) from exc
    raise AssertionError("unreachable")


def sqlstate(exc: DBAPIError) -> str | None:
    return getattr(exc.orig, "sqlstate", None)


def is_exclusion_violation(exc: IntegrityError) -> bool:
    return sqlstate(exc) == EXCLUSION_VIOLATION


def _is_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"
