"""A believable demo consortium for newcomers and screenshots."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from booking.extensions import db
from booking.scheduling import Frequency, Recurrence
from booking.services import bookings, series
from booking.services.bookings import BookingRequest
from booking.models import (AvailabilityWindow, Holiday, Organisation, OrganisationKind,
                            Resource, ResourceKind, Role, Term, User)

# Passes the password rules (booking.passwords) for every demo person, as any password must.
PASSWORD = "kite-bamboo-harbour"

LOGINS = (
    ("admin@neusoft.demo", "platform admin, chair unit"),
    ("labs@haibin-animation.demo", "org admin, Haibin Animation Studio (an enterprise)"),
    ("li.wei@haibin-animation.demo", "member, engineer offering mentor slots"),
    ("office@dmvs.demo", "org admin, Dalian Digital Media Vocational School"),
    ("wang.fang@dmvs.demo", "member, teacher at the vocational school"),
)

ORGANISATIONS = (
    ("Dalian Neusoft University of Information", OrganisationKind.SCHOOL,
     "Chair unit of the consortium."),
    ("Dalian Digital Media Vocational School", OrganisationKind.SCHOOL,
     "Secondary vocational school: animation, film and game design."),
    ("Dalian Comprehensive High School", OrganisationKind.SCHOOL, ""),
    ("Haibin Animation Studio", OrganisationKind.ENTERPRISE,
     "3D animation and motion capture for film and games."),
    ("Lianhai Digital Media Co.", OrganisationKind.ENTERPRISE,
     "Post-production, sound and game quality assurance."),
    ("Dalian Software Industry Association", OrganisationKind.ASSOCIATION,
     "Organises the consortium's training programmes."),
)

USERS = (
    ("admin@neusoft.demo", "Chen Jing", "Dalian Neusoft University of Information",
     Role.PLATFORM_ADMIN),
    ("labs@haibin-animation.demo", "Zhao Lei", "Haibin Animation Studio", Role.ORG_ADMIN),
    ("li.wei@haibin-animation.demo", "Li Wei", "Haibin Animation Studio", Role.MEMBER),
    ("office@dmvs.demo", "Sun Hui", "Dalian Digital Media Vocational School", Role.ORG_ADMIN),
    ("wang.fang@dmvs.demo", "Wang Fang", "Dalian Digital Media Vocational School", Role.MEMBER),
    ("qa@lianhai.demo", "Liu Yang", "Lianhai Digital Media Co.", Role.ORG_ADMIN),
)

WEEKDAYS = (0, 1, 2, 3, 4)


def _resources(orgs: dict[str, Organisation]) -> list[Resource]:
    haibin, lianhai = orgs["Haibin Animation Studio"], orgs["Lianhai Digital Media Co."]
    neusoft = orgs["Dalian Neusoft University of Information"]
    return [
        Resource(organisation=haibin, kind=ResourceKind.FACILITY, name="Motion-capture studio",
                 description="12-camera optical capture volume, 8 x 6 m, with two suits.",
                 location="Haibin Animation Studio, Building B, 2nd floor", capacity=1,
                 min_minutes=60, max_minutes=240, notice_minutes=24 * 60, horizon_days=120,
                 buffer_after_minutes=30, approval_required=True,
                 windows=_weekly(WEEKDAYS, time(9), time(18))),
        Resource(organisation=haibin, kind=ResourceKind.STAFF,
                 name="Mentor: Li Wei, senior 3D animator",
                 description="Portfolio reviews and rigging questions, 30 minutes each.",
                 location="Online or at Haibin Animation Studio", capacity=1, slot_minutes=30,
                 notice_minutes=120, horizon_days=60, windows=_weekly((2,), time(14), time(17))),
        Resource(organisation=lianhai, kind=ResourceKind.FACILITY,
                 name="Post-production lab (24 seats)",
                 description="24 workstations with DaVinci Resolve and Nuke; book seats.",
                 location="Lianhai Digital Media, 88 Software Park Road", capacity=24,
                 min_minutes=60, max_minutes=8 * 60, horizon_days=180,
                 windows=_weekly(WEEKDAYS, time(8), time(20))),
        Resource(organisation=lianhai, kind=ResourceKind.FACILITY, name="Sound recording booth",
                 description="Treated booth for voice-over, with an engineer on request.",
                 location="Lianhai Digital Media, 88 Software Park Road", capacity=1,
                 slot_minutes=60, buffer_before_minutes=15, horizon_days=90,
                 windows=_weekly(WEEKDAYS, time(10), time(18))),
        Resource(organisation=lianhai, kind=ResourceKind.PRACTICE_BASE,
                 name="Summer internship base: game QA",
                 description="Twenty internship places testing mobile games, July and August.",
                 location="Lianhai Digital Media, QA floor", capacity=20, min_minutes=7 * 24 * 60,
                 approval_required=True, horizon_days=365),
        Resource(organisation=neusoft, kind=ResourceKind.FACILITY,
                 name="VR teaching lab (30 seats)",
                 description="30 headsets; teaching sessions of up to four hours.",
                 location="Neusoft University, Teaching Building 3, room 301", capacity=30,
                 max_minutes=240, horizon_days=150, windows=_weekly(WEEKDAYS, time(8), time(21))),
        Resource(organisation=haibin, kind=ResourceKind.FACILITY,
                 name="Render farm time (Berlin partner studio)",
                 description="Overnight render slots at our partner studio in Berlin.",
                 location="Berlin, Germany", capacity=1, timezone="Europe/Berlin",
                 slot_minutes=120, horizon_days=90,
                 windows=_weekly(range(7), time(0), time(8))),
    ]


def _weekly(weekdays, opens: time, closes: time) -> list[AvailabilityWindow]:
    return [AvailabilityWindow(weekday=d, start_time=opens, end_time=closes) for d in weekdays]


def load() -> bool:
    """Create the demo consortium; False when it is already there."""
    first_org = ORGANISATIONS[0][0]
    if db.session.scalar(sa.select(Organisation).where(Organisation.name == first_org)):
        return False
    orgs = {name: Organisation(name=name, kind=kind, description=text)
            for name, kind, text in ORGANISATIONS}
    db.session.add_all(orgs.values())
    for email, name, org_name, role in USERS:
        user = User(email=email, name=name, organisation=orgs[org_name], role=role)
        user.set_password(PASSWORD)
        db.session.add(user)
    db.session.add_all(_resources(orgs))
    db.session.flush()
    # The mentor slots are Li Wei's own time: he sees their bookings and keeps their hours.
    _resource("Mentor: Li Wei, senior 3D animator").person = _user(
        "li.wei@haibin-animation.demo")
    db.session.commit()
    _book_demo_week()
    _demo_term()
    return True


def _demo_term() -> None:
    """A term around today, with the school's holiday week in it (docs/ledger.md)."""
    tuesday = _next_weekday(1)
    term = Term(name=f"Demo term {tuesday.year}", first_day=tuesday - timedelta(days=35),
                last_day=tuesday + timedelta(days=120))
    school = _user("wang.fang@dmvs.demo").organisation_id
    term.holidays = [Holiday(organisation_id=school, name="Sports week",
                             first_day=tuesday + timedelta(days=27),
                             last_day=tuesday + timedelta(days=31))]
    db.session.add(term)
    db.session.commit()


def _book_demo_week() -> None:
    """A few bookings next week, made through the same rules as everyone's."""
    teacher = _user("wang.fang@dmvs.demo")
    engineer = _user("li.wei@haibin-animation.demo")
    tuesday = _next_weekday(1)
    lab = _resource("Post-production lab (24 seats)")
    series_start = _at(tuesday, lab, time(14))
    series.create_series(teacher, series.SeriesRequest(
        BookingRequest(lab.id, series_start, series_start + timedelta(hours=2), quantity=20,
                       title="Colour grading class, year 2"),
        Recurrence(Frequency.WEEKLY, count=8)))
    booth = _resource("Sound recording booth")
    booth_start = _at(tuesday + timedelta(days=1), booth, time(10))
    bookings.create_booking(engineer, BookingRequest(booth.id, booth_start,
                                                     booth_start + timedelta(hours=1),
                                                     title="Voice-over for a training film"))
    studio = _resource("Motion-capture studio")
    studio_start = _at(tuesday + timedelta(days=2), studio, time(9))
    bookings.create_booking(teacher, BookingRequest(studio.id, studio_start,
                                                    studio_start + timedelta(hours=3),
                                                    title="Capture session for the game-art class"))


def _user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _resource(name: str) -> Resource:
    return db.session.scalar(sa.select(Resource).where(Resource.name == name))


def _next_weekday(weekday: int) -> date:
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    return today + timedelta(days=(weekday - today.weekday()) % 7 + 7)


def _at(day: date, resource: Resource, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=ZoneInfo(resource.timezone))
