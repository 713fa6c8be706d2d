"""Statements compiled once and run on the session's own driver connection (issue 16).

For every statement, SQLAlchemy's `execute()` computes the statement's cache key (a walk over
the whole statement), looks the compiled form up, and builds an execution context and a
result object. On the hottest paths, a feed's 304 and a booking, that costs more than the
driver and the database together: 80 µs against 36 µs for a feed's poll on SQLite, 330 µs
against 130 µs on PostgreSQL (bench/speed.md). A `Prepared` statement does that work once per
dialect; each run then only binds the parameters, runs the driver's cursor and converts the
values with SQLAlchemy's own type processors, so what goes in and comes out is exactly what
`session.execute()` would write and give.

It runs on the connection of the session's transaction (beginning it as `session.execute`
would, and flushing what the session holds first, as its autoflush does), so it sees, and is
part of, everything else the transaction does. Engine listeners
of `before_cursor_execute` see it (the tests count statements with one), and driver errors
reach the caller as SQLAlchemy's exceptions (IntegrityError, OperationalError ...), with a
lost connection invalidated, as from `execute()`. Core statements only: no ORM entities.

It uses SQLAlchemy's compiled form and a few of its internals (the compiler's bind and result
processors, the connection's error handling, the session's autoflush), the same in 2.0 and
2.1; `tests/test_prepared.py` compares it with `execute()` on both engines, so an upgrade that
changes them fails there first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import visitors

from booking import driver
from booking.extensions import db


@dataclass
class _Form:
    """A statement as one dialect runs it."""

    compiled: Any  # sqlalchemy.sql.compiler.SQLCompiler
    sql: str
    positions: tuple[str, ...] | None  # the parameters' names in order, for qmark/format styles
    fixed: dict[str, Any]  # every parameter's value as compiled (constants, expanded IN lists)
    given: list[tuple[str, str, bool]]  # (key a run gives, parameter name, required)
    binders: dict[str, Callable]  # parameter name -> bind processor
    readers: list[Callable | None] | None = field(default=None)  # per result column


class Prepared:
    """A Core statement run without SQLAlchemy's per-execution machinery (module docstring).

    *column_keys*: for an INSERT or UPDATE, the columns every run gives (compiled once with
    exactly those; a run must give them all).
    """

    def __init__(self, statement: sa.Executable, *, column_keys: Iterable[str] | None = None):
        self.statement = statement
        self.column_keys = list(column_keys) if column_keys is not None else None
        self._forms: dict[str, _Form] = {}

    def rows(self, params: Mapping[str, Any] | None = None) -> list[tuple]:
        """Every row, each a tuple of its columns' values."""
        connection, form, cursor = self._run(params or {})
        try:
            return [self._read(form, row, cursor) for row in cursor.fetchall()]
        finally:
            cursor.close()

    def first(self, params: Mapping[str, Any] | None = None) -> tuple | None:
        """The first row, or None."""
        connection, form, cursor = self._run(params or {})
        try:
            row = cursor.fetchone()
            return None if row is None else self._read(form, row, cursor)
        finally:
            cursor.close()

    def scalar(self, params: Mapping[str, Any] | None = None) -> Any:
        """The first column of the first row, or None."""
        row = self.first(params)
        return None if row is None else row[0]

    def run(self, params: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> int:
        """Run a statement that returns no rows, once or once per mapping; its rowcount."""
        many = not isinstance(params, Mapping)
        connection, form, cursor = self._run(params, many=many)
        try:
            return cursor.rowcount
        finally:
            cursor.close()

    # ------------------------------------------------------------------------ running

    def _run(self, params, *, many: bool = False):
        session = db.session()
        # What the session holds is written first, as session.execute() would (autoflush).
        session._autoflush()
        connection = session.connection()
        form = self._form(connection.dialect)
        bound = [self._bind(form, p) for p in params] if many else self._bind(form, params)
        return connection, form, driver.execute(connection, form.sql, bound, many=many)

    def _form(self, dialect: sa.Dialect) -> _Form:
        form = self._forms.get(dialect.name)
        if form is None:
            required = {bind.key for bind in visitors.iterate(self.statement)
                        if isinstance(bind, sa.BindParameter) and bind.required}
            statement, options = self.statement, {}
            if isinstance(statement, sa.Select):
                # Lists of constants (IN) are rendered into the statement for good; the
                # compiler does that only when every parameter has a value.
                statement = statement.params({key: None for key in required})
                options = {"render_postcompile": True}
            compiled = statement.compile(dialect=dialect, column_keys=self.column_keys,
                                         compile_kwargs=options)
            if "__[POSTCOMPILE_" in compiled.string and not options:
                raise NotImplementedError("IN lists are prepared in SELECT statements only")
            if computed := [*compiled.insert_prefetch, *compiled.update_prefetch]:
                # execute() would compute these columns' Python defaults (onupdate=...) per run
                raise NotImplementedError(f"give {', '.join(c.key for c in computed)} too")
            expanded = compiled._post_compile_expanded_state  # None: nothing was expanded
            if expanded is not None:
                fixed = dict(expanded.parameters)
                binders = {**compiled._bind_processors, **expanded.processors}
                positions = tuple(expanded.positiontup) if compiled.positional else None
            else:
                fixed, binders = (compiled.construct_params(_check=False),
                                  dict(compiled._bind_processors))
                positions = tuple(compiled.positiontup) if compiled.positional else None
            escaped = compiled.escaped_bind_names or {}
            given = [(bind.key, escaped.get(name, name), bind.key in required or bind.required)
                     for bind, name in compiled.bind_names.items()
                     if escaped.get(name, name) in fixed]
            sql = expanded.statement if expanded is not None else compiled.string
            form = _Form(compiled, sql, positions, fixed, given, binders)
            self._forms[dialect.name] = form
        return form

    @staticmethod
    def _bind(form: _Form, params: Mapping[str, Any]):
        values = dict(form.fixed)
        for key, name, required in form.given:
            if key in params:
                values[name] = params[key]
            elif required:
                raise sa.exc.InvalidRequestError(f"A value is required for {key!r}")
        for name, process in form.binders.items():
            if name in values:
                values[name] = process(values[name])
        if form.positions is not None:
            return [values[name] for name in form.positions]
        return values

    @staticmethod
    def _read(form: _Form, row: Sequence, cursor) -> tuple:
        readers = form.readers
        if readers is None:
            # Some processors depend on the driver's type codes (PostgreSQL numerics): made
            # once, from the first result's description.
            dialect = form.compiled.dialect
            readers = form.readers = [
                column.type._cached_result_processor(dialect, description[1])
                for column, description in zip(form.compiled._result_columns,
                                               cursor.description)]
        return tuple(value if read is None or value is None else read(value)
                     for read, value in zip(readers, row))
