"""Bearer-token authentication: every API call but the public ones names its caller."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, g, jsonify, request
from flask_babel import gettext as _

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
    user = api_tokens.authenticate(secret.strip())
    if user is None:
        return unauthorized(_("This token is unknown, expired or revoked."),
                            error="invalid_token")
    g.api_user = user
    return None


def unauthorized(message: str, *, error: str | None = None):
    """A 401 that tells the client how to authenticate (RFC 6750)."""
    challenge = 'Bearer realm="api"' + (f', error="{error}"' if error else "")
    response = jsonify({"error": "unauthorized", "message": message})
    return response, 401, {"WWW-Authenticate": challenge}


def api_user() -> User:
    """The person the request's token belongs to."""
    return g.api_user
