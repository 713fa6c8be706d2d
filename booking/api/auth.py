"""Bearer-token authentication: every API call but the public ones names its caller."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from booking.extensions import db
from booking.models import User
from booking.services import api_tokens


def public(view: Callable) -> Callable:
    """Mark a view that answers without a token (signing in, the API description)."""
    view.api_public = True
    return view


def authenticate_request():
    """Find the caller from `Authorization: Bearer <token>`, or answer 401.

    Cookies are never looked at: a browser session cannot be ridden into the API, which is
    why the API needs no CSRF token.
    """
    view = current_app.view_functions.get(request.endpoint)
    if request.method == "OPTIONS" or getattr(view, "api_public", False):
        return None
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return unauthorized(_("Send your API token as 'Authorization: Bearer <token>'. "
                              "POST /api/v1/tokens gives you one."))
    user_id = api_tokens.authenticate(secret.strip())
    if user_id is None:
        return unauthorized(_("This token is unknown, expired or revoked."),
                            error="invalid_token")
    g.api_user_id = user_id
    return None


def unauthorized(message: str, *, error: str | None = None):
    """A 401 that tells the client how to authenticate (RFC 6750)."""
    challenge = 'Bearer realm="api"' + (f', error="{error}"' if error else "")
    response = jsonify({"error": "unauthorized", "message": message})
    return response, 401, {"WWW-Authenticate": challenge}


def api_user() -> User:
    """The person the request's token belongs to, with their organisation.

    Read when a view first asks (the token's own read is a plain row); afterwards, and after
    a service read the person (a booking's lock), from the session.
    """
    user = g.get("api_user")
    if user is None:
        user = g.api_user = db.session.get(User, g.api_user_id, options=_WITH_ORGANISATION)
    return user


_WITH_ORGANISATION = (joinedload(User.organisation),)


def api_user_id() -> int:
    """The id of the person the request's token belongs to, without reading them: for a
    service that reads the person in its own transaction (a booking, with the resource it
    locks: services.locking). api_user() afterwards answers from the session."""
    return g.api_user_id
