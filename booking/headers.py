"""Security headers on every answer, and what changes when the request came over HTTPS.

A small after_request rather than Flask-Talisman: Talisman overwrites headers a view set on
purpose (a feed's Referrer-Policy), writes SESSION_COOKIE_SECURE into the config while
serving, and believes X-Forwarded-Proto from anyone; here every header is a default a view
may override, and "over HTTPS" means what ProxyFix decided (TRUSTED_PROXIES).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from functools import lru_cache

from flask import Flask, Response, g
from markupsafe import Markup

#: No inline script or style at all: scripts and style sheets are files under booking/static.
#: The one exception is the page's own nonced <style> of computed positions (page_styles).
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",  # Bootstrap draws its form and menu icons as data: SVGs
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
#: Powerful browser features this app never uses, switched off for it and anything it embeds.
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope",
    "magnetometer", "microphone", "midi", "payment", "usb", "browsing-topics"))
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # for browsers that predate frame-ancestors
    # same-origin, not no-referrer: Flask-WTF checks the Referer of HTTPS form posts. Pages
    # never send a referrer to another site, and feeds send none at all.
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000"
_UNSAFE_IN_STYLE = re.compile(r"[<>{}\\@]")


def register(app: Flask) -> None:
    app.after_request(set_security_headers)
    app.jinja_env.globals.update(csp_nonce=csp_nonce, style_class=style_class,
                                 page_styles=page_styles)
    # Inside ProxyFix (applied later by the factory), so it sees the scheme ProxyFix trusts.
    app.wsgi_app = SecureOverHttps(app.wsgi_app)


def _policy(nonce: str | None) -> str:
    policy = dict(CONTENT_SECURITY_POLICY)
    if nonce:
        policy["style-src"] += f" 'nonce-{nonce}'"
    return "; ".join(f"{k} {v}" for k, v in policy.items())


_PLAIN_POLICY = _policy(None)  # most answers have no inline style: built once


def set_security_headers(response: Response) -> Response:
    """The defaults every answer gets; a header the view set itself is kept."""
    nonce = g.get("csp_nonce")
    response.headers.setdefault("Content-Security-Policy",
                                _policy(nonce) if nonce else _PLAIN_POLICY)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def csp_nonce() -> str:
    """This answer's nonce, made on first use (answers without inline style get none)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def style_class(declarations: str) -> str:
    """A class name that applies *declarations*; page_styles() writes its rule.

    Replaces style="..." attributes, which a CSP without 'unsafe-inline' refuses: the
    calendar positions each block with computed custom properties (--top, --len, ...).
    """
    name = _class_name(declarations)
    g.setdefault("page_styles", {})[name] = declarations
    return name


@lru_cache(maxsize=16_384)
def _class_name(declarations: str) -> str:
    # A timeline asks for the same few positions hundreds of times per page.
    if _UNSAFE_IN_STYLE.search(declarations):
        raise ValueError(f"not a plain list of declarations: {declarations!r}")
    return "s-" + hashlib.blake2s(declarations.encode(), digest_size=6).hexdigest()


def page_styles() -> Markup:
    """Every rule style_class() collected on this page, as one nonced <style> element."""
    rules = g.get("page_styles")
    if not rules:
        return Markup("")
    css = "".join(f".{name}{{{declarations}}}" for name, declarations in rules.items())
    return Markup('<style nonce="{}">{}</style>').format(csp_nonce(), Markup(css))


class SecureOverHttps:
    """Over HTTPS, mark every cookie Secure and send Strict-Transport-Security.

    Works on the finished headers, so it covers cookies from Flask's session, Flask-Login's
    remember-me, the trusted-device cookie and any set later, and answers from error handlers.
    """

    def __init__(self, wsgi_app: Callable) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("wsgi.url_scheme") != "https":
            return self.wsgi_app(environ, start_response)

        def secure_start_response(status: str, headers: list, exc_info=None):
            headers = [(name, _secure_cookie(value) if name.lower() == "set-cookie" else value)
                       for name, value in headers]
            if not any(name.lower() == "strict-transport-security" for name, _v in headers):
                headers.append(("Strict-Transport-Security", HSTS))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, secure_start_response)


def _secure_cookie(line: str) -> str:
    attributes = [part.strip().lower() for part in line.split(";")[1:]]
    return line if "secure" in attributes else f"{line}; Secure"
