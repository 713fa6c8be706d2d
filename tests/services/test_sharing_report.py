"""The Sharing page's figures beside the table: balance, months, busiest and least used."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from booking.extensions import db
from booking.models import User
from booking.services import sharing
from booking.services.sharing import Period

MONDAY = datetime(2031, 3, 3, 1, 0, tzinfo=timezone.utc)  # 09:00 in Shanghai


def test_balance_months_and_use_of_the_resources(app, make_org, make_user, make_resource,
                                                make_booking):
    base, school = make_org("Base"), make_org("School")
    chair = make_user(org_id=make_org("Chair"), role="platform_admin")
    base_admin = make_user(org_id=base, role="org_admin")
    teacher, worker = make_user(org_id=school), make_user(org_id=base)
    lab = make_resource(base, name="Lab", windows=[(d, "09:00", "17:00") for d in range(5)])
    idle = make_resource(base, name="Idle room")
    room = make_resource(school, name="Room")
    make_booking(lab, teacher, MONDAY, MONDAY + timedelta(hours=4))            # lent 4 h
    make_booking(lab, worker, MONDAY + timedelta(days=31), MONDAY + timedelta(days=31, hours=2))
    make_booking(room, worker, MONDAY, MONDAY + timedelta(hours=1))            # borrowed 1 h
    with app.app_context():
        period = Period(date(2031, 3, 1), date(2031, 4, 30))
        report = sharing.report(db.session.get(User, chair), period)
        balance = {b.organisation.name: (b.lent, b.borrowed, b.own) for b in report.balances}
        assert balance == {"Base": (4 * 3600, 3600, 2 * 3600), "School": (3600, 4 * 3600, 0)}
        assert report.months == [(date(2031, 3, 1), 5 * 3600), (date(2031, 4, 1), 2 * 3600)]
        # 6 booked hours of 43 weekdays × 8 open hours: the busiest; the idle room the least.
        assert report.busiest[0].name == "Lab"
        assert report.busiest[0].open == 43 * 8 * 3600 and report.busiest[0].booked == 6 * 3600
        assert report.least_used[0].name == "Idle room"
        own = sharing.report(db.session.get(User, base_admin), period)
        assert [b.organisation.name for b in own.balances] == ["Base"]
        assert {u.name for u in own.busiest + own.least_used} == {"Lab", "Idle room"}
        assert idle
