"""Calendars outside the app: subscription feeds, .ics downloads, and closures from an .ics file."""

from __future__ import annotations

import gzip
import hashlib
import threading
from datetime import datetime

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template,
                   request, url_for)
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.http import http_date, quote_etag

from booking import ical, ical_import, links
from booking.bare import bare, reads_only
from booking.db_types import utcnow
from booking.exceptions import BookingsWouldBreak, InvalidInput
from booking.lru import LruCache
from booking.messages import describe_breach
from booking.models import CalendarFeed, FeedScope, Resource
from booking.permissions import can_manage_resource
from booking.services import feeds as service
from booking.services import resources as resource_service
from booking.services.feed_state import FeedState, feed_state, poll, stored_state
from booking.views.helpers import show_field_errors

bp = Blueprint("feeds", __name__)

_FEED_HEADERS = {
    # Private data behind a secret URL: no shared caches, no referrers, no search engines.
    "Cache-Control": "private, no-cache",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    # The body depends on Accept-Encoding: gzip when asked for, plain otherwise.
    "Vary": "Accept-Encoding",
}


class ImportForm(FlaskForm):
    file = FileField(_l("Calendar file (.ics)"),
                     validators=[FileRequired(_l("Choose an .ics file."))],
                     render_kw={"accept": ".ics,text/calendar"})


@bp.get("/feeds/<token>.ics")
@bare
@reads_only  # a poll's writes are each one compare-and-set UPDATE (services.feed_state)
def feed(token: str):
    """A subscription feed for calendar programs: no login, the secret token is the key."""
    polled = poll(token)
    if polled is None:
        return _feed_not_found()
    now, coding, cache = utcnow(), _content_coding(), _feed_cache()
    # The subscriber's language, never the fetching program's Accept-Language or session.
    locale = polled.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    host = links.uid_domain()
    context = (host, links.public_address(), locale)
    # Most polls end here: nothing the feed was computed from changed, one statement.
    state = stored_state(polled, now=now, context=context)
    if state is not None and (answer := _known_not_modified(cache, state, coding, now)):
        return answer
    found = service.find_feed(token)
    if found is None:
        return _feed_not_found()
    with force_locale(locale):
        if state is None:  # else the stored state holds, and only this process lacks its ETag
            state = feed_state(found, now=now, context=context, polled=polled)
            if answer := _known_not_modified(cache, state, coding, now):
                return answer
        body = _render_feed(found, now, host, locale, cache.events)
    etag = hashlib.sha256(body).hexdigest()
    cache.remember(state.fingerprint, etag)
    tag = _tagged(etag, coding)
    if _not_modified(tag, state.last_modified, now):
        return _feed_response(b"", tag, state.last_modified, status=304)
    return _feed_response(_encoded(body, coding), tag, state.last_modified, coding=coding)


@bp.route("/feeds/", methods=["GET", "POST"])
@login_required
def index():
    """Calendar subscriptions: list, make, regenerate and revoke the person's feeds."""
    if request.method == "GET":
        return _index_page()
    scope = request.form.get("scope", "")
    resource_id = request.form.get("resource_id", type=int) if scope == "resource" else None
    try:
        new_feed, token = service.create_feed(current_user, scope, resource_id)
    except InvalidInput as exc:
        errors = [str(m) for messages in exc.fields.values() for m in messages]
        return _index_page(errors=errors, status=422)
    return _index_page(shown=new_feed, token=token, status=201)


@bp.post("/feeds/<int:feed_id>/regenerate")
@login_required
def regenerate(feed_id: int):
    """A new secret address for a feed; the old one stops working at once."""
    changed, token = service.regenerate_feed(current_user, feed_id)
    return _index_page(shown=changed, token=token)


@bp.post("/feeds/<int:feed_id>/revoke")
@login_required
def revoke(feed_id: int):
    """Stop a feed; calendars subscribed to it get nothing more."""
    service.revoke_feed(current_user, feed_id)
    flash(_("The subscription is revoked: its address no longer works."), "success")
    return redirect(url_for("feeds.index"))


@bp.get("/bookings/<int:booking_id>.ics")
@login_required
def booking_ics(booking_id: int):
    """One booking as an .ics file to import into a calendar."""
    booking = service.get_visible_booking(current_user, booking_id)
    body = ical.booking_to_ical(booking, host=links.uid_domain(),
                                link=_booking_links()(booking))
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="booking-{booking.id}.ics"',
        # One person's booking: no shared cache and no browser cache keeps a copy.
        "Cache-Control": "private, no-store"})


@bp.route("/resources/<int:resource_id>/closures/import", methods=["GET", "POST"])
@login_required
def import_closures(resource_id: int):
    """Org admins: every event of an .ics file (a school's holidays) becomes a closure."""
    resource = resource_service.get_resource(current_user, resource_id)
    if not can_manage_resource(current_user, resource):
        abort(403)
    form = ImportForm()
    if form.validate_on_submit():
        data = form.file.data.read(ical_import.MAX_IMPORT_BYTES + 1)
        try:
            closures = ical_import.parse_closures(data, resource.timezone, now=utcnow())
            added = resource_service.add_closures(current_user, resource.id, closures)
        except InvalidInput as exc:
            show_field_errors(form, exc)
        except BookingsWouldBreak as exc:
            form.form_errors.extend(describe_breach(b, exc.zone) for b in exc.breaches)
        else:
            flash(_import_message(added, len(closures)), "success")
            return redirect(_resource_page(resource))
    return render_template("feeds/import.html", form=form, resource=resource,
                           max_kb=ical_import.MAX_IMPORT_BYTES // 1024,
                           max_events=ical_import.MAX_IMPORT_EVENTS), 422 if form.errors else 200


def _render_feed(found: CalendarFeed, now: datetime, host: str, locale: str,
                 events: ical.EventCache) -> bytes:
    bookings = service.feed_bookings(found, now=now)
    return ical.feed_to_ical(
        bookings, name=service.feed_name(found), host=host, link=_booking_links(),
        show_details=lambda b: service.shows_details(found, b), zone=service.feed_zone(found),
        window=service.feed_window(now), cache=events, locale=locale)


def _booking_links():
    """A function giving each booking's page URL, built once rather than per booking."""
    sample = links.public_url("bookings.detail", booking_id=1)
    prefix, _sep, suffix = sample.rpartition("/1")
    return lambda booking: f"{prefix}/{booking.id}{suffix}"


def _known_not_modified(cache: _FeedCache, state: FeedState, coding: str | None,
                        now: datetime) -> Response | None:
    """A 304 when the client holds the ETag this process last made for the feed's state."""
    etag = cache.etag(state.fingerprint)
    if etag is not None and _not_modified(_tagged(etag, coding), state.last_modified, now):
        return _feed_response(b"", _tagged(etag, coding), state.last_modified, status=304)
    return None


def _not_modified(etag: str, last_modified: datetime, now: datetime) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when present; else If-Modified-Since."""
    if request.if_none_match:
        return request.if_none_match.contains_weak(etag)
    since = request.if_modified_since  # None when absent or not a valid HTTP date
    if since is None or since > now:
        return False
    return last_modified.replace(microsecond=0) <= since


def _content_coding() -> str | None:
    """The coding to send: gzip when the client accepts it (RFC 9110 §12.5.3), else None.

    Only on request: one report has Outlook failing on compressed feeds it did not ask for.
    """
    offered = {coding.lower(): quality for coding, quality in request.accept_encodings}
    quality = offered.get("gzip", offered.get("x-gzip", offered.get("*", 0)))
    return "gzip" if quality > 0 else None


def _tagged(etag: str, coding: str | None) -> str:
    """The ETag of the representation sent: a gzip body is another representation, so it
    gets another strong ETag (RFC 9110 §8.8.3.3), not the plain body's."""
    return etag if coding is None else f"{etag}-{coding}"


def _encoded(body: bytes, coding: str | None) -> bytes:
    # No timestamp in the gzip header: the same feed gives the same bytes.
    return body if coding is None else gzip.compress(body, compresslevel=6, mtime=0)


def _feed_response(body: bytes, etag: str, last_modified: datetime, *, status: int = 200,
                   coding: str | None = None):
    if status == 304:
        return _NotModified(status=304, headers=[
            *_FEED_HEADERS.items(), ("ETag", quote_etag(etag)),
            ("Last-Modified", http_date(last_modified))])
    response = Response(body, status=status, mimetype="text/calendar", headers=_FEED_HEADERS)
    response.set_etag(etag)
    response.last_modified = last_modified
    if coding is not None:
        response.headers["Content-Encoding"] = coding
    return response


class _NotModified(Response):
    """A 304: no body, so no Content-Type (most polls end with one: its headers are written
    as they are sent, without the setters' parsing)."""

    default_mimetype = None


def _feed_not_found() -> Response:
    # The same bare answer for unknown, revoked and malformed tokens: nothing to tell apart.
    return Response("Not found\n", status=404, mimetype="text/plain",
                    headers={"Cache-Control": "no-store"})


def _index_page(*, shown: CalendarFeed | None = None, token: str | None = None,
                errors: list[str] = (), status: int = 200):
    new_url = webcal_url = None
    if token is not None:
        new_url = links.public_url("feeds.feed", token=token)
        webcal_url = "webcal://" + new_url.split("://", 1)[1]
    resources = service.resource_choices(current_user)
    managed = [r for r in resources if can_manage_resource(current_user, r)]
    return render_template(
        "feeds/index.html", feeds=service.list_feeds(current_user), shown=shown,
        new_url=new_url, webcal_url=webcal_url, errors=errors, resources=resources,
        managed=managed,
        FeedScope=FeedScope, window_back=service.WINDOW_BACK.days,
        window_ahead=service.WINDOW_AHEAD.days, grace=service.CANCELLED_GRACE.days), status, {
            # A new address is a secret: not for caches or the back-forward history.
            "Cache-Control": "no-store"}


def _import_message(added: int, total: int) -> str:
    message = ngettext("%(num)d closure was added from the file.",
                       "%(num)d closures were added from the file.", added)
    if total > added:
        message += " " + ngettext("%(num)d was already there.", "%(num)d were already there.",
                                  total - added)
    return message


def _resource_page(resource: Resource) -> str:
    return url_for("resources.detail", resource_id=resource.id)


class _FeedCache:
    """Per process: rendered events, and the ETag last computed for each feed fingerprint."""

    def __init__(self, events: int, etags: int) -> None:
        self.events = ical.EventCache(events)
        self._etags: LruCache[str, str] = LruCache(etags)

    def etag(self, fingerprint: str) -> str | None:
        return self._etags.get(fingerprint)

    def remember(self, fingerprint: str, etag: str) -> None:
        self._etags.put(fingerprint, etag)


_cache_lock = threading.Lock()


def _feed_cache() -> _FeedCache:
    """The app's feed cache, made on first use; ICAL_*_CACHE_SIZE settings size it."""
    extensions = current_app.extensions
    with _cache_lock:
        if "booking_feed_cache" not in extensions:
            extensions["booking_feed_cache"] = _FeedCache(
                current_app.config.get("ICAL_EVENT_CACHE_SIZE", 20_000),
                current_app.config.get("ICAL_ETAG_CACHE_SIZE", 1_000))
        return extensions["booking_feed_cache"]
