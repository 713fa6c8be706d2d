"""The calendar pages' cells, written out once in plain Python instead of per-cell macro calls.

The timeline of 50 resources has 600 cells and a busy week a few hundred blocks; rendered as
Jinja macros each cell cost hundreds of template steps (bench/speed.md). Here each cell becomes
its final class and its inside as one escaped string, and the templates only loop over them.

No Flask: whatever depends on the request comes in as arguments: the translated words
(`Words`, built by the view once per language), the URLs, and `style_class` (booking/headers.py)
that turns computed positions into CSP-safe classes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from markupsafe import Markup, escape

from booking.calendar_grid import BookingRecord, NotYet, Timeline, TimelineCell, View

NOTICE = "notice"


def esc(value) -> str:
    """*value* escaped for HTML, as a plain str (adding a Markup to a str escapes the str).

    A plain str (nearly every call: a timeline escapes a few thousand words and names) is
    escaped by hand, the same five characters as markupsafe.escape to the same entities
    (tests/test_calendar_cells.py), without making a Markup to turn back into a str.
    """
    if value.__class__ is str:
        return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("'", "&#39;").replace('"', "&#34;"))
    return str(escape(value))


@dataclass
class Words:
    """Everything a cell says, translated once per language (see views.calendar)."""

    gettext: Callable[..., str]  # gettext(msgid, **variables)
    ngettext: Callable[..., str]  # ngettext(singular, plural, num, **variables)
    date: Callable[[date, str], str]  # a date from a CLDR skeleton
    duration: Callable[[int], str]
    fixed: dict[str, str]  # the context processor's `words`
    _plural_cache: dict = field(default_factory=dict)

    def plural(self, singular: str, plural: str, num: int) -> str:
        key = (singular, num)
        if key not in self._plural_cache:
            self._plural_cache[key] = self.ngettext(singular, plural, num)
        return self._plural_cache[key]

    def moment(self, moment: datetime, zone) -> str:
        local = moment.astimezone(zone)
        return f"{self.date(local.date(), 'MMMEd')} {local:%H:%M}"

    def not_yet(self, n: NotYet, zone) -> str:
        when = self.moment(n.moment, zone)
        if n.kind == NOTICE:
            return self.gettext("Bookable from %(when)s", when=when)
        return self.gettext("Open for booking from %(when)s", when=when)


def booking_words(b: BookingRecord, words: dict[str, str]) -> str:
    """What a block says: its label, the booker's details, or only "Booked"/"Busy"."""
    if b.label:
        return b.label
    if b.may_see_details and b.detail:
        return b.detail
    return words["booked"] if b.may_see_details else words["busy"]


def status_words(b: BookingRecord, words: dict[str, str]) -> str:
    text = words["your_booking"] if b.is_own else ""
    if b.is_own and b.is_pending:
        text += ", "
    if b.is_pending:
        text += words["awaiting"]
    elif not b.is_own:
        text += words["confirmed"]
    return text


# ---------------------------------------------------------------------------- timeline

@dataclass(frozen=True, slots=True)
class Cell:
    css: str  # the td's class
    html: Markup  # its inside


@dataclass(frozen=True, slots=True)
class Row:
    head: Markup  # the row's <th>
    cells: list[Cell]


def timeline_rows(line: Timeline, words: Words, *, zone, style_class: Callable[[str], str],
                  resource_url: Callable[[int], str], new_url: Callable, kinds: dict[str, str],
                  anchor: date) -> list[Row]:
    """Each resource's row head and cells, as timeline.html prints them.

    *resource_url(id)* is the resource's calendar page without a query; *new_url(id,
    proposal)* the booking form for a free hour (or None); *kinds* the kinds' names.
    """
    week = line.view is not View.DAY
    fixed = words.fixed
    if week:
        when_words = [words.date(c.start.date(), "MMMEd") for c in line.columns]
        day_isos = [c.start.date().isoformat() for c in line.columns]
    else:
        when_words = [c.start.strftime("%H:%M") for c in line.columns]
    view = line.view.value
    anchor_iso = anchor.isoformat()
    rows = []
    for row in line.rows:
        r = row.resource.info
        base = resource_url(r.id)
        name = esc(r.name)
        meta = f"{r.organisation.name} · {kinds.get(r.kind.value, r.kind.value)}"
        if r.capacity > 1:
            meta += " · " + words.plural("%(num)d place", "%(num)d places", r.capacity)
        if r.timezone != line.zone:
            meta += f" · {r.timezone}"
        head = Markup(
            '<th scope="row" class="tl-res">\n'
            f'          <a href="{esc(f"{base}?view={view}&date={anchor_iso}")}">{name}</a>\n'
            f'          <span class="tl-meta">{esc(meta)}</span>\n'
            '        </th>')
        cells = []
        for i, cell in enumerate(row.cells):
            when = when_words[i]
            parts = []
            if not week:
                parts.extend(_pieces(cell, fixed, style_class))
            state = cell.state
            if state == "free" and week:
                parts.append(_week_free(cell, r, words, f"{base}?view=day&date={day_isos[i]}",
                                        name, when))
            elif state == "free":
                href = new_url(r.id, cell.proposal)
                if href:
                    parts.append(_day_free(cell, r, words, href))
                else:
                    parts.append(f'<span class="visually-hidden">{esc(when)}: '
                                 f'{esc(fixed["free"])}</span>')
            elif state == "closed":
                if week:
                    text = fixed["closed"]
                    if cell.closures:
                        text += ": " + ", ".join(cell.closures)
                    parts.append(f'<span class="tl-state">{esc(text)}</span>')
                else:
                    parts.append(f'<span class="visually-hidden">{esc(when)}: '
                                 f'{esc(fixed["closed_lc"])}</span>')
            elif state == "not-yet":
                text = words.not_yet(cell.not_yet, zone)
                if week:
                    parts.append(f'<span class="tl-state">{esc(text)}</span>')
                else:
                    parts.append(f'<span class="visually-hidden">{esc(when)}: '
                                 f'{esc(text)}</span>')
            elif state == "busy":
                if week:
                    parts.append(f'<span class="tl-state">'
                                 f'{esc(words.gettext("Fully booked"))}</span>')
                else:
                    said = ", ".join(f"{booking_words(b, fixed)} ({status_words(b, fixed)})"
                                     for b in cell.bookings) or fixed["busy_lc"]
                    parts.append(f'<span class="visually-hidden">{esc(when)}: '
                                 f'{esc(said)}</span>')
            else:
                parts.append(f'<span class="visually-hidden">{esc(when)}: '
                             f'{esc(fixed["past"])}</span>')
            cells.append(Cell(f"tl-cell is-{state}", Markup("\n            ".join(parts))))
        rows.append(Row(head, cells))
    return rows


def _pieces(cell: TimelineCell, fixed: dict[str, str], style_class) -> list[str]:
    out = []
    for p in cell.pieces:
        usage = p.kind == "usage"
        declarations = f"left: {p.left}%; width: {p.width}%"
        if usage:
            declarations += f"; --fill: {p.fill}"
        full = " is-full" if usage and p.fill >= 1 else ""
        out.append(f'<span class="tl-piece is-{p.kind}{full} {style_class(declarations)}" '
                   'aria-hidden="true"></span>')
    for b, span in cell.labels:
        own = " is-own" if b.is_own else ""
        out.append(f'<span class="tl-label{own} {style_class(f"--span: {span}")}" '
                   f'aria-hidden="true">{esc(booking_words(b, fixed))}</span>')
    return out


def _week_free(cell: TimelineCell, r, words: Words, href: str, name: Markup, when: str) -> str:
    if cell.free_slots is not None:
        summary = words.plural("%(num)d free slot", "%(num)d free slots", cell.free_slots)
    else:
        summary = words.gettext("%(time)s free", time=words.duration(cell.free_minutes))
    places = ""
    if cell.places_left == 0:
        places = f'<span class="cal-places">{esc(words.gettext("full at times"))}</span>'
    elif cell.places_left is not None and cell.places_left < r.capacity:
        places = ('<span class="cal-places">' + (esc(words.plural(
            "at least %(num)d place", "at least %(num)d places", cell.places_left))) + "</span>")
    return (f'<a class="tl-free" href="{esc(href)}">\n'
            f'                <span><span class="tl-sum">{esc(summary)}</span>{places}</span>\n'
            f'                <span class="visually-hidden">: {name}, {esc(when)}</span>\n'
            '              </a>')


def _day_free(cell: TimelineCell, r, words: Words, href: str) -> str:
    fixed = words.fixed
    left = ""
    if cell.places_left is not None and cell.places_left < r.capacity:
        left = (f'\n                <span class="tl-left" aria-hidden="true">'
                f'{esc(fixed["left"] % {"num": cell.places_left})}</span>')
    hidden = fixed["book_from"] % {"name": r.name, "time": cell.proposal.start_local[11:]}
    if cell.places_left is not None:
        hidden += ", " + words.plural("%(num)d place left", "%(num)d places left",
                                      cell.places_left)
    return (f'<a class="tl-free" href="{esc(href)}" data-cal-free>\n'
            '                <span class="tl-plus" aria-hidden="true">+</span>'
            f'{left}\n'
            f'                <span class="visually-hidden">{esc(hidden)}</span>\n'
            '              </a>')


# ---------------------------------------------------------------------------- day and week

def until(end: datetime, start: datetime) -> str:
    """An end time; the midnight that ends the start's day reads 24:00, not 00:00."""
    if end.date() > start.date() and end.hour == end.minute == 0:
        return "24:00"
    return end.strftime("%H:%M")


def booking_kind(b: BookingRecord) -> str:
    kind = "is-own" if b.is_own else ("is-confirmed" if b.may_see_details else "is-busy")
    return kind + " is-pending" if b.is_pending else kind


def column_items(column, words: Words, *, style_class: Callable[[str], str], book: Callable,
                 open_: Callable, one_day: bool, capacity: int = 1, detail: bool = False,
                 tag_own: bool = True) -> Markup:
    """A day column's bands, bookings and free times as the <li>s of its list.

    *book(proposal)* is the booking form's URL for a free time (or None), *open_(booking)*
    a booking's page (or None), as the time_grid macro takes them.
    """
    fixed = words.fixed
    out = []
    for item in column.items():
        what = item.what
        if what == "band":
            place = style_class(f"--top: {item.top}; --len: {item.height}")
            kind = item.kind
            if kind == "absent":
                out.append(f'<li class="cal-item cal-band is-absent {place}" '
                           'aria-hidden="true"></li>')
            elif kind == "skipped":
                text = esc(words.gettext("This hour is skipped: clocks go forward"))
                out.append(f'<li class="cal-item cal-band is-skipped {place}">\n'
                           f'                <span class="cal-band-label">{text}</span></li>')
            else:
                span = (f'<span class="visually-hidden">{item.start:%H:%M}–'
                        f'{until(item.end, item.start)}</span>')
                if kind == "closure":
                    text = words.gettext("Closed") + (f": {item.note}" if item.note else "")
                    css = "cal-band-label"
                else:
                    text = fixed["closed"]
                    css = "cal-band-label" if item.height >= 45 else "visually-hidden"
                out.append(f'<li class="cal-item cal-band is-{kind} {place}">\n'
                           f'                <span class="{css}">{esc(text)}\n'
                           f'                  {span}</span></li>')
        elif what == "block":
            out.append(_block(item, words, style_class, open_(item.booking), detail, tag_own))
        else:
            out.append(_free(item, words, style_class, book(item.proposal), one_day,
                             capacity))
    return Markup("\n        ".join(out))


def _block(item, words: Words, style_class, href: str | None, detail: bool,
           tag_own: bool) -> str:
    fixed = words.fixed
    b = item.booking
    said = esc(booking_words(b, fixed))
    short = " is-short" if item.height < 40 else ""
    place = style_class(f"--top: {item.top}; --len: {item.height}; --lane: {item.lane}; "
                        f"--lanes: {item.lanes}")
    time = f'{item.start:%H:%M}–{item.end:%H:%M}'
    if item.continues_before:
        time = '<span class="cal-cont" aria-hidden="true">↑ </span>' + time
    if item.continues_after:
        time += '<span class="cal-cont" aria-hidden="true"> ↓</span>'
    title = ""
    if b.is_own and tag_own:
        title += f'<span class="cal-tag">{esc(fixed["yours"])}</span>'
    if b.is_pending:
        title += f'<span class="cal-tag is-pending">{esc(fixed["pending"])}</span>'
    title += said
    if b.quantity > 1:
        title += " · " + esc(words.plural("%(num)d place", "%(num)d places", b.quantity))
    if detail and b.label and b.detail:
        title += " · " + esc(b.detail)
    hidden = ""
    if item.continues_before or item.continues_after:
        hidden = ", " + fixed["from_to"] % {
            "start": f"{words.date(item.start.date(), 'MMMEd')} {item.start:%H:%M}",
            "end": f"{words.date(item.end.date(), 'MMMEd')} {item.end:%H:%M}"}
    hidden += ", " + status_words(b, fixed)
    inner = (f'\n  <span class="cal-block-time">{time}</span>\n'
             f'  <span class="cal-block-title">{title}</span>\n'
             f'  <span class="visually-hidden">{esc(hidden)}</span>')
    body = (f'<a class="cal-block-body" href="{esc(href)}">{inner}</a>' if href
            else f'<div class="cal-block-body">{inner}</div>')
    return (f'<li class="cal-item cal-block {booking_kind(b)}{short} {place}"\n'
            f'                title="{item.start:%H:%M}–{until(item.end, item.start)} {said}">\n'
            f'              {body}\n'
            '            </li>')


def _free(item, words: Words, style_class, href: str | None, one_day: bool,
          capacity: int) -> str:
    fixed = words.fixed
    p = item.proposal
    slot = " is-slot" if item.is_slot else ""
    place = style_class(f"--top: {item.top}; --len: {item.height}")
    label = esc(item.label)
    if href:
        hint = f' data-hint="{esc(fixed["book"])}"' if one_day else ""
        shown = ("" if item.is_slot else "+ ") + label
        if item.is_slot:
            shown += " " + esc(fixed["free"].capitalize())
        places = ""
        if capacity > 1 and item.places_left is not None and item.places_left < capacity:
            places = (f'\n                <span class="cal-places" aria-hidden="true">'
                      f'{esc(fixed["left"] % {"num": item.places_left})}</span>')
        hidden = fixed["book_span"] % {"start": item.label, "end": p.end_local[11:]}
        if p.places_left is not None:
            hidden += ", " + words.plural("%(num)d place left", "%(num)d places left",
                                          p.places_left)
        inside = (f'<a href="{esc(href)}" data-cal-free data-start="{esc(p.start_local)}" '
                  f'data-until="{esc(item.until_local)}"{hint}>\n'
                  f'                <span class="cal-free-time" aria-hidden="true">{shown}</span>'
                  f'{places}\n'
                  f'                <span class="visually-hidden">{esc(hidden)}</span>\n'
                  '              </a>')
    else:
        twice = (words.gettext("This wall-clock time happens twice today; book it with the form.")
                 if p.ambiguous else "")
        hidden = fixed["free"] + (", " + fixed["twice"] if p.ambiguous else "")
        inside = (f'<span class="cal-free-inert" title="{esc(twice)}">\n'
                  f'                <span class="cal-free-time">{label}</span>\n'
                  f'                <span class="visually-hidden">{esc(hidden)}</span>\n'
                  '              </span>')
    return (f'<li class="cal-item cal-free{slot} {place}">\n'
            f'              {inside}\n'
            '            </li>')
