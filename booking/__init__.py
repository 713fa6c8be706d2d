"""Consortium booking: members share staff, facilities and practice bases."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from booking import (bare, cli, config, errors, events, extensions, guards, headers, i18n, limits,
                     links, notifications, security, views)
from booking.services import audit, ledger
from booking.urls import DatabaseIdConverter


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create and configure the booking app."""
    app = Flask(__name__, instance_relative_config=True, template_folder="../templates")
    app.url_map.converters["int"] = DatabaseIdConverter
    app.config.from_object(config)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        _apply_environment(app)
    else:
        app.config.from_mapping(test_config)
    _ensure_secret_key(app)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"])
    headers.register(app)  # before _trust_proxies: it must see the scheme ProxyFix decided
    _trust_proxies(app)
    links.init_app(app)
    extensions.init_app(app)
    i18n.init_app(app)
    app.jinja_env.globals["LIMITS"] = limits  # the maxlength of hand-written inputs
    events.init_app(app)
    audit.init_app(app)
    notifications.init_app(app)
    events.subscribe(app, ledger.on_event)
    for bp in views.ALL_BLUEPRINTS:
        app.register_blueprint(bp)
    errors.register(app)
    guards.register(app)
    bare.register(app)  # last: it puts its hook first
    security.register(app)
    cli.register(app)
    return app


def _apply_environment(app: Flask) -> None:
    """Let DATABASE_URL, SECRET_KEY, PUBLIC_URL, RATELIMIT_STORAGE_URI, TRUSTED_PROXIES,
    SQLITE_SYNCHRONOUS, MAIL_URL and MAIL_FROM win."""
    if url := os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = url
    if public := os.environ.get("PUBLIC_URL"):
        app.config["PUBLIC_URL"] = public
    if key := os.environ.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = key
    if storage := os.environ.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = storage
    if synchronous := os.environ.get("SQLITE_SYNCHRONOUS"):
        app.config["SQLITE_SYNCHRONOUS"] = synchronous
    if proxies := os.environ.get("TRUSTED_PROXIES"):
        app.config["TRUSTED_PROXIES"] = int(proxies)
    for name in ("MAIL_URL", "MAIL_FROM"):
        if value := os.environ.get(name):
            app.config[name] = value


def _trust_proxies(app: Flask) -> None:
    """Behind N reverse proxies, take client address, scheme and host from their headers.

    Rate limits then count real clients, and feed URLs come out as the public https ones.
    """
    if count := int(app.config.get("TRUSTED_PROXIES") or 0):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def _ensure_secret_key(app: Flask) -> None:
    """Use the configured key, else one generated once into the instance folder."""
    if app.config.get("SECRET_KEY"):
        return
    key_file = Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    app.config["SECRET_KEY"] = key_file.read_text().strip()


def normalise_database_url(url: str) -> str:
    """Route plain postgres URLs to the psycopg 3 driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
