"""Password guessing: one count per client address for every way in, and one per account.

Both the sign-in page and POST /api/v1/tokens take a password, so both share the same two
limits (docs/security.md):

* per client address, every attempt counts: PASSWORD_GUESSES_PER_ADDRESS;
* per account, wherever the guesses come from, failed attempts count:
  PASSWORD_GUESSES_PER_ACCOUNT. This holds against many addresses, but would let anyone
  lock the owner out, so a browser that once signed in to the account carries a signed
  "trusted device" cookie and gets a count of its own: the owner signs in from their own
  browser while strangers' guesses are refused.

The counters live in RATELIMIT_STORAGE_URI; only a shared store (Redis) makes them hold
across worker processes and servers.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta

from flask import Response, current_app, g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from booking.extensions import limiter

DEVICE_COOKIE = "trusted_device"
DEVICE_LIFETIME = timedelta(days=365)
_SALT = "booking.trusted-device"


def password_guesses(view: Callable) -> Callable:
    """Apply both limits to a view that checks a password."""
    view = limiter.shared_limit(
        lambda: current_app.config["PASSWORD_GUESSES_PER_ACCOUNT"], scope="password-account",
        key_func=_account_key, deduct_when=lambda _response: g.get("password_refused", False),
        methods=["POST"])(view)
    view = limiter.shared_limit(
        lambda: current_app.config["PASSWORD_GUESSES_PER_ADDRESS"], scope="password-address",
        methods=["POST"])(view)
    # The limiter checks only views marked so (extensions.limits_may_apply).
    view.rate_limited = True
    return view


def count_refusal() -> None:
    """Record that this request's password was wrong: it counts against the account."""
    g.password_refused = True


def trust_this_browser(response: Response, email: str) -> Response:
    """After a good password, let this browser keep its own count for the account."""
    token = _serializer().dumps({"account": _digest(email), "device": secrets.token_hex(8)})
    response.set_cookie(DEVICE_COOKIE, token, max_age=int(DEVICE_LIFETIME.total_seconds()),
                        httponly=True, samesite="Lax")
    return response


def _account_key() -> str:
    """The account the request guesses at ("" when it names none: no count then)."""
    email = _submitted_email()
    if not email:
        return ""
    account = _digest(email)
    device = _trusted_device(account)
    return f"{account}.{device}" if device else account


def _submitted_email() -> str:
    if request.is_json:
        body = request.get_json(silent=True)
        email = body.get("email") if isinstance(body, dict) else None
    else:
        email = request.form.get("email")
    return email.strip().lower()[:254] if isinstance(email, str) else ""


def _trusted_device(account: str) -> str | None:
    """This browser's device id, if its cookie is ours and names this account."""
    cookie = request.cookies.get(DEVICE_COOKIE, "")
    try:
        data = _serializer().loads(cookie, max_age=DEVICE_LIFETIME.total_seconds())
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("account") != account:
        return None
    device = data.get("device")
    return device if isinstance(device, str) else None


def _digest(email: str) -> str:
    """The account's name in counters and cookies: no e-mail address in Redis or cookies."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_SALT)
