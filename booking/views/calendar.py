"""Calendar pages: a resource's day, week or month; the timeline of many; a person's own."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import TypeVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_interval, format_skeleton
from flask import Blueprint, current_app, g, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from markupsafe import Markup

from booking import calendar_cells
from booking import calendar_grid as grid_model
from booking import limits
from booking.bare import reads_only
from booking.calendar_grid import Proposal, View
from booking.db_types import utcnow
from booking.headers import csp_nonce, style_class
from booking.models import Resource, ResourceKind, User
from booking.permissions import can_book, can_manage_resource
from booking.scheduling import Interval
from booking.services import calendar as calendar_service
from booking.services import calendar_cache
from booking.timezones import is_valid_timezone
from booking.views import inbox as inbox_views

bp = Blueprint("calendar", __name__)

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
T = TypeVar("T")
MAX_PAGE = 10_000  # an OFFSET the databases accept, far beyond any real catalogue


@dataclass(frozen=True)
class Page:
    """What the query string asked for, made safe: a view, a date and the days to show."""

    view: View
    anchor: date
    today: date
    zone: str
    days: list[date]
    span: Interval
    problems: list[str]

    @property
    def previous(self) -> date:
        return grid_model.shift(self.view, self.anchor, -1)

    @property
    def next(self) -> date:
        return grid_model.shift(self.view, self.anchor, 1)


def parse_page(zone: str, views: tuple[View, ...], default: View) -> Page:
    """Read ?view= and ?date=; anything unusable falls back to today with a message."""
    now = utcnow()
    today = now.astimezone(ZoneInfo(zone)).date()
    problems = []
    view = default
    raw_view = request.args.get("view", "")
    if raw_view:
        if raw_view in {v.value for v in views}:
            view = View(raw_view)
        else:
            problems.append(_("There is no view called “%(view)s”; here is the %(default)s.",
                              view=raw_view[:20], default=view_names()[default]))
    anchor = today
    raw_date = request.args.get("date", "")
    if raw_date:
        try:
            if not _DATE.fullmatch(raw_date):
                raise ValueError(raw_date)
            anchor = date.fromisoformat(raw_date)
        except ValueError:
            problems.append(_("“%(date)s” is not a date of the form YYYY-MM-DD; here is today.",
                              date=raw_date[:20]))
        else:
            earliest = limits.EARLIEST_MOMENT.date()
            latest = limits.latest_booking_day(today)
            if not earliest <= anchor <= latest:
                problems.append(_("Pick a date between %(first)s and %(last)s; here is today.",
                                  first=earliest.isoformat(), last=latest.isoformat()))
                anchor = today
    days = grid_model.days_of(view, anchor)
    return Page(view, anchor, today, zone, days, grid_model.span_of(days, zone), problems)


def view_names() -> dict[View, str]:
    return {View.DAY: _("day"), View.WEEK: _("week"), View.MONTH: _("month")}


class Links:
    """URLs the grids link to: the booking form for free time, the booking page for a block."""

    def __init__(self, next_url: str, bookable: Iterable[int] = ()) -> None:
        self.next_url = next_url
        self.bookable = frozenset(bookable)  # the resources the person may book now
        self._bases: dict[int, str] = {}

    @property
    def can_book(self) -> bool:
        return bool(self.bookable)

    def new(self, resource_id: int, proposal: Proposal | None) -> str | None:
        """The booking form, filled in with a free time (none for an ambiguous wall time)."""
        if resource_id not in self.bookable or proposal is None or proposal.ambiguous:
            return None
        base = self.form_action(resource_id)
        query = urlencode({"start": proposal.start_local, "end": proposal.end_local,
                           "next": self.next_url})
        return f"{base}{'&' if '?' in base else '?'}{query}"

    def form_action(self, resource_id: int) -> str:
        # Built once per resource: url_for for every free cell of a busy timeline adds up.
        if resource_id not in self._bases:
            self._bases[resource_id] = url_for("bookings.new", resource_id=resource_id)
        return self._bases[resource_id]

    def detail(self, booking_id: int) -> str:
        return url_for("bookings.detail", booking_id=booking_id)


@bp.get("/resources/<int:resource_id>/calendar")
@login_required
@reads_only
def resource(resource_id: int):
    """One resource's day, week or month: opening hours, bookings and free time to book."""
    person = signed_in()
    # Its head first: a page reused from the cache needs no more of the resource.
    head = calendar_service.find_resource_head(person, resource_id)
    page = parse_page(head.timezone, (View.DAY, View.WEEK, View.MONTH), View.WEEK)
    now = this_minute()

    def make_links(item: Resource) -> Links:
        """The grid's links (can_book may read the resource's allowed organisations)."""
        here = url_for("calendar.resource", resource_id=resource_id, view=page.view.value,
                       date=page.anchor.isoformat())
        return Links(here, [item.id] if can_book(person, item) else [])

    def grid(item: Resource, links: Links) -> tuple[Markup, list[grid_model.NotYet]]:
        """The grid's HTML, and the edges of what can be booked now for the note above it."""
        data = calendar_service.resource_bookings(person, item, page.span)
        if page.view is View.MONTH:
            model = grid_model.month_grid(page.anchor.year, page.anchor.month, page.zone,
                                          bookings=data.records, rules=data.rules,
                                          occupying=data.occupying, now=now)
        else:
            model = grid_model.time_grid(page.days, page.zone, bookings=data.records,
                                         rules=data.rules, occupying=data.occupying, now=now)
        can_manage = can_manage_resource(person, item)
        html = Markup(render_template(
            "calendar/_resource_grid.html", resource=item, page=page, grid=model,
            day_url=lambda day: url_for("calendar.resource", resource_id=resource_id,
                                        view="day", date=day.isoformat()),
            book=lambda proposal: links.new(item.id, proposal),
            open=lambda b: links.detail(b.id) if b.is_own or can_manage else None))
        return html, grid_model.window_limits(data.rules, page.span, now)

    def key() -> tuple:
        """What the grid shows depends on (services.calendar_cache): the resource's versions
        and the organisations came with its head."""
        return ("resource", head.id, head.updated_at, head.feed_version, page.view,
                page.anchor, now, *_reader_key(person, page.zone), head.organisations_key)

    def render(grid_key: tuple | None) -> str:
        item = calendar_service.load_resource(person, resource_id)  # the page is computed
        links = make_links(item)
        grid_html, limits = _computed(grid_key, lambda: grid(item, links))
        return render_template(
            "calendar/resource.html", resource=item, page=page, links=links,
            grid_html=grid_html, refusal=pop_refusal(resource_id),
            zone_label=zone_label(page.zone, page.span), limits=limits)

    return _whole_page(person, key, render, unread=head.reader_unread)


@bp.get("/calendar")
@login_required
@reads_only
def timeline():
    """Many resources side by side for a day or a week: find any free one at a glance."""
    person = signed_in()
    zone = person_zone()
    page = parse_page(zone, (View.DAY, View.WEEK), View.DAY)
    filters, problems = parse_filters()
    number = min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)
    per_page = current_app.config["ITEMS_PER_PAGE"]
    whole_day = request.args.get("hours") == "all"
    query = {k: v for k, v in request.args.items() if k in ("kind", "organisation", "q") and v}
    now = this_minute()

    def table() -> TimelineTable:
        """The table computed from the database."""
        found, has_more = calendar_service.timeline(person, page.span, filters, page=number,
                                                    per_page=per_page)
        rows = [grid_model.TimelineResource(f.resource.id, f.resource.name, f.rules,
                                            f.records, f.occupying, info=f.resource)
                for f in found]
        line = grid_model.timeline(rows, page.view, page.anchor, zone, now=now,
                                   hours=(0, 24) if whole_day else None)
        here = url_for("calendar.timeline", view=page.view.value,
                       date=page.anchor.isoformat(), **query)
        links = Links(here, [f.resource.id for f in found if f.bookable])
        cells = calendar_cells.timeline_rows(
            line, cell_words(), zone=ZoneInfo(zone), style_class=style_class,
            resource_url=lambda resource_id: url_for("calendar.resource",
                                                     resource_id=resource_id),
            new_url=links.new, kinds=resource_kind_names(), anchor=page.anchor)
        html = Markup(render_template("calendar/_timeline_table.html", page=page, line=line,
                                      rows=cells, query=query))
        return TimelineTable(html, has_more, links.can_book, bool(line.rows))

    # The organisations (the key's), the filter's and the menu's unread count, in one
    # statement: read before the page like the rest of the key, and part of it.
    every_organisation, organisations, unread = calendar_service.organisations_offering(person)

    def key() -> tuple:
        """What the table shows depends on (services.calendar_cache), in two statements."""
        shown = calendar_service.timeline_page(person, filters, page=number, per_page=per_page)
        return ("timeline", page.view, page.anchor, whole_day, filters, number, per_page, now,
                *_reader_key(person, zone), calendar_cache.resources_key(shown),
                every_organisation)

    def render(grid_key: tuple | None) -> str:
        part = _computed(grid_key, table)
        return render_template("calendar/timeline.html", page=page, table=part.html,
                               has_rows=part.has_rows, can_book=part.can_book,
                               filters=filters, query=query, number=number,
                               has_more=part.has_more, whole_day=whole_day,
                               organisations=organisations,
                               kinds=kind_names(), problems=page.problems + problems,
                               zone_label=zone_label(zone, page.span))

    return _whole_page(person, key, render, shown=tuple((o.id, o.name) for o in organisations),
                       unread=unread)


@dataclass(frozen=True)
class TimelineTable:
    """The computed part of a timeline page: its table and what the rest of the page asks."""

    html: Markup
    has_more: bool
    can_book: bool  # any resource shown is bookable: the legend explains free cells
    has_rows: bool


@dataclass(frozen=True)
class _Computed:
    value: object
    styles: tuple[tuple[str, str], ...]  # the style_class rules the value's HTML uses


def _whole_page(person: User, key: Callable[[], tuple],
                render: Callable[[tuple | None], str], shown: tuple = (),
                unread: int | None = None) -> str | bytes:
    """The page's body: render(grid key), or the body (UTF-8) it gave before under the same
    page key (services.calendar_cache.page_key) with this answer's nonce in it. *unread* is
    the person's unread count when the view read it already (with the resource's head).

    A request that carries flashed messages or a refusal (reuse_allowed) is rendered, its grid
    still reused; with the cache off (CALENDAR_CACHE_SIZE = 0) everything is computed.
    """
    cache = calendar_cache.page_cache()
    if cache is None:
        return render(None)
    grid_key = key()
    if not calendar_cache.reuse_allowed(session):
        return render(grid_key)
    page_key = calendar_cache.page_key(grid_key, request.full_path, person, session,
                                       counts=inbox_views.menu_counts(unread=unread),
                                       shown=shown)

    def finished() -> calendar_cache.FinishedPage:
        body = render(grid_key)
        return calendar_cache.FinishedPage.of(body, g.get("csp_nonce"))

    return cache.get_or_compute(page_key, finished).with_nonce(csp_nonce)


def _computed(key: tuple | None, compute: Callable[[], T]) -> T:
    """compute(), or what it gave before under the same key (services.calendar_cache);
    always compute() when *key* is None (the cache is off).

    The HTML names classes whose rules page_styles() writes into the page's head: they are
    kept with it and registered again on reuse, in the same order.
    """
    def styled() -> _Computed:
        outer = g.pop("page_styles", None)
        try:
            value = compute()
            styles = tuple(g.get("page_styles", {}).items())
        finally:
            g.pop("page_styles", None)
            if outer is not None:
                g.page_styles = outer
        return _Computed(value, styles)

    cache = calendar_cache.page_cache()
    use_cache = cache is not None and key is not None
    found = cache.get_or_compute(key, styled) if use_cache else styled()
    collected = g.setdefault("page_styles", {})
    for name, declarations in found.styles:
        collected.setdefault(name, declarations)
    return found.value


def _reader_key(person: User, zone: str) -> tuple:
    """What the grids depend on of the request besides the page: who reads (what they may see
    and book), in which language and zone, and where the app's URLs start."""
    return (*calendar_cache.viewer_key(person), str(get_locale()), zone, request.script_root)


def this_minute() -> datetime:
    """Now, to the minute: the grids are computed as of the current whole minute, so the
    cache may reuse them through it (the booking form takes whole minutes anyway)."""
    return utcnow().replace(second=0, microsecond=0)


@bp.get("/calendar/mine")
@login_required
@reads_only
def mine():
    """The signed-in person's own bookings across all resources, by week or month."""
    zone = person_zone()
    page = parse_page(zone, (View.WEEK, View.MONTH), View.WEEK)
    records = calendar_service.person_bookings(signed_in(), page.span)
    now = utcnow()
    if page.view is View.MONTH:
        grid = grid_model.month_grid(page.anchor.year, page.anchor.month, zone,
                                     bookings=records, now=now)
    else:
        grid = grid_model.time_grid(page.days, zone, bookings=records, now=now)
    here = url_for("calendar.mine", view=page.view.value, date=page.anchor.isoformat())
    links = Links(here)
    return render_template(
        "calendar/mine.html", page=page, grid=grid, links=links, count=len(records),
        zone_label=zone_label(zone, page.span),
        day_url=lambda day: url_for("calendar.mine", view="week", date=day.isoformat()),
        book=lambda proposal: None, open=lambda b: links.detail(b.id))


def parse_filters() -> tuple[calendar_service.TimelineFilters, list[str]]:
    """The timeline's kind, organisation and text filters; unusable ones are dropped."""
    problems = []
    kind = None
    if raw := request.args.get("kind", ""):
        try:
            kind = ResourceKind(raw)
        except ValueError:
            problems.append(_("There is no kind of resource called “%(kind)s”.", kind=raw[:20]))
    organisation = None
    if raw := request.args.get("organisation", ""):
        if raw.isdigit() and len(raw) < 10:
            organisation = int(raw)
        else:
            problems.append(_("That organisation is unknown; showing all."))
    text = request.args.get("q", "")[:limits.SEARCH_LENGTH]
    return calendar_service.TimelineFilters(kind, organisation, text), problems


def kind_names() -> dict[str, str]:
    return {ResourceKind.FACILITY.value: _("Facilities"), ResourceKind.STAFF.value: _("Staff"),
            ResourceKind.PRACTICE_BASE.value: _("Practice bases")}


def resource_kind_names() -> dict[str, str]:
    return {ResourceKind.FACILITY.value: _("Facility"), ResourceKind.STAFF.value: _("Staff"),
            ResourceKind.PRACTICE_BASE.value: _("Practice base")}


def cell_words() -> calendar_cells.Words:
    """The words of a grid's cells in the reader's language (calendar_cells writes them),
    gathered once per request."""
    if "cal_cell_words" not in g:
        g.cal_cell_words = calendar_cells.Words(
            gettext=_, ngettext=ngettext, date=cal_date, duration=cal_duration,
            fixed=calendar_words()["words"])
    return g.cal_cell_words


@bp.app_template_global("cal_column_items")
def column_items(column: grid_model.DayColumn, book, open_, one_day: bool, capacity: int = 1,
                 detail: bool = False, tag_own: bool = True) -> Markup:
    """A day column's items, for the time_grid macro: one call per column, not per item."""
    return calendar_cells.column_items(column, cell_words(), style_class=style_class,
                                       book=book, open_=open_, one_day=one_day,
                                       capacity=capacity, detail=detail, tag_own=tag_own)


def signed_in() -> User:
    """The person behind current_user: the proxy costs a lookup on every attribute, and the
    services ask for it once per booking."""
    return current_user._get_current_object()


def person_zone() -> str:
    zone = current_user.timezone
    return zone if is_valid_timezone(zone) else current_app.config["DEFAULT_TIMEZONE"]


def zone_label(zone: str, span: Interval) -> str:
    """"Asia/Shanghai (CST)", or "Europe/Berlin (CET → CEST)" when the clocks change."""
    tz = ZoneInfo(zone)
    names = [span.start.astimezone(tz).tzname(), span.end.astimezone(tz).tzname()]
    shown = names[0] if names[0] == names[1] else f"{names[0]} → {names[1]}"
    return f"{zone} ({shown})" if shown and shown != zone else zone


def pop_refusal(resource_id: int) -> dict | None:
    """The reasons and alternatives of a booking just refused, if it was for this resource.

    The booking form left them in the session (see bookings.describe_refusal); anything
    malformed in there is dropped rather than trusted.
    """
    refusal = session.pop("refusal", None)
    if not isinstance(refusal, dict) or refusal.get("resource_id") != resource_id:
        return None
    messages = [m for m in _list(refusal.get("messages")) if isinstance(m, str)]
    labels = _list(refusal.get("labels"))
    alternatives, shown = [], []
    for index, pair in enumerate(_list(refusal.get("alternatives"))):
        if not (isinstance(pair, (list, tuple)) and len(pair) == 2
                and all(isinstance(v, str) and _local_time(v) for v in pair)):
            continue
        alternatives.append((pair[0], pair[1]))
        label = labels[index] if index < len(labels) else None
        shown.append(label if isinstance(label, str) else _span_words(*pair))
    quantity = refusal.get("quantity")
    when = _list(refusal.get("when"))
    when_ok = len(when) == 3 and all(isinstance(v, str) for v in when) and all(
        _local_time(v) for v in when[:2])
    places = refusal.get("places_left")
    return {"resource_id": resource_id, "messages": messages or [_("This time cannot be booked.")],
            "alternatives": alternatives, "labels": shown,
            "title": str(refusal.get("title") or "")[:limits.TITLE_LENGTH],
            "quantity": quantity if isinstance(quantity, int) and quantity > 0 else 1,
            "later": [item for item in map(_list, _list(refusal.get("later")))
                      if len(item) == 3 and all(isinstance(v, str) for v in item)
                      and all(_local_time(v) for v in item[:2])],
            "elsewhere": [item for item in map(_list, _list(refusal.get("elsewhere")))
                          if len(item) == 4 and isinstance(item[0], int)
                          and all(isinstance(v, str) for v in item[1:])
                          and all(_local_time(v) for v in item[2:])],
            "places_left": places if when_ok and isinstance(places, int) and places > 0
            else None,
            "when": when if when_ok else None}


def _list(value) -> list:
    return list(value) if isinstance(value, (list, tuple)) else []


def _span_words(start: str, end: str) -> str:
    first, last = _local_time(start), _local_time(end)
    if first.date() == last.date():
        return f"{cal_date(first.date(), 'MMMEd')} {first:%H:%M}–{last:%H:%M}"
    return (f"{cal_date(first.date(), 'MMMEd')} {first:%H:%M} – "
            f"{cal_date(last.date(), 'MMMEd')} {last:%H:%M}")


def _local_time(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, grid_model.LOCAL_FORMAT)
    except ValueError:
        return None


@bp.context_processor
def calendar_words() -> dict:
    """Words every cell of a grid repeats, translated once per page rather than per cell.

    The sentences with placeholders stay format strings ("Book %(start)s–%(end)s"): the
    templates fill them in with %, which is far cheaper than a gettext call per cell.
    """
    return {"words": {
        "busy": _("Busy"), "booked": _("Booked"), "yours": _("Yours"), "pending": _("Pending"),
        "closed": _("Closed"), "free": _("free"), "closed_lc": _("closed"), "busy_lc": _("busy"),
        "past": _("past"), "book": _("book"), "your_booking": _("your booking"),
        "awaiting": _("pending, awaiting approval"), "confirmed": _("confirmed"),
        "left": _("%(num)d left"), "book_span": _("Book %(start)s–%(end)s"),
        "book_from": _("Book %(name)s from %(time)s"), "from_to": _("from %(start)s to %(end)s"),
        "twice": _("second time the clock shows this hour; book it with the form"),
    }}


# ------------------------------------------------------------------------ dates in words

@bp.app_template_filter("cal_date")
def cal_date(day: date, skeleton: str = "yMMMEd") -> str:
    """A date in the reader's language, from a CLDR skeleton ("MMMEd" -> "Tue, Mar 2")."""
    return _date_words(skeleton, day, str(get_locale()))


@lru_cache(maxsize=4096)
def _date_words(skeleton: str, day: date, locale: str) -> str:
    # babel matches the skeleton against the locale's patterns on every call (~2 ms): a week
    # page asks for the same few dates twenty times.
    return format_skeleton(skeleton, day, locale=locale)


@bp.app_template_filter("cal_range")
def cal_range(days: list[date]) -> str:
    """"Mar 1 – 7, 2027" or "2027年3月1日至7日"."""
    return format_interval(days[0], days[-1], "yMMMd", locale=get_locale())


@bp.app_template_filter("cal_duration")
def cal_duration(minutes: int) -> str:
    """"4 h 30 min", "45 min", "3 h"."""
    hours, rest = divmod(int(minutes), 60)
    if hours and rest:
        return _("%(hours)d h %(minutes)d min", hours=hours, minutes=rest)
    if hours:
        return _("%(hours)d h", hours=hours)
    return _("%(minutes)d min", minutes=rest)


@bp.app_template_filter("cal_moment")
def cal_moment(moment: datetime, zone: str) -> str:
    """"Wed, Dec 16 10:00" in *zone*, the date in the reader's language."""
    local = moment.astimezone(ZoneInfo(zone))
    return f"{cal_date(local.date(), 'MMMEd')} {local:%H:%M}"


@bp.app_template_filter("cal_time")
def cal_time(moment: datetime) -> str:
    return moment.strftime("%H:%M")


@bp.app_template_filter("cal_until")
def cal_until(end: datetime, start: datetime) -> str:
    """An end time; the midnight that ends the start's day reads 24:00, not 00:00."""
    if end.date() > start.date() and end.hour == end.minute == 0:
        return "24:00"
    return end.strftime("%H:%M")
