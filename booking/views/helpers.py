"""Small helpers shared by the HTML views."""

from __future__ import annotations

from typing import TypeVar

from flask import abort
from flask_wtf import FlaskForm

from booking.exceptions import InvalidInput
from booking.extensions import db

T = TypeVar("T")


def show_field_errors(form: FlaskForm, exc: InvalidInput) -> None:
    """Put a service's field errors next to the fields, the rest above the form."""
    for name, messages in exc.fields.items():
        field = getattr(form, name, None)
        target = field.errors if field is not None else form.form_errors
        if isinstance(target, tuple):
            target = list(target)
            field.errors = target
        target.extend(str(m) for m in messages)


def get_or_404(model: type[T], ident: int) -> T:
    """Load a row by primary key or answer 404."""
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj
