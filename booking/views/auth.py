"""Signing in and out, password and personal settings, language switch."""

from __future__ import annotations

from flask import (Blueprint, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from booking import throttle
from booking.bare import is_bare
from booking.exceptions import InvalidInput
from booking.extensions import db, login_manager
from booking.forms.auth import ChangePasswordForm, LoginForm, SettingsForm
from booking.models import User
from booking.services import accounts, feeds, sessions
from booking.urls import safe_next
from booking.views.helpers import show_field_errors

bp = Blueprint("auth", __name__)

# Pages a person who must change the first password can still reach.
_ALLOWED_BEFORE_PASSWORD_CHANGE = {"auth.change_password", "auth.logout", "auth.set_language",
                                   "static", "bootstrap.static"}


@login_manager.user_loader
def load_user(session_key: str) -> User | None:
    """The person whose live session the cookie names; an ended session is refused."""
    return sessions.find_session_user(session_key)


@bp.before_app_request
def require_password_change():
    """Send a person with a first password to choose their own before anything else."""
    # What needs no signed-in person is decided first: looking at current_user loads them.
    if (request.endpoint in _ALLOWED_BEFORE_PASSWORD_CHANGE or request.path.startswith("/api/")
            or is_bare()):
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        return redirect(url_for("auth.change_password"))
    return None


@bp.route("/login", methods=["GET", "POST"])
@throttle.password_guesses
def login():
    """Sign in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is None:
            throttle.count_refusal()
            form.password.errors.append(_("Wrong e-mail address or password."))
        else:
            target = safe_next(request.args.get("next"), url_for("main.index"))
            chosen_locale = session.get("locale")
            session.clear()  # a fresh session: nothing fixated before login survives
            if chosen_locale:
                session["locale"] = chosen_locale
            _sign_in(user, remember=form.remember.data)
            return throttle.trust_this_browser(redirect(target), user.email)
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Sign out of this browser: its session ends on the server, copies of its cookies too."""
    sessions.end_session(current_user.get_id())
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    """End every session of this person, on every device, this one included."""
    sessions.end_all_sessions(current_user)
    logout_user()
    flash(_("You are signed out on every device. Sign in again here."), "info")
    return redirect(url_for("auth.login"))


def _sign_in(user: User, *, remember: bool) -> None:
    """Start a recorded session for this browser and put its key in the cookies."""
    sessions.start_session(user)
    login_user(user, remember=remember)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Choose a new password; other sessions of this person end."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            accounts.change_password(user, form.current_password.data, form.new_password.data)
        except InvalidInput as exc:
            show_field_errors(form, exc)
        else:
            # Every session ended, this one too: sign this browser in afresh.
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME",
                                                "remember_token") in request.cookies
            _sign_in(user, remember=remembered)
            flash(_("Your password is changed. You are signed out on your other devices, "
                    "and your API tokens no longer work."), "success")
            if not feeds.list_feeds(user):
                return redirect(url_for("main.index"))
            flash(_("Your calendar subscriptions keep working. If someone else may know "
                    "their addresses, give each a new address below."), "info")
            return redirect(url_for("feeds.index"))
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
