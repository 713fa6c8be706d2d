"""The page where people make, see and revoke their API tokens."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length, Optional

from booking import limits
from booking.exceptions import InvalidInput, NotFound
from booking.services import api_tokens
from booking.views.helpers import show_field_errors

bp = Blueprint("tokens", __name__, url_prefix="/account/tokens")


class NewTokenForm(FlaskForm):
    name = StringField(_l("What the token is for"),
                       validators=[Optional(), Length(max=limits.TOKEN_NAME_LENGTH)],
                       description=_l("For example: timetable sync"))


class RevokeForm(FlaskForm):
    """Only the CSRF token: revoking needs no other input."""


@bp.route("", methods=["GET", "POST"])
@login_required
def index():
    """List the person's working tokens; a new one's secret is shown once, on this answer."""
    form = NewTokenForm()
    secret = None
    if form.validate_on_submit():
        try:
            _token, secret = api_tokens.create_token(current_user, form.name.data or "")
        except InvalidInput as exc:
            show_field_errors(form, exc)
        else:
            form = NewTokenForm(formdata=None)
    page = render_template("tokens/index.html", form=form, revoke_form=RevokeForm(),
                           tokens=api_tokens.list_tokens(current_user), secret=secret)
    # A page holding a secret must not linger in caches or the back-forward history.
    return page, 200, {"Cache-Control": "no-store"}


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    """Revoke one token: programs using it get 401 from now on."""
    if not RevokeForm().validate_on_submit():
        abort(400)
    try:
        api_tokens.revoke_token(current_user, token_id)
    except NotFound:
        abort(404)
    flash(_("The token is revoked: programs that use it are refused from now on."), "success")
    return redirect(url_for("tokens.index"))
