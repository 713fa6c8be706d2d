"""The site's public address: absolute links for calendar programs, and the domain in UIDs.

Calendar programs key events on their UIDs and follow links long after the request that made
them, so neither may come from the request's Host header, which is the client's text: reached
as 127.0.0.1 and as localhost, the same booking got two UIDs, and a malformed Host gave
`URL:http:///bookings/21`. PUBLIC_URL (README, Configuration) says where the site is.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from flask import Flask, current_app
from werkzeug.routing import MapAdapter

#: Where `make run` serves the app: the address used when nothing else is configured.
LOCAL_ADDRESS = "http://localhost:5000"
_HOSTNAME = re.compile(r"[a-z0-9.-]{1,253}")


def init_app(app: Flask) -> None:
    """Check the public address once, at start-up: a malformed one stops the app, saying why."""
    _split(public_address(app))
    configured = app.config.get("PUBLIC_URL") or app.config.get("SERVER_NAME")
    if not configured and not (app.debug or app.testing):
        app.logger.warning("PUBLIC_URL is not set: feed URLs, links and iCalendar UIDs use %s. "
                           "Set it to the address people reach this site at.", LOCAL_ADDRESS)


def public_address(app: Flask | None = None) -> str:
    """PUBLIC_URL; else SERVER_NAME with the preferred scheme; else the local address."""
    config = (app or current_app).config
    if url := config.get("PUBLIC_URL"):
        return str(url).rstrip("/")
    if server := config.get("SERVER_NAME"):
        root = (config.get("APPLICATION_ROOT") or "/").rstrip("/")
        return f"{config.get('PREFERRED_URL_SCHEME') or 'http'}://{server}{root}"
    return LOCAL_ADDRESS


def public_url(endpoint: str, **values) -> str:
    """The absolute URL of *endpoint* at the public address, whatever the request said."""
    return _adapter().build(endpoint, values, force_external=True)


def uid_domain() -> str:
    """The domain in every UID: ICAL_UID_DOMAIN if set, else the public address's host.

    Both default to what earlier versions used (ICAL_UID_DOMAIN, SERVER_NAME, or the host
    name people reached the site by), so UIDs in service stay the same once PUBLIC_URL names
    that host.
    """
    return _uid_domain(current_app.config.get("ICAL_UID_DOMAIN"), public_address())


@lru_cache(maxsize=64)
def _uid_domain(configured: str | None, address: str) -> str:
    # Every feed poll asks: parsed once per setting rather than per request.
    host = (urlsplit(f"//{configured}").hostname or "") if configured else ""
    if _HOSTNAME.fullmatch(host):
        return host
    return _split(address)[1].split(":")[0]


def _adapter() -> MapAdapter:
    scheme, netloc, path = _split(public_address())
    return current_app.url_map.bind(netloc, script_name=path or "/", url_scheme=scheme)


def _split(address: str) -> tuple[str, str, str]:
    """(scheme, host[:port], path) of a public address, or ValueError naming the problem."""
    parts = urlsplit(address)
    try:
        host = (parts.hostname or "").encode("idna").decode("ascii")
        port = parts.port
    except (UnicodeError, ValueError):
        host, port = "", None
    if parts.scheme not in ("http", "https") or not _HOSTNAME.fullmatch(host) \
            or parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(f"PUBLIC_URL must be an http(s) address such as "
                         f"https://booking.example.org, not {address!r}")
    return parts.scheme, host + (f":{port}" if port else ""), parts.path.rstrip("/")
