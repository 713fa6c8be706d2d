"""Write transactions that no concurrent booking of the same resource can interleave with.

SQLite: BEGIN IMMEDIATE takes the database's single write lock before the conflict check
reads anything (a deferred BEGIN would let two checks pass and then fail one writer with
"database is locked", or, without our BEGIN, double-book). PostgreSQL: the resource row is
locked FOR UPDATE, so writers of the same resource queue while others proceed; the exclusion
constraint on booking stays as the backstop. See docs/booking-engine.md.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TypeVar

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, joinedload

from booking.exceptions import Conflict, NotFound
from booking.extensions import SQLITE_BEGIN_OPTION, begin_sqlite, db
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
    person); on SQLite a write lock cannot be taken inside it safely (a writer that commits
    after the read began makes the upgrade fail), so that transaction ends first. PostgreSQL
    reads each statement afresh (READ COMMITTED) and locks rows as it goes: the transaction
    that read carries on, saving a ROLLBACK round trip. Either way what was read before is
    expired, so it is read again as the locked transaction sees it. (On SQLite with nothing
    loaded, the connection stays the session's: _restart_as_writer.)
    """
    _begin_write(_is_sqlite())


def _begin_write(sqlite: bool) -> None:
    session = db.session()
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("unflushed changes before a booking transaction")
    if session.in_transaction():
        if sqlite:
            # (A transaction a failed flush ended takes the session's rollback, as before.)
            if not session.identity_map and session.get_transaction().is_active:
                _restart_as_writer(session)
                return
            session.rollback()
        else:
            session.expire_all()
    options = {SQLITE_BEGIN_OPTION: "IMMEDIATE"} if sqlite else {}
    session.connection(execution_options=options)


def _restart_as_writer(session: Session) -> None:
    """SQLite, nothing loaded yet: end the read transaction and begin the write one on the
    same connection.

    What session.rollback() does beyond the database's ROLLBACK is for loaded objects
    (expire them, forget those this transaction wrote), and there are none: an API booking
    reads only its token, as a plain row, before it locks. (The transaction only read, as
    begin_write expects: whatever it might have written is undone either way.) The
    session's rollback, giving the connection back to the pool and taking it again for a
    new transaction cost about 240 of a booking's 4,450 Python calls (bench/speed.md). The
    write turn and BEGIN IMMEDIATE are the engine's begin hook's own
    (extensions.begin_sqlite); the session's COMMIT or ROLLBACK ends them as always.
    """
    connection = session.connection()
    connection.connection.dbapi_connection.rollback()  # the read transaction, if one is open
    begin_sqlite(connection, "IMMEDIATE")


def lock_resource(resource_id: int) -> Resource:
    """Begin a write transaction holding the resource's lock, and return the resource."""
    return _lock(resource_id, None)[0]


def lock_findable(person: User | int, resource_id: int) -> tuple[Resource, User]:
    """Like lock_resource, for a resource the person may find (permissions.can_find); the
    resource and the person.

    The person (or the id of one not read yet: the API's caller) and their organisation are
    read in the same statement as the resource, as this transaction sees them: the
    organisation may have been suspended meanwhile.
    """
    resource, user = _lock(resource_id, person)
    if not can_find(user, resource):
        db.session.rollback()
        raise NotFound(_l("No such resource."))
    return resource, user


def _lock(resource_id: int, person: User | int | None) -> tuple[Resource, User | None]:
    if not 0 < resource_id <= MAX_ID:
        raise NotFound(_l("No such resource."))
    # The key from the identity: reading user.id of an expired object would load it first.
    person_id = person if isinstance(person, int) or person is None else _person_id(person)
    sqlite = _is_sqlite()
    _begin_write(sqlite)
    # Re-populating what the session holds is the point of populate_existing; with nothing
    # held (an API booking) every row makes new objects anyway, and the option costs extra.
    stmt = _lock_statement(sqlite, person is not None, bool(db.session.identity_map))
    row = db.session.execute(stmt, {"resource_id": resource_id, "person_id": person_id}).first()
    if row is None:
        db.session.rollback()
        raise NotFound(_l("No such resource."))
    resource = row[0]
    resource.note_locked_version()
    return resource, (row[1] if person is not None else None)


@cache
def _lock_statement(sqlite: bool, with_person: bool, refresh: bool) -> sa.Select:
    """The resource with its owner (is_offered needs it), and the person with theirs.

    Built once: constructing it per booking was a tenth of the booking's Python work. Only
    the resource's row is locked (PostgreSQL: FOR UPDATE OF resource; SQLite: the write
    transaction). Windows and closures come from Resource.rules()'s cache when unchanged.
    *refresh*: objects the session already holds take the values read under the lock
    (populate_existing), whatever they held before.
    """
    stmt = sa.select(Resource).where(Resource.id == sa.bindparam("resource_id"))
    options = [joinedload(Resource.organisation)]
    if with_person:
        # An inner join on the person's key: one row, or none if either is missing.
        stmt = stmt.add_columns(User).join(User, User.id == sa.bindparam("person_id"))
        options.append(joinedload(User.organisation))
    if not sqlite:
        stmt = stmt.with_for_update(of=Resource)
    return stmt.options(*options).execution_options(populate_existing=refresh)


def _person_id(user: User) -> int:
    identity = sa.inspect(user).identity
    return identity[0] if identity else user.id


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
