"""Small helpers shared by the HTML views."""

from __future__ import annotations

from typing import TypeVar

from flask import abort
from flask_login import current_user
from flask_wtf import FlaskForm

from booking.exceptions import InvalidInput
from booking.extensions import db
from booking.limits import MAX_ID
from booking.models import Resource
from booking.permissions import can_book, can_find

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


def bookable_resource(raw_id: str | None) -> Resource:
    """The resource a form names: 404 unless the person may find it, 403 unless book it."""
    if not raw_id or not str(raw_id).isdigit() or int(raw_id) > MAX_ID:
        abort(404)
    resource = get_or_404(Resource, int(raw_id))
    if not can_find(current_user, resource):
        abort(404)
    if not can_book(current_user, resource):
        abort(403)
    return resource
