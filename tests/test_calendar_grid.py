"""The calendar's view model, without an app: columns, rows, DST days, midnight, months."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from booking.calendar_grid import (BookingRecord, Block, TimelineResource, View, days_of,
                                   month_grid, month_weeks, shift, time_grid, timeline)
from booking.scheduling import BookingRules, Closure, Interval, Occupancy, WeeklyWindow

UTC = timezone.utc
SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
WEEK_OF_2_MARCH = days_of(View.WEEK, date(2027, 3, 2))  # Monday 1 March to Sunday 7 March


def local(zone: ZoneInfo, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=zone, fold=fold)


def record(start: datetime, end: datetime, booking_id: int = 1, **fields) -> BookingRecord:
    values = {"status": "confirmed", "label": "Lesson", "is_own": False,
              "may_see_details": True, **fields}
    return BookingRecord(booking_id, start, end, **values)


def occupancy(booking: BookingRecord) -> Occupancy:
    return Occupancy(booking.period, booking.quantity, booking.id)


def weekdays(start: int, end: int, *, days=range(5), zone: str = "Asia/Shanghai",
             **rules) -> BookingRules:
    windows = [WeeklyWindow(d, time(start), time(end)) for d in days]
    return BookingRules(timezone=zone, windows=windows, **rules)


def column_of(grid, day: date):
    return next(c for c in grid.columns if c.day == day)


# --------------------------------------------------------------------------- spans and months

def test_week_runs_monday_to_sunday():
    assert WEEK_OF_2_MARCH[0] == date(2027, 3, 1) and WEEK_OF_2_MARCH[-1] == date(2027, 3, 7)
    assert days_of(View.DAY, date(2027, 3, 2)) == [date(2027, 3, 2)]


@pytest.mark.parametrize("year, month, weeks, first, last", [
    (2027, 2, 4, date(2027, 2, 1), date(2027, 2, 28)),  # starts on a Monday, 28 days: no extras
    (2027, 3, 5, date(2027, 3, 1), date(2027, 4, 4)),  # trailing days of April
    (2027, 5, 6, date(2027, 4, 26), date(2027, 6, 6)),  # leading April days, six weeks
])
def test_month_grid_has_whole_weeks_with_neighbouring_days(year, month, weeks, first, last):
    grid = month_weeks(year, month)
    assert len(grid) == weeks and all(len(week) == 7 for week in grid)
    assert grid[0][0] == first and grid[-1][-1] == last
    assert all(week[0].weekday() == 0 for week in grid)


def test_month_days_know_whether_they_belong_to_the_month():
    grid = month_grid(2027, 5, "Asia/Shanghai", bookings=[], now=LONG_AGO)
    flat = [day for week in grid.weeks for day in week]
    assert [d.day for d in flat if not d.in_month] == (
        [date(2027, 4, d) for d in range(26, 31)] + [date(2027, 6, d) for d in range(1, 7)])
    assert sum(d.in_month for d in flat) == 31


@pytest.mark.parametrize("view, anchor, steps, expected", [
    (View.DAY, date(2027, 2, 28), 1, date(2027, 3, 1)),
    (View.WEEK, date(2027, 3, 2), -1, date(2027, 2, 23)),
    (View.MONTH, date(2027, 1, 31), 1, date(2027, 2, 28)),  # no 31 February: the last day
    (View.MONTH, date(2027, 12, 15), 1, date(2028, 1, 15)),
    (View.MONTH, date(2027, 1, 15), -1, date(2026, 12, 15)),
])
def test_previous_and_next(view, anchor, steps, expected):
    assert shift(view, anchor, steps) == expected


# --------------------------------------------------------------------------- columns and rows

def test_a_booking_lands_in_its_day_column_at_its_hour():
    rules = weekdays(9, 18)
    tuesday = record(local(SHANGHAI, 2027, 3, 2, 14), local(SHANGHAI, 2027, 3, 2, 16))
    grid = time_grid(WEEK_OF_2_MARCH, "Asia/Shanghai", bookings=[tuesday], rules=rules,
                     occupying=[occupancy(tuesday)], now=LONG_AGO)
    assert [row.label for row in grid.rows] == [f"{h:02d}:00" for h in range(9, 18)]
    assert grid.height == 9 * 60
    placed = {c.day: [(b.top, b.height) for b in c.blocks] for c in grid.columns}
    assert placed[date(2027, 3, 2)] == [(300, 120)]  # 14:00 is 5 hours below 09:00
    assert all(not blocks for day, blocks in placed.items() if day != date(2027, 3, 2))


def test_weekend_is_shaded_closed_and_offers_nothing():
    grid = time_grid(WEEK_OF_2_MARCH, "Asia/Shanghai", bookings=[], rules=weekdays(9, 18),
                     now=LONG_AGO)
    saturday = column_of(grid, date(2027, 3, 6))
    assert [(b.kind, b.top, b.height) for b in saturday.bands] == [("closed", 0, 540)]
    assert saturday.free == []
    assert len(column_of(grid, date(2027, 3, 1)).free) == 18  # 9 hours in half hours


def test_lunch_break_and_closure_are_shaded_with_the_closure_reason():
    rules = BookingRules(
        timezone="Asia/Shanghai",
        windows=[WeeklyWindow(d, time(a), time(b)) for d in range(5) for a, b in ((9, 12),
                                                                                   (13, 18))],
        closures=[Closure(Interval(local(SHANGHAI, 2027, 3, 3), local(SHANGHAI, 2027, 3, 4)),
                          "Staff training")])
    grid = time_grid(WEEK_OF_2_MARCH, "Asia/Shanghai", bookings=[], rules=rules, now=LONG_AGO)
    tuesday = column_of(grid, date(2027, 3, 2))
    assert [(b.kind, b.top, b.height) for b in tuesday.bands] == [("closed", 180, 60)]
    wednesday = column_of(grid, date(2027, 3, 3))
    assert [(b.kind, b.top, b.height, b.note) for b in wednesday.bands] == [
        ("closure", 0, 540, "Staff training")]
    assert wednesday.free == []


def test_hours_widen_to_show_a_booking_outside_the_opening_hours():
    late = record(local(SHANGHAI, 2027, 3, 2, 19, 30), local(SHANGHAI, 2027, 3, 2, 20, 15))
    grid = time_grid(WEEK_OF_2_MARCH, "Asia/Shanghai", bookings=[late], rules=weekdays(9, 18),
                     now=LONG_AGO)
    assert (grid.rows[0].hour, grid.rows[-1].hour) == (9, 20)
    block = column_of(grid, date(2027, 3, 2)).blocks[0]
    assert (block.top, block.height) == (630, 45)


def test_overlapping_bookings_sit_side_by_side():
    first = record(local(SHANGHAI, 2027, 3, 2, 9), local(SHANGHAI, 2027, 3, 2, 11), 1)
    second = record(local(SHANGHAI, 2027, 3, 2, 10), local(SHANGHAI, 2027, 3, 2, 12), 2)
    later = record(local(SHANGHAI, 2027, 3, 2, 14), local(SHANGHAI, 2027, 3, 2, 15), 3)
    grid = time_grid(WEEK_OF_2_MARCH, "Asia/Shanghai", bookings=[later, second, first],
                     rules=weekdays(9, 18, capacity=3), now=LONG_AGO)
    lanes = {b.booking.id: (b.lane, b.lanes) for b in column_of(grid, date(2027, 3, 2)).blocks}
    assert lanes == {1: (0, 2), 2: (1, 2), 3: (0, 1)}


def test_a_short_booking_is_drawn_tall_enough_to_read():
    short = record(local(SHANGHAI, 2027, 3, 2, 10), local(SHANGHAI, 2027, 3, 2, 10, 5))
    grid = time_grid(WEEK_OF_2_MARCH, "Asia/Shanghai", bookings=[short], rules=weekdays(9, 18),
                     now=LONG_AGO)
    assert column_of(grid, date(2027, 3, 2)).blocks[0].height == 15


def test_reading_order_is_top_to_bottom():
    rules = weekdays(9, 12)
    booking = record(local(SHANGHAI, 2027, 3, 2, 10), local(SHANGHAI, 2027, 3, 2, 11))
    grid = time_grid([date(2027, 3, 2)], "Asia/Shanghai", bookings=[booking], rules=rules,
                     occupying=[occupancy(booking)], now=LONG_AGO)
    tops = [item.top for item in grid.columns[0].items()]
    assert tops == sorted(tops)


# --------------------------------------------------------------------------- across midnight

def test_a_booking_across_midnight_is_split_over_two_columns():
    night = record(local(SHANGHAI, 2027, 3, 2, 22), local(SHANGHAI, 2027, 3, 3, 2))
    grid = time_grid(WEEK_OF_2_MARCH, "Asia/Shanghai", bookings=[night], now=LONG_AGO)
    assert (grid.rows[0].hour, grid.rows[-1].hour) == (0, 23)
    tuesday, wednesday = column_of(grid, date(2027, 3, 2)), column_of(grid, date(2027, 3, 3))
    [evening], [morning] = tuesday.blocks, wednesday.blocks
    assert (evening.top, evening.height) == (22 * 60, 120)
    assert evening.continues_after and not evening.continues_before
    assert (morning.top, morning.height) == (0, 120)
    assert morning.continues_before and not morning.continues_after
    # Both halves still name the booking's real start and end.
    assert evening.start == morning.start == night.start.astimezone(SHANGHAI)


def test_a_booking_ending_at_midnight_stays_in_one_column():
    evening = record(local(SHANGHAI, 2027, 3, 2, 20), local(SHANGHAI, 2027, 3, 3, 0))
    grid = time_grid(WEEK_OF_2_MARCH, "Asia/Shanghai", bookings=[evening], now=LONG_AGO)
    assert [len(c.blocks) for c in grid.columns] == [0, 1, 0, 0, 0, 0, 0]
    block = column_of(grid, date(2027, 3, 2)).blocks[0]
    assert block.top + block.height == grid.height and not block.continues_after


def test_a_placement_of_several_days_fills_the_days_between():
    placement = record(local(SHANGHAI, 2027, 3, 1, 12), local(SHANGHAI, 2027, 3, 4, 12))
    grid = time_grid(WEEK_OF_2_MARCH, "Asia/Shanghai", bookings=[placement], now=LONG_AGO)
    heights = [[(b.top, b.height) for b in c.blocks] for c in grid.columns[:5]]
    assert heights == [[(720, 720)], [(0, 1440)], [(0, 1440)], [(0, 720)], []]


# --------------------------------------------------------------------------- daylight saving

def test_spring_forward_day_has_23_hours_and_marks_the_skipped_hour():
    week = days_of(View.WEEK, date(2027, 3, 28))  # Sunday 28 March 2027: 02:00 -> 03:00
    grid = time_grid(week, "Europe/Berlin", bookings=[], now=LONG_AGO, hours=(0, 24))
    assert len(grid.rows) == 24 and not any(row.repeated for row in grid.rows)
    sunday = column_of(grid, date(2027, 3, 28))
    assert sunday.hours == 23 and grid.has_clock_change
    assert [(b.kind, b.top, b.height) for b in sunday.bands] == [("skipped", 120, 60)]
    assert column_of(grid, date(2027, 3, 27)).hours == 24
    # 03:00 summer time is one real hour after 01:00 winter time, but sits on its own row.
    assert sunday.position(local(BERLIN, 2027, 3, 28, 3)) == 180


def test_booking_across_the_skipped_hour_spans_its_row():
    booking = record(local(BERLIN, 2027, 3, 28, 1, 30), local(BERLIN, 2027, 3, 28, 3, 30))
    assert booking.period.duration == timedelta(hours=1)
    grid = time_grid([date(2027, 3, 28)], "Europe/Berlin", bookings=[booking], now=LONG_AGO,
                     hours=(0, 24))
    block = grid.columns[0].blocks[0]
    assert (block.top, block.top + block.height) == (90, 210)


def test_fall_back_day_has_25_hours_with_the_repeated_hour_as_its_own_row():
    week = days_of(View.WEEK, date(2027, 10, 31))  # Sunday 31 October 2027: 03:00 -> 02:00
    grid = time_grid(week, "Europe/Berlin", bookings=[], now=LONG_AGO, hours=(0, 24))
    assert len(grid.rows) == 25
    assert [(r.label, r.repeated, r.top) for r in grid.rows[2:5]] == [
        ("02:00", False, 120), ("02:00", True, 180), ("03:00", False, 240)]
    sunday = column_of(grid, date(2027, 10, 31))
    assert sunday.hours == 25 and sunday.bands == []
    # The days without a second 02:00 show that row as absent, so rows line up.
    saturday = column_of(grid, date(2027, 10, 30))
    assert [(b.kind, b.top) for b in saturday.bands] == [("absent", 180)]
    assert saturday.position(local(BERLIN, 2027, 10, 30, 3)) == 240


def test_bookings_in_the_repeated_hour_are_drawn_in_real_time():
    first = record(local(BERLIN, 2027, 10, 31, 2, 30), local(BERLIN, 2027, 10, 31, 3, 0, fold=0),
                   1)
    second = record(local(BERLIN, 2027, 10, 31, 2, 30, fold=1), local(BERLIN, 2027, 10, 31, 4),
                    2)
    assert second.period.duration == timedelta(minutes=90)
    grid = time_grid([date(2027, 10, 31)], "Europe/Berlin", bookings=[first, second],
                     now=LONG_AGO, hours=(0, 24))
    placed = {b.booking.id: (b.top, b.height) for b in grid.columns[0].blocks}
    # 3:00 with fold=0 is after the change (CET), i.e. the end of the repeated hour.
    assert placed == {1: (150, 90), 2: (210, 90)}


def test_free_cells_in_the_repeated_hour_are_not_offered_as_ambiguous_links():
    rules = BookingRules(timezone="Europe/Berlin")  # open around the clock
    grid = time_grid([date(2027, 10, 31)], "Europe/Berlin", bookings=[], rules=rules,
                     now=LONG_AGO)
    cells = {(c.top, c.label): c.proposal for c in grid.columns[0].free}
    assert len(cells) == 50  # 25 hours in half hours
    first_two = cells[(120, "02:00")]
    assert first_two.start_local == "2027-10-31T02:00" and not first_two.ambiguous
    again = cells[(180, "02:00")]
    assert again.ambiguous and again.start == datetime(2027, 10, 31, 1, tzinfo=UTC)


def test_the_23_hour_day_offers_no_cells_in_the_hour_that_does_not_exist():
    rules = BookingRules(timezone="Europe/Berlin")
    grid = time_grid([date(2027, 3, 28)], "Europe/Berlin", bookings=[], rules=rules,
                     now=LONG_AGO)
    labels = [c.label for c in grid.columns[0].free]
    assert len(labels) == 46 and "02:00" not in labels and "02:30" not in labels


# --------------------------------------------------------------------------- free time

def test_free_cells_propose_an_hour_cut_at_the_next_booking():
    rules = weekdays(9, 12)
    busy = record(local(SHANGHAI, 2027, 3, 2, 10), local(SHANGHAI, 2027, 3, 2, 10, 45))
    grid = time_grid([date(2027, 3, 2)], "Asia/Shanghai", bookings=[busy], rules=rules,
                     occupying=[occupancy(busy)], now=LONG_AGO)
    offered = [(c.top, c.label, c.proposal.start_local[11:], c.proposal.end_local[11:])
               for c in grid.columns[0].free]
    assert offered == [(0, "09:00", "09:00", "10:00"), (30, "09:30", "09:30", "10:00"),
                       (90, "10:45", "10:45", "11:45"), (120, "11:00", "11:00", "12:00"),
                       (150, "11:30", "11:30", "12:00")]
    assert grid.columns[0].free[0].proposal.start_local == "2027-03-02T09:00"


def test_free_cells_respect_the_minimum_length_and_the_buffers():
    rules = weekdays(9, 12, min_minutes=60, buffer_after_minutes=15)
    busy = record(local(SHANGHAI, 2027, 3, 2, 10), local(SHANGHAI, 2027, 3, 2, 10, 30))
    occupied = Occupancy(Interval(busy.start, busy.end + timedelta(minutes=15)), 1, busy.id)
    grid = time_grid([date(2027, 3, 2)], "Asia/Shanghai", bookings=[busy], rules=rules,
                     occupying=[occupied], now=LONG_AGO)
    offered = [(c.label, c.proposal.end_local[11:]) for c in grid.columns[0].free]
    # 09:00-10:00 ends as the next booking starts, but its cleaning buffer would reach it.
    assert offered == [("10:45", "11:45"), ("11:00", "12:00")]


def test_no_free_cells_before_now_plus_notice():
    rules = weekdays(9, 18, notice_minutes=120)
    now = local(SHANGHAI, 2027, 3, 2, 10, 10)
    grid = time_grid([date(2027, 3, 2)], "Asia/Shanghai", bookings=[], rules=rules, now=now)
    column = grid.columns[0]
    assert column.free[0].proposal.start_local == "2027-03-02T12:10"
    assert column.is_today and column.now_top == 70


def test_slot_resources_show_each_free_slot():
    rules = BookingRules(timezone="Asia/Shanghai", slot_minutes=30,
                         windows=[WeeklyWindow(2, time(14), time(17))])
    taken = record(local(SHANGHAI, 2027, 3, 3, 15), local(SHANGHAI, 2027, 3, 3, 15, 30))
    grid = time_grid(WEEK_OF_2_MARCH, "Asia/Shanghai", bookings=[taken], rules=rules,
                     occupying=[occupancy(taken)], now=LONG_AGO)
    wednesday = column_of(grid, date(2027, 3, 3))
    assert [(c.top, c.height, c.label, c.is_slot) for c in wednesday.free] == [
        (0, 30, "14:00", True), (30, 30, "14:30", True), (90, 30, "15:30", True),
        (120, 30, "16:00", True), (150, 30, "16:30", True)]
    assert wednesday.free[2].proposal.end_local == "2027-03-03T16:00"
    assert sum(len(c.free) for c in grid.columns) == 5


def test_places_left_for_a_resource_with_capacity():
    rules = weekdays(9, 12, capacity=24)
    group = record(local(SHANGHAI, 2027, 3, 2, 10), local(SHANGHAI, 2027, 3, 2, 11), quantity=20)
    grid = time_grid([date(2027, 3, 2)], "Asia/Shanghai", bookings=[group], rules=rules,
                     occupying=[occupancy(group)], now=LONG_AGO)
    proposed = {c.label: c.proposal.places_left for c in grid.columns[0].free}
    assert proposed == {"09:00": 24, "09:30": 4, "10:00": 4, "10:30": 4, "11:00": 24,
                        "11:30": 24}
    # The cell itself shows the places free all through its own half hour.
    during = {c.label: c.places_left for c in grid.columns[0].free}
    assert during == {"09:00": 24, "09:30": 24, "10:00": 4, "10:30": 4, "11:00": 24,
                      "11:30": 24}


def test_a_full_resource_with_capacity_offers_nothing():
    rules = weekdays(9, 10, capacity=2)
    full = record(local(SHANGHAI, 2027, 3, 2, 9), local(SHANGHAI, 2027, 3, 2, 10), quantity=2)
    grid = time_grid([date(2027, 3, 2)], "Asia/Shanghai", bookings=[full], rules=rules,
                     occupying=[occupancy(full)], now=LONG_AGO)
    assert grid.columns[0].free == []


def test_a_free_cell_near_the_end_of_the_view_sees_past_midnight():
    rules = BookingRules(timezone="Asia/Shanghai", min_minutes=24 * 60)  # whole days at least
    grid = time_grid([date(2027, 3, 2)], "Asia/Shanghai", bookings=[], rules=rules,
                     now=LONG_AGO)
    last = grid.columns[0].free[-1].proposal
    assert (last.start_local, last.end_local) == ("2027-03-02T23:30", "2027-03-03T23:30")


# --------------------------------------------------------------------------- month

def test_month_lists_bookings_on_each_day_they_touch():
    stay = record(local(SHANGHAI, 2027, 3, 30, 9), local(SHANGHAI, 2027, 4, 2, 17), 7)
    grid = month_grid(2027, 3, "Asia/Shanghai", bookings=[stay], now=LONG_AGO)
    touched = [(d.day, d.entries[0].continues_before, d.entries[0].continues_after)
               for week in grid.weeks for d in week if d.entries]
    assert touched == [(date(2027, 3, 30), False, True), (date(2027, 3, 31), True, True),
                       (date(2027, 4, 1), True, True), (date(2027, 4, 2), True, False)]


def test_month_days_sum_up_free_time_closures_and_places():
    rules = weekdays(9, 17, capacity=20,
                     closures=[Closure(Interval(local(SHANGHAI, 2027, 3, 8),
                                                local(SHANGHAI, 2027, 3, 9)), "Holiday")])
    group = record(local(SHANGHAI, 2027, 3, 2, 9), local(SHANGHAI, 2027, 3, 2, 12), quantity=15)
    grid = month_grid(2027, 3, "Asia/Shanghai", bookings=[group], rules=rules,
                      occupying=[occupancy(group)], now=LONG_AGO)
    days = {d.day: d for week in grid.weeks for d in week}
    assert days[date(2027, 3, 1)].free_minutes == 8 * 60
    assert days[date(2027, 3, 1)].first_free.start_local == "2027-03-01T09:00"
    assert days[date(2027, 3, 2)].places_left == 5
    assert days[date(2027, 3, 6)].is_open is False and days[date(2027, 3, 6)].first_free is None
    assert days[date(2027, 3, 8)].closures == ["Holiday"]
    assert days[date(2027, 3, 8)].is_open is False and days[date(2027, 3, 8)].free_minutes == 0


def test_month_marks_today_and_the_past():
    now = local(SHANGHAI, 2027, 3, 10, 12)
    grid = month_grid(2027, 3, "Asia/Shanghai", bookings=[], now=now)
    days = {d.day: d for week in grid.weeks for d in week}
    assert days[date(2027, 3, 10)].is_today and not days[date(2027, 3, 10)].is_past
    assert days[date(2027, 3, 9)].is_past and not days[date(2027, 3, 11)].is_past


def test_month_counts_free_slots():
    rules = BookingRules(timezone="Asia/Shanghai", slot_minutes=30,
                         windows=[WeeklyWindow(2, time(14), time(17))])
    grid = month_grid(2027, 3, "Asia/Shanghai", bookings=[], rules=rules, now=LONG_AGO)
    days = {d.day: d for week in grid.weeks for d in week}
    assert days[date(2027, 3, 3)].free_slots == 6 and days[date(2027, 3, 4)].free_slots == 0


# --------------------------------------------------------------------------- timeline

def test_timeline_day_has_one_column_per_open_hour_and_one_row_per_resource():
    lab = TimelineResource(1, "Lab", weekdays(9, 12))
    busy = record(local(SHANGHAI, 2027, 3, 2, 10), local(SHANGHAI, 2027, 3, 2, 11), is_own=True)
    studio = TimelineResource(2, "Studio", weekdays(10, 14), bookings=[busy],
                              occupying=[occupancy(busy)])
    line = timeline([lab, studio], View.DAY, date(2027, 3, 2), "Asia/Shanghai", now=LONG_AGO)
    assert [c.start.hour for c in line.columns] == [9, 10, 11, 12, 13]
    states = [[cell.state for cell in row.cells] for row in line.rows]
    assert states == [["free", "free", "free", "closed", "closed"],
                      ["closed", "busy", "free", "free", "free"]]
    ten = line.rows[1].cells[1]
    assert [(p.kind, p.left, p.width) for p in ten.pieces] == [("own", 0.0, 100.0)]
    assert ten.bookings == [busy]
    assert line.rows[0].cells[0].proposal.start_local == "2027-03-02T09:00"


def test_timeline_proposes_times_in_the_resources_own_zone():
    # Berlin 08:00-16:00 in winter is 15:00-23:00 in Shanghai.
    render = TimelineResource(3, "Render farm", weekdays(8, 16, zone="Europe/Berlin"))
    line = timeline([render], View.DAY, date(2027, 3, 2), "Asia/Shanghai", now=LONG_AGO)
    assert [c.start.hour for c in line.columns] == list(range(15, 23))
    proposal = line.rows[0].cells[0].proposal
    assert (proposal.start_local, proposal.end_local) == ("2027-03-02T08:00", "2027-03-02T09:00")


def test_timeline_partly_booked_hour_shows_the_busy_part_and_offers_the_rest():
    busy = record(local(SHANGHAI, 2027, 3, 2, 9), local(SHANGHAI, 2027, 3, 2, 9, 30))
    lab = TimelineResource(1, "Lab", weekdays(9, 12), bookings=[busy],
                           occupying=[occupancy(busy)])
    cell = timeline([lab], View.DAY, date(2027, 3, 2), "Asia/Shanghai",
                    now=LONG_AGO).rows[0].cells[0]
    assert cell.state == "free" and cell.proposal.start_local == "2027-03-02T09:30"
    assert [(p.kind, p.left, p.width) for p in cell.pieces] == [("busy", 0.0, 50.0)]
    assert cell.free_minutes == 0  # summed up only for the days of a week


def test_timeline_day_on_the_25_hour_day_has_the_repeated_hour_twice():
    rules = BookingRules(timezone="Europe/Berlin")
    line = timeline([TimelineResource(1, "Farm", rules)], View.DAY, date(2027, 10, 31),
                    "Europe/Berlin", now=LONG_AGO, hours=(0, 24))
    assert len(line.columns) == 25
    assert [(c.start.hour, c.repeated) for c in line.columns[2:4]] == [(2, False), (2, True)]
    assert line.rows[0].cells[3].proposal.ambiguous


def test_timeline_hours_follow_opening_hours_not_resources_open_around_the_clock():
    lab = TimelineResource(1, "Lab", weekdays(9, 12))
    base = TimelineResource(2, "Internship base", BookingRules(timezone="Asia/Shanghai"))
    line = timeline([lab, base], View.DAY, date(2027, 3, 2), "Asia/Shanghai", now=LONG_AGO)
    assert [c.start.hour for c in line.columns] == [9, 10, 11]
    assert [c.state for c in line.rows[1].cells] == ["free"] * 3
    only_base = timeline([base], View.DAY, date(2027, 3, 2), "Asia/Shanghai", now=LONG_AGO)
    assert [c.start.hour for c in only_base.columns] == list(range(8, 18))


def test_timeline_shows_how_full_a_resource_with_places_is():
    mine = record(local(SHANGHAI, 2027, 3, 2, 9), local(SHANGHAI, 2027, 3, 2, 9, 30), 1,
                  quantity=6, is_own=True)
    theirs = record(local(SHANGHAI, 2027, 3, 2, 9), local(SHANGHAI, 2027, 3, 2, 10), 2,
                    quantity=12)
    lab = TimelineResource(1, "Lab", weekdays(9, 12, capacity=24), bookings=[mine, theirs],
                           occupying=[occupancy(mine), occupancy(theirs)])
    cell = timeline([lab], View.DAY, date(2027, 3, 2), "Asia/Shanghai",
                    now=LONG_AGO).rows[0].cells[0]
    assert [(p.kind, p.left, p.width, p.fill) for p in cell.pieces] == [
        ("usage", 0.0, 50.0, 0.75), ("usage", 50.0, 50.0, 0.5), ("own-line", 0.0, 50.0, 1.0)]
    assert cell.state == "free" and cell.places_left == 6
    # Both start here and overlap: only the first is named, so names never overprint.
    assert [b.id for b, _ in cell.labels] == [1]


def test_timeline_week_sums_free_time_and_places_per_day():
    group = record(local(SHANGHAI, 2027, 3, 2, 9), local(SHANGHAI, 2027, 3, 2, 10), quantity=20)
    base = TimelineResource(1, "Post-production lab", weekdays(8, 20, capacity=24),
                            bookings=[group], occupying=[occupancy(group)])
    line = timeline([base], View.WEEK, date(2027, 3, 2), "Asia/Shanghai", now=LONG_AGO)
    cells = line.rows[0].cells
    assert [c.state for c in cells] == ["free"] * 5 + ["closed"] * 2
    assert cells[0].free_minutes == 12 * 60 and cells[0].places_left == 24
    assert cells[1].places_left == 4
    assert cells[1].bookings == [group]


def test_timeline_marks_past_hours():
    now = local(SHANGHAI, 2027, 3, 2, 11, 30)
    lab = TimelineResource(1, "Lab", weekdays(9, 12))
    cells = timeline([lab], View.DAY, date(2027, 3, 2), "Asia/Shanghai", now=now).rows[0].cells
    assert [c.state for c in cells] == ["past", "past", "free"]
    assert cells[2].proposal.start_local == "2027-03-02T11:30"


def test_pending_bookings_of_others_are_marked_pending():
    pending = record(local(SHANGHAI, 2027, 3, 2, 9), local(SHANGHAI, 2027, 3, 2, 10),
                     status="pending", label=None, may_see_details=False)
    lab = TimelineResource(1, "Lab", weekdays(9, 12), bookings=[pending],
                           occupying=[occupancy(pending)])
    cell = timeline([lab], View.DAY, date(2027, 3, 2), "Asia/Shanghai",
                    now=LONG_AGO).rows[0].cells[0]
    assert [p.kind for p in cell.pieces] == ["pending"] and cell.state == "busy"


def test_block_dataclass_defaults_to_one_lane():
    block = Block(record(LONG_AGO, LONG_AGO + timedelta(hours=1)), 0, 60, LONG_AGO,
                  LONG_AGO, False, False)
    assert (block.lane, block.lanes) == (0, 1)
