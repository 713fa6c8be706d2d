"""Language and time-zone choice: the person's setting, then the browser."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import Babel, get_locale
from flask_login import current_user

babel = Babel()

LANGUAGE_NAMES = {"en": "English", "zh": "简体中文"}


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=_selected_locale, timezone_selector=select_timezone,
                   default_translation_directories="translations")
    app.jinja_env.globals.update(LANGUAGE_NAMES=LANGUAGE_NAMES, get_locale=get_locale)


def select_locale() -> str:
    """The signed-in person's language, else the one picked this session, else the browser's."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return request.accept_languages.best_match(languages) or languages[0]


def _selected_locale() -> Locale:
    """select_locale()'s language as the Locale Flask-Babel wants: parsed once per language
    and process, not on every request (Locale.parse returns a Locale it is given)."""
    return _locale(select_locale())


@lru_cache(maxsize=32)
def _locale(code: str) -> Locale:
    return Locale.parse(code)


def select_timezone() -> str:
    if has_request_context() and current_user.is_authenticated and current_user.timezone:
        return current_user.timezone
    return current_app.config["DEFAULT_TIMEZONE"]
