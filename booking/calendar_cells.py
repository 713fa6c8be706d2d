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

from booking.calendar_grid import (BookingRecord, NotYet, Timeline, TimelineCell, View)

NOTICE = "notice"


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
                  anchor: date, ) -> list[Row]:
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
        name = escape(r.name)
        meta = f"{r.organisation.name} · {kinds.get(r.kind.value, r.kind.value)}"
        if r.capacity > 1:
            meta += " · " + words.plural("%(num)d place", "%(num)d places", r.capacity)
        if r.timezone != line.zone:
            meta += f" · {r.timezone}"
        head = Markup(
            '<th scope="row" class="tl-res">\n'
            f'          <a href="{escape(f"{base}?view={view}&date={anchor_iso}")}">{name}</a>\n'
            f'          <span class="tl-meta">{escape(meta)}</span>\n'
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
                    parts.append(f'<span class="visually-hidden">{escape(when)}: '
                                 f'{escape(fixed["free"])}</span>')
            elif state == "closed":
                if week:
                    text = fixed["closed"]
                    if cell.closures:
                        text += ": " + ", ".join(cell.closures)
                    parts.append(f'<span class="tl-state">{escape(text)}</span>')
                else:
                    parts.append(f'<span class="visually-hidden">{escape(when)}: '
                                 f'{escape(fixed["closed_lc"])}</span>')
            elif state == "not-yet":
                text = words.not_yet(cell.not_yet, zone)
                if week:
                    parts.append(f'<span class="tl-state">{escape(text)}</span>')
                else:
                    parts.append(f'<span class="visually-hidden">{escape(when)}: '
                                 f'{escape(text)}</span>')
            elif state == "busy":
                if week:
                    parts.append(f'<span class="tl-state">'
                                 f'{escape(words.gettext("Fully booked"))}</span>')
                else:
                    said = ", ".join(f"{booking_words(b, fixed)} ({status_words(b, fixed)})"
                                     for b in cell.bookings) or fixed["busy_lc"]
                    parts.append(f'<span class="visually-hidden">{escape(when)}: '
                                 f'{escape(said)}</span>')
            else:
                parts.append(f'<span class="visually-hidden">{escape(when)}: '
                             f'{escape(fixed["past"])}</span>')
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
                   f'aria-hidden="true">{escape(booking_words(b, fixed))}</span>')
    return out


def _week_free(cell: TimelineCell, r, words: Words, href: str, name: Markup, when: str) -> str:
    if cell.free_slots is not None:
        summary = words.plural("%(num)d free slot", "%(num)d free slots", cell.free_slots)
    else:
        summary = words.gettext("%(time)s free", time=words.duration(cell.free_minutes))
    places = ""
    if cell.places_left == 0:
        places = f'<span class="cal-places">{escape(words.gettext("full at times"))}</span>'
    elif cell.places_left is not None and cell.places_left < r.capacity:
        places = ('<span class="cal-places">' + str(escape(words.plural(
            "at least %(num)d place", "at least %(num)d places", cell.places_left))) + "</span>")
    return (f'<a class="tl-free" href="{escape(href)}">\n'
            f'                <span><span class="tl-sum">{escape(summary)}</span>{places}</span>\n'
            f'                <span class="visually-hidden">: {name}, {escape(when)}</span>\n'
            '              </a>')


def _day_free(cell: TimelineCell, r, words: Words, href: str) -> str:
    fixed = words.fixed
    left = ""
    if cell.places_left is not None and cell.places_left < r.capacity:
        left = (f'\n                <span class="tl-left" aria-hidden="true">'
                f'{escape(fixed["left"] % {"num": cell.places_left})}</span>')
    hidden = fixed["book_from"] % {"name": r.name, "time": cell.proposal.start_local[11:]}
    if cell.places_left is not None:
        hidden += ", " + words.plural("%(num)d place left", "%(num)d places left",
                                      cell.places_left)
    return (f'<a class="tl-free" href="{escape(href)}" data-cal-free>\n'
            '                <span class="tl-plus" aria-hidden="true">+</span>'
            f'{left}\n'
            f'                <span class="visually-hidden">{escape(hidden)}</span>\n'
            '              </a>')
