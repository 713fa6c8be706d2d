"""Every kind of mail through a real SMTP server (aiosmtpd): who gets it, what it says, in
which language, and the calendar invitations, checked by ics_check."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage

import icalendar
import sqlalchemy as sa

from booking.extensions import db
from booking.models import Booking, Notification, Resource
from booking.scheduling import Frequency, Recurrence
from booking.db_types import utcnow
from booking.services import bookings, expiry, series
from booking.services.bookings import BookingRequest
from booking.services.series import SeriesRequest
from tests.notifications.conftest import deliver, person, soon
from tests.test_ical import run_ics_check


def calendars(message: EmailMessage) -> list[tuple[str, bytes]]:
    """(content type, body) of every calendar part: the method alternative and attachments."""
    found = []
    for part in message.walk():
        if part.get_content_type() in ("text/calendar", "application/ics"):
            found.append((part.get_content_type(), part.get_payload(decode=True)))
    return found


def method_part(message: EmailMessage):
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return parts[0] if parts else None


def event_of(ics: bytes) -> icalendar.Event:
    cal = icalendar.Calendar.from_ical(ics)
    return next(iter(cal.walk("VEVENT")))


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def check_ics(tmp_path, message: EmailMessage) -> None:
    """Every calendar part, each checked on its own by one run of ics_check (a target is
    checked alone; one run saves starting the checker once per part)."""
    paths = []
    for index, (_type, body) in enumerate(calendars(message)):
        paths.append(tmp_path / f"part-{index}.ics")
        paths[-1].write_bytes(body)
    if paths:
        run_ics_check(*paths, feed=False)


def request_studio(app, world, title="Dance capture", days=7):
    with app.app_context():
        booking = bookings.create_booking(person(world.teacher), BookingRequest(
            world.studio, soon(days), soon(days) + timedelta(hours=2), title=title))
        return booking.id


def test_request_mails_the_owners_admins_only(mail_app, world, smtp_server):
    request_studio(mail_app, world)
    with mail_app.app_context():
        report = deliver()
    assert report.sent == 1
    [message] = smtp_server.messages
    assert "admin@enterprise.example" in message["To"]
    assert message["Subject"].startswith("Request to approve: Motion-capture studio")
    assert "(Asia/Shanghai)" in message["Subject"]
    assert message["Message-ID"] == "<notification-1@booking.example.org>"
    assert "Tom Teacher asks to book Motion-capture studio" in text_of(message)
    assert "Purpose: Dance capture" in text_of(message)
    assert "https://booking.example.org/bookings/requests" in text_of(message)
    assert calendars(message) == []  # nothing is in anyone's calendar yet
    html = message.get_body(("html",)).get_content()
    assert "Tom Teacher asks to book Motion-capture studio" in html


def test_approval_invites_the_booker_with_the_feeds_uid(mail_app, world, smtp_server,
                                                        tmp_path):
    booking_id = request_studio(mail_app, world)
    with mail_app.app_context():
        deliver()
        bookings.approve_booking(person(world.admin), booking_id)
        deliver()
        booking = db.session.get(Booking, booking_id)
        uid, sequence = f"booking-{booking.uid}@booking.example.org", booking.sequence
    [message] = smtp_server.to("teacher@school.example")
    assert message["Subject"].startswith("Approved: Motion-capture studio")
    part = method_part(message)
    assert part is not None and part.get_param("method") == "REQUEST"
    [(_, inline), (kind, attached)] = calendars(message)
    assert kind == "application/ics" and inline == attached
    event = event_of(inline)
    assert str(event["uid"]) == uid
    assert int(event["sequence"]) == sequence
    assert b"METHOD:REQUEST" in inline and b"STATUS:CONFIRMED" in inline
    assert b"ORGANIZER" in inline and b"mailto:teacher@school.example" in inline
    check_ics(tmp_path, message)


def test_rejection_tells_the_reason_without_an_invitation(mail_app, world, smtp_server):
    booking_id = request_studio(mail_app, world)
    with mail_app.app_context():
        bookings.reject_booking(person(world.admin), booking_id, "The studio is being rebuilt.")
        deliver()
    [message] = smtp_server.to("teacher@school.example")
    assert message["Subject"].startswith("Declined: Motion-capture studio")
    assert "Reason: The studio is being rebuilt." in text_of(message)
    assert calendars(message) == []  # it never was in the teacher's calendar


def test_cancellation_by_the_owner_removes_the_event_with_a_higher_sequence(
        mail_app, world, smtp_server, tmp_path):
    booking_id = request_studio(mail_app, world)
    with mail_app.app_context():
        bookings.approve_booking(person(world.admin), booking_id)
        deliver()
        bookings.cancel_booking(person(world.admin), booking_id)
        deliver()
    approved, cancelled = smtp_server.to("teacher@school.example")
    assert cancelled["Subject"].startswith("Cancelled: Motion-capture studio")
    first, second = event_of(calendars(approved)[0][1]), event_of(calendars(cancelled)[0][1])
    assert method_part(cancelled).get_param("method") == "CANCEL"
    assert b"METHOD:CANCEL" in calendars(cancelled)[0][1]
    assert str(second["status"]) == "CANCELLED"
    assert second["uid"] == first["uid"]
    assert int(second["sequence"]) > int(first["sequence"])
    check_ics(tmp_path, cancelled)


def test_rejected_after_confirmation_removes_the_event(mail_app, world, smtp_server, tmp_path):
    """Approved (invited), re-timed by the booker (pending again), then rejected: the event the
    approval put in the booker's calendar is removed."""
    booking_id = request_studio(mail_app, world)
    with mail_app.app_context():
        bookings.approve_booking(person(world.admin), booking_id)
        deliver()
        start = soon(9)
        bookings.move_booking(person(world.teacher), booking_id, start,
                              start + timedelta(hours=1))
        bookings.reject_booking(person(world.admin), booking_id, "Not then")
        deliver()
    approved, rejected = smtp_server.to("teacher@school.example")
    assert rejected["Subject"].startswith("Declined")
    assert method_part(rejected).get_param("method") == "CANCEL"
    first, second = event_of(calendars(approved)[0][1]), event_of(calendars(rejected)[0][1])
    assert second["uid"] == first["uid"] and int(second["sequence"]) > int(first["sequence"])
    check_ics(tmp_path, rejected)


def test_the_booker_cancelling_is_not_told_what_they_did(mail_app, world, smtp_server):
    booking_id = request_studio(mail_app, world)
    with mail_app.app_context():
        bookings.cancel_booking(person(world.teacher), booking_id)
        deliver()
    assert smtp_server.to("teacher@school.example") == []


def test_move_by_the_owner_sends_the_new_time(mail_app, world, smtp_server, tmp_path):
    booking_id = request_studio(mail_app, world)
    with mail_app.app_context():
        bookings.approve_booking(person(world.admin), booking_id)
        deliver()
        start = soon(8, hour=3)
        bookings.move_booking(person(world.admin), booking_id, start, start + timedelta(hours=1))
        deliver()
    moved = smtp_server.to("teacher@school.example")[-1]
    assert moved["Subject"].startswith("Changed: Motion-capture studio")
    assert "11:00–12:00 (Asia/Shanghai)" in text_of(moved)
    event = event_of(calendars(moved)[0][1])
    assert event.decoded("dtstart").hour == 11
    check_ics(tmp_path, moved)


def test_a_move_by_the_booker_goes_back_to_the_approvers(mail_app, world, smtp_server):
    booking_id = request_studio(mail_app, world)
    with mail_app.app_context():
        bookings.approve_booking(person(world.admin), booking_id)
        start = soon(9)
        bookings.move_booking(person(world.teacher), booking_id, start,
                              start + timedelta(hours=1))
        deliver()
    assert len(smtp_server.to("admin@enterprise.example")) == 2  # the request, asked again
    assert smtp_server.to("admin@enterprise.example")[-1]["Subject"].startswith("Request")


def test_a_series_is_one_mail_with_every_date(mail_app, world, smtp_server, tmp_path):
    first = soon(7)
    request = SeriesRequest(BookingRequest(world.studio, first, first + timedelta(hours=1),
                                           title="Weekly capture"),
                            Recurrence(Frequency.WEEKLY, count=3))
    with mail_app.app_context():
        made, dates, _skipped = series.create_series(person(world.teacher), request)
        series_id = made.id
        deliver()
        series.approve_series(person(world.admin), series_id)
        deliver()
    [asked] = smtp_server.to("admin@enterprise.example")
    assert "and 2 more dates" in asked["Subject"]
    assert text_of(asked).count("(Asia/Shanghai)") >= 3
    [approved] = smtp_server.to("teacher@school.example")
    attachments = [c for c in calendars(approved) if c[0] == "application/ics"]
    assert len(attachments) == 3  # one invitation per date: each date has its own UID
    assert len({str(event_of(body)["uid"]) for _t, body in attachments}) == 3
    assert method_part(approved) is None  # several events: no single inline invitation
    check_ics(tmp_path, approved)


def test_a_series_cancelled_by_the_owner_is_one_mail_removing_every_date(
        mail_app, world, smtp_server, tmp_path):
    first = soon(7)
    request = SeriesRequest(BookingRequest(world.lab, first, first + timedelta(hours=1)),
                            Recurrence(Frequency.WEEKLY, count=3))
    with mail_app.app_context():
        made, _dates, _skipped = series.create_series(person(world.teacher), request)
        series.cancel_series(person(world.admin), made.id)
        deliver()
    [message] = smtp_server.to("teacher@school.example")
    assert message["Subject"].startswith("Cancelled: Post-production lab")
    attachments = [body for kind, body in calendars(message) if kind == "application/ics"]
    assert len(attachments) == 3
    assert all(b"METHOD:CANCEL" in body and b"STATUS:CANCELLED" in body for body in attachments)
    check_ics(tmp_path, message)


def test_a_staff_booking_tells_the_person_whose_time_it_is(mail_app, world, smtp_server,
                                                           tmp_path):
    with mail_app.app_context():
        bookings.create_booking(person(world.teacher), BookingRequest(
            world.mentor, soon(), soon() + timedelta(hours=1), title="Career advice"))
        deliver()
    [message] = smtp_server.to("admin@enterprise.example")
    assert message["Subject"].startswith("Booked: Mentor: Li Wei")
    assert method_part(message).get_param("method") == "REQUEST"
    check_ics(tmp_path, message)


def test_a_mentor_named_on_the_resource_is_told_instead_of_the_admins(
        mail_app, world, smtp_server, make_user, tmp_path):
    with mail_app.app_context():
        li_wei = make_user("li.wei@enterprise.example", world.owner_org, name="Li Wei")
        db.session.get(Resource, world.mentor).person_id = li_wei
        db.session.commit()
        bookings.create_booking(person(world.teacher), BookingRequest(
            world.mentor, soon(), soon() + timedelta(hours=1), title="Career advice"))
        deliver()
    [message] = smtp_server.to("li.wei@enterprise.example")
    assert message["Subject"].startswith("Booked: Mentor: Li Wei")
    assert method_part(message).get_param("method") == "REQUEST"
    assert smtp_server.to("admin@enterprise.example") == []
    check_ics(tmp_path, message)


def test_an_expired_request_tells_the_booker(mail_app, world, smtp_server):
    request_studio(mail_app, world, days=30)
    with mail_app.app_context():
        deliver()  # the request itself, to the admins
        assert expiry.expire_requests(now=utcnow() + timedelta(days=15)) == 1
        deliver()
    [message] = smtp_server.to("teacher@school.example")
    assert message["Subject"].startswith("Declined: Motion-capture studio")
    assert "expired" in text_of(message)
    assert len(smtp_server.to("admin@enterprise.example")) == 1  # the request only


def test_chinese_readers_get_chinese_mail(mail_app, world, smtp_server, tmp_path):
    with mail_app.app_context():
        person(world.teacher).locale = "zh"
        db.session.commit()
    booking_id = request_studio(mail_app, world)
    with mail_app.app_context():
        bookings.reject_booking(person(world.admin), booking_id, "维修")
        deliver()
    [message] = smtp_server.to("teacher@school.example")
    assert message["Content-Language"] == "zh"
    assert "Declined" not in message["Subject"]
    assert "已拒绝" in message["Subject"] or "拒绝" in message["Subject"]
    assert "维修" in text_of(message)
    assert "(Asia/Shanghai)" in text_of(message)


def test_purposes_reach_only_those_who_may_see_them(mail_app, world, smtp_server, make_org,
                                                    make_user, make_resource):
    """A staff person from another organisation (the future mentor seam) sees no purpose;
    today the recipients are the owner's admins, who may: the rule is the permissions one."""
    outsider = make_user("outsider@elsewhere.example", make_org("Elsewhere"))
    booking_id = request_studio(mail_app, world, title="Secret rehearsal")
    with mail_app.app_context():
        deliver()
        note = db.session.scalar(sa.select(Notification))
        note.user_id = outsider
        db.session.commit()
        from booking.notifications import mail
        message = mail.render(db.session.get(Notification, note.id))
    assert "Secret rehearsal" not in message.as_string()
    assert "Secret rehearsal" in text_of(smtp_server.messages[0])
    assert booking_id
