"""Default settings; instance/config.py and the environment override them."""

SQLALCHEMY_DATABASE_URI = "sqlite:///booking.sqlite"
SQLALCHEMY_ENGINE_OPTIONS: dict = {}

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

# How passwords are hashed (werkzeug's generate_password_hash method). scrypt is slow on
# purpose; the test suite alone sets a cheap method, since it checks thousands of logins.
PASSWORD_HASH_METHOD = "scrypt"

# Lifetime of API tokens created with POST /api/v1/tokens.
API_TOKEN_DAYS = 30

ITEMS_PER_PAGE = 50

# Where rate-limit counters live; with several gunicorn workers use Redis, e.g.
# redis://127.0.0.1:6379/0 (memory:// would give each worker its own count).
RATELIMIT_STORAGE_URI = "memory://"
RATELIMIT_HEADERS_ENABLED = True

# How many reverse proxies stand in front of the app (0: none). Only then are their
# X-Forwarded-For/-Proto/-Host headers believed.
TRUSTED_PROXIES = 0
