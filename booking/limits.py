"""Every limit on what the app accepts, in one place.

Forms, API parsing, the OpenAPI description, the services and the URL converter import these
numbers, so a limit cannot say one thing on a page and another in the API. The scheduling core
owns the limits of its own algorithms (series length, longest booking); they are named here too.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from booking.scheduling import DEFAULT_MAX_MINUTES, MAX_INTERVAL, MAX_OCCURRENCES, MAX_SPAN

# ---------------------------------------------------------------------------- ids

#: The largest id a row can have: an INTEGER key on PostgreSQL. Larger ids are a 404.
MAX_ID = 2**31 - 1

# ---------------------------------------------------------------------------- dates

#: Every date typed into a form or sent to the API lies in these years. Outside them a date
#: is a typo, and zoneinfo's local mean times (Shanghai was +08:05:43 before 1901) would give
#: offsets that ISO 8601 date-times cannot carry.
FIRST_YEAR, LAST_YEAR = 2000, 2100
#: A booking lies between the start of FIRST_YEAR and this many years from now.
BOOKING_YEARS_AHEAD = 10
#: The longest booking, when a resource sets no maximum of its own.
MAX_BOOKING_LENGTH = timedelta(minutes=DEFAULT_MAX_MINUTES)

EARLIEST_MOMENT = datetime(FIRST_YEAR, 1, 1, tzinfo=timezone.utc)


def is_accepted_date(day: date | datetime) -> bool:
    """Whether a date (or date and time) falls in the years the app accepts at all."""
    return FIRST_YEAR <= day.year <= LAST_YEAR


def latest_booking_day(today: date) -> date:
    """The last date a booking may reach: BOOKING_YEARS_AHEAD years on (28 February for 29th)."""
    return today.replace(year=today.year + BOOKING_YEARS_AHEAD,
                         day=28 if (today.month, today.day) == (2, 29) else today.day)


def latest_booking_moment(now: datetime) -> datetime:
    """The latest instant a booking may start or end, seen from *now*."""
    return datetime.combine(latest_booking_day(now.date()), now.timetz())


def is_bookable_moment(moment: datetime, now: datetime) -> bool:
    """Whether a booking, or a closure, may start or end at *moment* (an aware datetime)."""
    return EARLIEST_MOMENT <= moment <= latest_booking_moment(now)


# ---------------------------------------------------------------------------- text

NAME_LENGTH = 200  # a person, an organisation, a resource
EMAIL_LENGTH = 254  # the longest address SMTP carries (RFC 5321)
PASSWORD_LENGTH = 200  # longer is no safer, and each attempt hashes what is sent
TOKEN_NAME_LENGTH = 100  # the label of an API token
TITLE_LENGTH = 300  # a booking's or a series' purpose
DECISION_REASON_LENGTH = 500  # why a request was turned down: the booker reads it
CLOSURE_REASON_LENGTH = 300
LOCATION_LENGTH = 300
DESCRIPTION_LENGTH = 5000  # a resource's
ORGANISATION_DESCRIPTION_LENGTH = 2000
SEARCH_LENGTH = 200  # the words of a catalogue or timeline search

# ---------------------------------------------------------------------------- numbers

MAX_CAPACITY = 100_000  # places of a resource, and so places of one booking
MAX_MINUTES = DEFAULT_MAX_MINUTES  # any duration rule of a resource
MAX_HORIZON_DAYS = 3650
MAX_WINDOWS = 70  # opening hours of one resource
MAX_CLOSURES = 500

# ---------------------------------------------------------------------------- series

SERIES_MAX_DATES = MAX_OCCURRENCES
SERIES_MAX_INTERVAL = MAX_INTERVAL  # every n days, weeks or months
SERIES_MAX_SPAN = MAX_SPAN  # from the first date to the last
SERIES_MAX_SKIPPED = MAX_OCCURRENCES  # dates left out by name
SERIES_SKIP_TEXT_LENGTH = 4000  # the form's comma-separated list of those dates

# ---------------------------------------------------------------------------- lists and bodies

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_OFFSET = 1_000_000
#: JSON nested deeper than this is refused with 400: no request needs more than a few levels.
MAX_JSON_DEPTH = 32

# ---------------------------------------------------------------------------- notifications

#: The reminder choices a person has (minutes before a booking starts; None: no reminder).
REMINDER_CHOICES = (None, 60, 1440)
REMINDER_DEFAULT_MINUTES = 1440
#: A failed delivery is tried again after 30 s, then twice as long each time, at most this.
MAIL_RETRY_FIRST_SECONDS = 30
MAIL_RETRY_MAX_SECONDS = 3600
#: After this long without success a mail is marked failed (and shown to platform admins).
MAIL_GIVE_UP_AFTER_SECONDS = 24 * 3600
#: A worker's claim on a row lapses after this long (a worker that died mid-send).
MAIL_CLAIM_SECONDS = 300
#: Rows one worker claims at a time.
MAIL_BATCH = 50
#: Inbox entries shown on one page.
INBOX_PAGE_SIZE = 50

# ------------------------------------------------------------------- the ledger (issue 13)
MAX_STATISTICS_DAYS = 3660  # the longest period the sharing statistics are asked for
QUOTA_MAX_HOURS = 100_000.0  # a resource's quota per week, month or term
MAX_PENDING_LIMIT = 1000  # pending requests one organisation may hold on one resource
MAX_REQUEST_EXPIRY_DAYS = 365  # days a request may wait for a decision
RANKED_RESOURCES = 5  # the busiest and the least used resources shown
