"""SQL sent on a connection's own driver cursor, as SQLAlchemy's execution would send it.

Listeners of `before_cursor_execute` see the statement (and may replace it, as in
SQLAlchemy's own execution; the tests count statements with one), and a driver error reaches
the caller as SQLAlchemy's exception (IntegrityError, OperationalError ...), a lost
connection invalidated. What is skipped is the per-execution machinery (an execution
context, a result object) that costs more than a short statement itself: booking.prepared
runs compiled statements this way, and extensions.begin_sqlite its BEGIN.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


def execute(connection: sa.Connection, sql: str, params: Any = (), *, many: bool = False):
    """Run *sql* with *params* (a list of them with *many*); the driver's open cursor."""
    cursor = connection.connection.dbapi_connection.cursor()
    if connection._has_events or connection.engine._has_events:
        sql, params = connection.dispatch.before_cursor_execute(
            connection, cursor, sql, params, None, many) or (sql, params)
    try:
        if many:
            cursor.executemany(sql, params)
        else:
            cursor.execute(sql, params)
    except Exception as exc:
        cursor.close()
        # Wraps the driver's error as execute() does (and invalidates a lost connection).
        connection._handle_dbapi_exception(exc, sql, params, cursor, None)
    return cursor
