"""Default settings; instance/config.py and the environment override them."""

import os

SQLALCHEMY_DATABASE_URI = "sqlite:///booking.sqlite"
SQLALCHEMY_ENGINE_OPTIONS: dict = {}

# The address people reach the site at, e.g. "https://booking.example.org": feed URLs, links
# in calendar events and the domain in iCalendar UIDs come from it, never from the request.
# Unset: SERVER_NAME, else http://localhost:5000 (booking/links.py).
PUBLIC_URL: str | None = None
# Overrides the domain in UIDs (booking-<random>@<domain>); versions before PUBLIC_URL read it.
ICAL_UID_DOMAIN: str | None = None

DEFAULT_TIMEZONE = "Asia/Shanghai"
LANGUAGES = ("en", "zh")
BABEL_DEFAULT_LOCALE = "en"
BABEL_DEFAULT_TIMEZONE = "UTC"

# Flask leaves request size unbounded; an .ics upload is the largest thing we accept.
MAX_CONTENT_LENGTH = 4 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
WTF_CSRF_TIME_LIMIT = None

# Bootstrap-Flask serves Bootstrap from the package: no CDN, works offline.
BOOTSTRAP_SERVE_LOCAL = True

# SQLite's PRAGMA synchronous (WAL journal). NORMAL, the default, does not wait for the disk
# at each commit: a power cut (not a crash of the app) may lose the last commits, never
# corrupt the file; issue 16 allows it, and the wait was most of a booking's time on a busy
# disk (bench/speed.md). FULL (or EXTRA) waits for the disk at every commit, so a confirmed
# booking survives a power cut too. OFF is refused. PostgreSQL keeps synchronous_commit on.
SQLITE_SYNCHRONOUS = "NORMAL"

# How passwords are hashed (werkzeug's generate_password_hash method). scrypt is slow on
# purpose; the test suite alone sets a cheap method, since it checks thousands of logins.
PASSWORD_HASH_METHOD = "scrypt"

# Lifetime of API tokens created with POST /api/v1/tokens.
API_TOKEN_DAYS = 30

ITEMS_PER_PAGE = 50

# How many computed calendar grids (a timeline's table, a resource's day, week or month) each
# worker process keeps for reuse while nothing they show changed (services/calendar_cache.py).
# 0 turns the cache off: every page is computed from the database. The environment variable
# of the same name overrides it (bench/read_paths.py --no-page-cache).
CALENDAR_CACHE_SIZE = int(os.environ.get("CALENDAR_CACHE_SIZE", "128"))

# Where rate-limit counters live. memory:// counts in each worker process on its own, so
# with several workers or servers use Redis, e.g. redis://127.0.0.1:6379/0 (README).
RATELIMIT_STORAGE_URI = "memory://"
RATELIMIT_HEADERS_ENABLED = True

# Password guesses (sign-in page and POST /api/v1/tokens together; booking.throttle):
# every attempt from one client address, and the failed attempts at one account from
# anywhere (a browser that signed in to the account before keeps its own count).
PASSWORD_GUESSES_PER_ADDRESS = "10 per minute; 100 per day"
PASSWORD_GUESSES_PER_ACCOUNT = "20 per hour; 100 per day"

# How many reverse proxies stand in front of the app (0: none). Only then are their
# X-Forwarded-For/-Proto/-Host headers believed.
TRUSTED_PROXIES = 0

# Notification mail (docs/notifications.md): smtp://host:25, smtp+starttls://user:pass@host:587
# or smtps://user:pass@host:465. None: the worker writes each mail to its log instead.
MAIL_URL: str | None = None
# The sender and the ORGANIZER of invitations; None: "Consortium booking <booking@<uid domain>>".
MAIL_FROM: str | None = None
