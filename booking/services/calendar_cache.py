"""The calendar pages' computed grids, reused while nothing they show has changed (issue 16).

A timeline's table and a resource's day, week or month grid are written from ~550 booking
rows, the resources' rules and the clock: ~100 ms for a timeline of 50 resources. The same
page asked again a moment later is the same HTML, unless something it shows changed. This
module keeps the finished HTML in a bounded LRU per worker process, under a key made of
everything that HTML depends on:

- **what the database holds**, read with one or two cheap statements before anything else:
  per resource shown, its `updated_at` (every change of its columns moves it, and the
  before_flush hook of models.resource moves it when its windows, closures or allowed
  organisations change) and its booking version (`resource_feed_version`, which a trigger
  moves in the same transaction as every booking insert, update and delete: booking, moving,
  cancelling, approving); for the timeline, which resources the person finds on the page at
  all (the filter query itself, so sharing, deactivation and suspension count); and every
  organisation's id, name and whether it is active (booking details and rows name them; an
  owner's suspension withdraws its resources from booking);
- **the request**: page and its parameters, the viewer's id, organisation, role and whether
  they are active (what they may see and book, which bookings are theirs), the language, the
  time zone, the script root of the URLs;
- **the clock**, to the minute: the views compute the grids as of the current whole minute
  (the booking form takes whole minutes), so past cells, the "now" column, notice and horizon
  are the same all through it.

Why a per-process cache is correct with several workers and no shared service: the key is
read from the database on every request, so a worker never serves an entry whose inputs
changed, whichever process made the change; each worker just computes its own entries. The
key is read *before* the page's data: the data behind an entry is at least as new as its
key, never older, so an entry can be no staler than its key says (the argument of the
feed's version key, services/feed_state.py).

**Whole pages.** With the grid reused, a page still cost ~9 ms of CPU for everything around
it (the layout, the menu's counts, the sign-in lookup). So the views also keep the finished
body (`FinishedPage`) under the grid's key plus everything else the page shows
(`page_key`): the full URL (path and query), the person (id, name, organisation, role,
active: the organisation's name is in the grid key's organisations), the login session (the
login key and the raw CSRF token of the session cookie: the body carries the token signed
from it), the menu's counts (requests waiting, unread notifications: the same functions the
menu calls) and, for the timeline, the organisations of its filter. What base.html,
_nav.html, _flashes.html and the calendar templates read, each covered:

- `_('…')`, `get_locale()`, `LANGUAGE_NAMES`: the language (grid key);
- `nav_items()`: the role (grid key); `requests_count()`, `unread_count()`: page_key,
  and the menu shows the very numbers the key was made with (views.inbox.menu_counts),
  not ones read again while the page is rendered: a count can go back to an earlier
  value, so a page showing a newer one must not be kept under the older;
- `current_user.name`, `current_user.organisation.name`: page_key, organisations (grid key);
- `csrf_token()`: the session's raw token (page_key). Flask-WTF signs it with a timestamp;
  WTF_CSRF_TIME_LIMIT is None here, and with a limit, `reuse_allowed` refuses below two
  minutes, so a reused body's token is at most a minute older than a fresh one;
- `request.endpoint`, `request.path`, `request.full_path`, the page's parameters: the URL;
- `get_flashed_messages()` and the resource page's refusal take something out of the
  session: a request carrying either is never served from nor stored into the cache
  (`reuse_allowed`);
- `url_for(...)`, `bootstrap.load_css/js()`: the script root (grid key) and the settings;
- `page_styles()`: its rules are part of the body; its nonce is replaced by this answer's
  (`FinishedPage.with_nonce`), so every answer has a fresh one and the security headers
  are set by the after_request hooks as for any answer;
- the timeline's problems, zone label, filters and paging: the URL, the zone, the clock's
  minute (grid key), `has_more`/`can_book`/`has_rows` come with the grid;
- the resource page's name, kind, places, slots, approval, state: its `updated_at`, and its
  organisation's name (grid key); the window limits come with the grid.

Only views that answer a plain 200 HTML page use it: the body is stored once the template is
rendered, and an abort or redirect never gets there.

CALENDAR_CACHE_SIZE = 0 turns both off (bench/read_paths.py --no-page-cache measures that).
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable, Hashable

import sqlalchemy as sa
from flask import current_app
from flask.sessions import SessionMixin

from booking.lru import LruCache
from booking.models import Organisation, Resource, User
from booking.prepared import Prepared

_EXTENSION = "calendar_page_cache"


class PageCache(LruCache[Hashable, object]):
    """Computed grids and finished pages, under keys made of everything they show."""


def page_cache() -> PageCache | None:
    """This app's cache in this process (one per app: tests run apps on several databases),
    or None when CALENDAR_CACHE_SIZE is 0."""
    size = current_app.config.get("CALENDAR_CACHE_SIZE", 0)
    if not size:
        return None
    cache = current_app.extensions.get(_EXTENSION)
    if cache is None:
        cache = current_app.extensions[_EXTENSION] = PageCache(size)
    cache.size = size  # a changed setting applies from the next entry on
    return cache


def viewer_key(user: User) -> tuple:
    """What the cells depend on of the person looking: which bookings are theirs (id), whose
    details they see and what they may book or manage (organisation, role, active)."""
    return (user.id, user.organisation_id, str(user.role), user.is_active)


def resources_key(resources: sa.Select) -> tuple:
    """Statement 1: the resources a page shows, in order, each with the versions of its rules
    and of its bookings. *resources* selects Resource (filtered, ordered, limited): the same
    statement as the page's own read, so whatever decides which resources show decides it."""
    stmt = _VERSIONS.get_or_compute(resources, lambda: resources.with_only_columns(
        Resource.id, as_stored(Resource.updated_at), Resource.feed_version))
    return tuple(tuple(row) for row in _rows(stmt))


def as_stored(column: sa.ColumnElement) -> sa.ColumnElement:
    """*column* as the driver gives it: a key compares values, and the same stored value is
    the same time, so the timestamps of 50 resources need not become datetimes each time."""
    return sa.type_coerce(column, sa.types.NullType())


#: resources_key's statement for each page statement (the services keep those per process,
#: so the same object comes back; deriving this one anew cost as much as running it).
_VERSIONS: LruCache[sa.Select, sa.Select] = LruCache(512)


_ORGANISATIONS = sa.select(Organisation.id, Organisation.name,
                           Organisation.is_active).order_by(Organisation.id)


def organisations_key(*more: sa.ColumnElement) -> tuple:
    """Statement 2: every organisation's name and state (a consortium has a few dozen), each
    row followed by the columns *more* (a page that also lists organisations reads them in
    the same statement; *more* must be the same objects each time, as a cache key)."""
    stmt = _ORGANISATIONS if not more else _WITH_MORE.get_or_compute(
        more, lambda: _ORGANISATIONS.add_columns(*more))
    return tuple(tuple(row) for row in _rows(stmt))


_WITH_MORE: LruCache[tuple, sa.Select] = LruCache(512)


def organisations_in_one_value() -> sa.ScalarSelect:
    """Statement 2 as one column, for a page that reads its key together with something else
    (services.calendar.find_resource_head): each organisation's id, state and name, in the
    order of their ids, the name prefixed with its length so that two different lists never
    give the same text. (Should the database aggregate in another order, the key only
    misses: it never matches a different list.)"""
    rows = _ORGANISATIONS.subquery()
    entry = (sa.cast(rows.c.id, sa.String) + ":" + sa.cast(rows.c.is_active, sa.String) + ":"
             + sa.cast(sa.func.length(rows.c.name), sa.String) + ":" + rows.c.name)
    return sa.select(sa.func.aggregate_strings(entry, ",")).scalar_subquery()


def _rows(stmt: sa.Select) -> list[tuple]:
    """A key statement's rows, run prepared on the driver (booking.prepared): its columns
    need no ORM objects, and the session's ORM execution cost three times the statement on a
    reused page."""
    return _PREPARED.get_or_compute(stmt, lambda: Prepared(stmt)).rows()


#: Each key statement prepared once (the statements themselves are kept per process).
_PREPARED: LruCache[sa.Select, Prepared] = LruCache(1024)


# ----------------------------------------------------------------------- whole pages

#: What views take out of the session while rendering: a request carrying one is computed.
SESSION_CONSUMED = ("_flashes", "refusal")
_CSRF_MIN_LIMIT = 120  # seconds a signed CSRF token must stay valid for a reused body


@dataclass(frozen=True)
class FinishedPage:
    """A page's body in UTF-8, cut where its CSP nonce stands (one part: it has none).

    Kept encoded and cut: replacing the nonce in a timeline's 230 kB of text and encoding it
    again cost half a millisecond per answer; joining the parts around the fresh nonce is a
    copy of the bytes.
    """

    parts: tuple[bytes, ...]
    nonce: str | None

    @classmethod
    def of(cls, body: str, nonce: str | None) -> FinishedPage:
        """The page *body*, rendered with *nonce* (None: no inline style, no nonce)."""
        encoded = body.encode()
        if nonce is None:
            return cls((encoded,), None)
        return cls(tuple(encoded.split(_nonce_attribute(nonce))), nonce)

    def with_nonce(self, fresh: Callable[[], str]) -> bytes:
        """The body for this answer: its page styles under *fresh()*, the answer's own
        nonce (headers.csp_nonce), which the Content-Security-Policy header will carry."""
        if self.nonce is None:
            return self.parts[0]
        return _nonce_attribute(fresh()).join(self.parts)


def _nonce_attribute(nonce: str) -> bytes:
    return f'nonce="{nonce}"'.encode()


def reuse_allowed(session: SessionMixin) -> bool:
    """Whether this request's whole page may be served from, or stored into, the cache: the
    session holds its CSRF token already (rendering would otherwise make one and store it)
    and nothing the page would take out of it (flashed messages, a refusal)."""
    limit = current_app.config.get("WTF_CSRF_TIME_LIMIT")
    if limit is not None and limit < _CSRF_MIN_LIMIT:
        return False
    return "csrf_token" in session and not any(name in session for name in SESSION_CONSUMED)


def page_key(grid_key: tuple, url: str, user: User, session: SessionMixin,
             counts: tuple, shown: tuple = ()) -> tuple:
    """A whole page's key: its grid's, and what the rest of the page shows (module docstring).
    *counts* are the menu's numbers, *shown* whatever else the view puts on the page."""
    return ("page", grid_key, url, user.name, session.get("_user_id"),
            session.get("csrf_token"), counts, shown)
