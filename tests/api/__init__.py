"""Helpers for the API tests: tokens, a small consortium, and database snapshots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from booking.extensions import db
from booking.models import User
from booking.services import api_tokens

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A column the API writes on purpose when a token is used (throttled "last used" time):
# it says nothing about whether a refused request changed anything.
IGNORED_COLUMNS = {("api_token", "last_used_at")}


def issue_token(app, user_id: int) -> str:
    """A fresh bearer secret for the person."""
    with app.app_context():
        _token, secret = api_tokens.create_token(db.session.get(User, user_id), "test")
        return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def snapshot(app) -> dict[str, list[tuple]]:
    """Every row of every table, to prove a refused request changed nothing."""
    with app.app_context():
        rows = {}
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if (table.name, c.name) not in IGNORED_COLUMNS]
            result = db.session.execute(sa.select(*columns).order_by(*table.primary_key.columns))
            rows[table.name] = [tuple(map(repr, row)) for row in result]
        db.session.rollback()
        return rows


def assert_invalid(response, field: str) -> None:
    """A 422 whose fields name *field* with whole sentences."""
    assert response.status_code == 422, response.get_json()
    data = response.get_json()
    assert data["error"] == "invalid" and data["message"]
    messages = data["fields"][field]
    assert messages and all(isinstance(m, str) and len(m) > 3 for m in messages), messages


def local(day: date, clock: str, zone: ZoneInfo = SHANGHAI) -> datetime:
    """A wall-clock time in *zone*, as an aware datetime."""
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=zone)


def next_weekday(weekday: int, weeks_ahead: int = 1) -> date:
    """A date on *weekday* (0 = Monday) at least *weeks_ahead* weeks from today."""
    today = datetime.now(timezone.utc).date() + timedelta(weeks=weeks_ahead)
    return today + timedelta(days=(weekday - today.weekday()) % 7)


@dataclass
class World:
    """Two organisations: a school that books, an enterprise that offers."""

    school: int
    enterprise: int
    teacher: int  # member of the school
    school_admin: int
    engineer: int  # member of the enterprise
    enterprise_admin: int
    lab: int  # the enterprise's, open to all, capacity 1, Asia/Shanghai
    private_lab: int  # the enterprise's, shared with nobody
    berlin_lab: int  # the enterprise's, open to all, in Europe/Berlin
    tokens: dict[int, str]

    def auth(self, user_id: int) -> dict[str, str]:
        return bearer(self.tokens[user_id])


@pytest.fixture
def world(app, make_org, make_user, make_resource) -> World:
    school = make_org("Vocational School", kind="school")
    enterprise = make_org("Media Enterprise", kind="enterprise")
    people = dict(teacher=make_user("teacher@school.example", school),
                  school_admin=make_user("admin@school.example", school, role="org_admin"),
                  engineer=make_user("engineer@media.example", enterprise),
                  enterprise_admin=make_user("admin@media.example", enterprise,
                                             role="org_admin"))
    world = World(school=school, enterprise=enterprise, **people,
                  lab=make_resource(enterprise, name="Editing lab"),
                  private_lab=make_resource(enterprise, name="Private studio", open_to_all=False),
                  berlin_lab=make_resource(enterprise, name="Berlin lab",
                                           timezone="Europe/Berlin"),
                  tokens={})
    world.tokens = {uid: issue_token(app, uid) for uid in people.values()}
    return world
