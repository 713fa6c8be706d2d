"""Signing in and out, password and personal settings, language switch."""

from __future__ import annotations

from flask import (Blueprint, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from booking.exceptions import InvalidInput
from booking.extensions import PASSWORD_ATTEMPTS, db, limiter, login_manager
from booking.forms.auth import ChangePasswordForm, LoginForm, SettingsForm
from booking.models import User
from booking.services import accounts
from booking.urls import safe_next
from booking.views.helpers import show_field_errors

bp = Blueprint("auth", __name__)

# Pages a person who must change the first password can still reach.
_ALLOWED_BEFORE_PASSWORD_CHANGE = {"auth.change_password", "auth.logout", "auth.set_language",
                                   "static", "bootstrap.static"}


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Find the session's person; an old session version (password changed) is refused."""
    id_part, _sep, version = user_id.partition(".")
    if not id_part.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(id_part))
    if user is None or user.session_version != int(version) or not user.is_active:
        return None
    return user


@bp.before_app_request
def require_password_change():
    """Send a person with a first password to choose their own before anything else."""
    if (current_user.is_authenticated and current_user.must_change_password
            and request.endpoint not in _ALLOWED_BEFORE_PASSWORD_CHANGE
            and not request.path.startswith("/api/")):
        return redirect(url_for("auth.change_password"))
    return None


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(PASSWORD_ATTEMPTS, methods=["POST"])
def login():
    """Sign in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("Wrong e-mail address or password."))
        else:
            target = safe_next(request.args.get("next"), url_for("main.index"))
            chosen_locale = session.get("locale")
            session.clear()  # a fresh session: nothing fixated before login survives
            if chosen_locale:
                session["locale"] = chosen_locale
            login_user(user, remember=form.remember.data)
            return redirect(target)
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Sign out of this browser."""
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Choose a new password; other sessions of this person end."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data,
                                     form.new_password.data)
        except InvalidInput as exc:
            show_field_errors(form, exc)
        else:
            # The session version changed: sign this session in again with the real object
            # (the current_user proxy would point at itself).
            login_user(current_user._get_current_object())
            flash(_("Your password is changed."), "success")
            return redirect(url_for("main.index"))
    return render_template("auth/password.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def settings():
    """Name, language and time zone."""
    form = SettingsForm(obj=current_user)
    if request.method == "GET":
        form.locale.data = current_user.locale or ""
    if form.validate_on_submit():
        try:
            accounts.update_preferences(current_user, name=form.name.data,
                                        locale=form.locale.data, timezone=form.timezone.data)
        except InvalidInput as exc:
            show_field_errors(form, exc)
        else:
            flash(_("Your settings are saved."), "success")
            return redirect(url_for("auth.settings"))
    return render_template("auth/settings.html", form=form)


@bp.post("/language")
def set_language():
    """Switch the interface language from any page."""
    locale = request.form.get("locale", "")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
            db.session.commit()
    return redirect(safe_next(request.form.get("next"), url_for("main.index")))
