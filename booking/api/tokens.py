"""POST /tokens signs a program in; GET and DELETE manage the caller's tokens."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _

from booking import limits, throttle
from booking.api import serialise
from booking.api.auth import api_user, public, unauthorized
from booking.api.parsing import Reader, json_object, reject_unknown_query
from booking.exceptions import NotAllowed
from booking.services import accounts, api_tokens

bp = Blueprint("tokens", __name__)


@bp.post("/tokens")
@throttle.password_guesses
@public
def create():
    """Exchange an e-mail address and password for a bearer token."""
    body = Reader(json_object({"email", "password", "name"}, {"email", "password"}))
    email = body.text("email", max_length=limits.EMAIL_LENGTH)
    password = body.text("password", max_length=limits.PASSWORD_LENGTH)
    name = body.text("name", max_length=limits.TOKEN_NAME_LENGTH, default="")
    body.raise_if_errors()
    user = accounts.authenticate(email, password)
    if user is None:
        throttle.count_refusal()
        return unauthorized(_("Wrong e-mail address or password."))
    if user.must_change_password:
        raise NotAllowed(_("Choose your own password in the app first, then ask for a token."))
    token, secret = api_tokens.create_token(user, name)
    return {**serialise.token(token), "token": secret}, 201


@bp.get("/me")
def me():
    """The token's person: id, e-mail, name, organisation, role, language and time zone."""
    reject_unknown_query(())
    return serialise.me(api_user())


@bp.get("/tokens")
def index():
    """The caller's tokens that still work (never their secrets)."""
    reject_unknown_query(())
    return {"items": [serialise.token(t) for t in api_tokens.list_tokens(api_user())],
            "next": None}


@bp.delete("/tokens/<token_id>")
def revoke(token_id: int):
    """Revoke one of the caller's tokens, the one in use included."""
    api_tokens.revoke_token(api_user(), token_id)
    return "", 204
