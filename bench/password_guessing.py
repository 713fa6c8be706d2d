"""How many password guesses a minute get through two servers of two workers each.

Starts two gunicorn servers (2 workers each) on one SQLite file, sends wrong guesses for one
account from one client address, alternating servers and the two ways in (the sign-in page
and POST /api/v1/tokens), and counts those that were judged rather than refused with 429:
once with the counters in each worker's memory (memory://), once in Redis.

    .venv/bin/python bench/password_guessing.py            # needs Redis on 127.0.0.1:6379
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import redis
import requests
from werkzeug.security import generate_password_hash

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))

from booking import create_app  # noqa: E402
from booking.extensions import db  # noqa: E402
from booking.models import Organisation, User  # noqa: E402

EMAIL = "target@example.org"
GUESSES = 80
REDIS_URL = "redis://127.0.0.1:6379/0"


def _database(folder: str) -> str:
    url = f"sqlite:///{folder}/guessing.sqlite"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        db.session.add(User(email=EMAIL, name="Target",
                            organisation=Organisation(name="School", kind="school"),
                            password_hash=generate_password_hash("a real secret",
                                                                 "pbkdf2:sha256:1")))
        db.session.commit()
    return url


def _start(config: dict) -> tuple[subprocess.Popen, str]:
    command = [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", "--workers", "2",
               "--preload", "--no-control-socket", f"booking:create_app({config!r})"]
    server = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True,
                              start_new_session=True)
    for line in server.stderr:
        if found := re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", line):
            return server, found.group(1)
    raise SystemExit("gunicorn did not start")


def _guess(base: str, through_api: bool) -> int:
    # A new connection each time, as a guessing script spreading over workers would.
    if through_api:
        return requests.post(f"{base}/api/v1/tokens", timeout=10,
                             json={"email": EMAIL, "password": "guess"}).status_code
    return requests.post(f"{base}/login", timeout=10,
                         data={"email": EMAIL, "password": "guess"}).status_code


def run(storage: str, url: str) -> int:
    config = {"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
              "RATELIMIT_STORAGE_URI": storage,
              "RATELIMIT_KEY_PREFIX": f"bench-{uuid.uuid4().hex}"}
    servers = [_start(config) for _ in range(2)]
    try:
        answers = [_guess(servers[i % 2][1], through_api=(i // 2) % 2 == 1)
                   for i in range(GUESSES)]
    finally:
        for server, _url in servers:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    return sum(1 for a in answers if a != 429)


def main() -> None:
    redis.Redis.from_url(REDIS_URL).ping()
    with tempfile.TemporaryDirectory() as folder:
        url = _database(folder)
        print(f"{GUESSES} wrong guesses within a minute, 2 servers x 2 workers, "
              "page and API alternating")
        for storage in ("memory://", REDIS_URL):
            print(f"  {storage:28} {run(storage, url):3} judged, the rest refused (429)")


if __name__ == "__main__":
    main()
