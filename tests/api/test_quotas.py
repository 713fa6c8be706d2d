"""The quota through the API: set on a resource, refused with 409 and reason code quota."""

from __future__ import annotations

from booking.extensions import db
from booking.models import User
from booking.services.api_tokens import create_token


def _token(app, user_id):
    with app.app_context():
        return {"Authorization": f"Bearer {create_token(db.session.get(User, user_id))[1]}"}


def test_set_a_quota_and_be_refused_beyond_it(app, client, make_org, make_user, make_resource):
    owner, school = make_org("Base"), make_org("School")
    admin = _token(app, make_user("a@base.org", owner, role="org_admin"))
    teacher = _token(app, make_user("t@school.org", school))
    lab = make_resource(owner)
    answer = client.patch(f"/api/v1/resources/{lab}", headers=admin,
                          json={"quota": {"hours": 2, "per": "week"}, "max_pending": 3,
                                "request_expiry_days": 7})
    assert answer.status_code == 200, answer.json
    assert answer.json["quota"] == {"hours": 2.0, "per": "week"}
    assert answer.json["max_pending"] == 3 and answer.json["request_expiry_days"] == 7
    body = {"resource_id": lab, "start": "2031-03-03T09:00", "end": "2031-03-03T11:00"}
    assert client.post("/api/v1/bookings", headers=teacher, json=body).status_code == 201
    body.update(start="2031-03-04T09:00", end="2031-03-04T10:00")
    refused = client.post("/api/v1/bookings", headers=teacher, json=body)
    assert refused.status_code == 409
    reason = refused.json["reasons"][0]
    assert reason["code"] == "quota" and reason["limit"] == 0
    assert "frees up" in reason["message"]
    bad = client.patch(f"/api/v1/resources/{lab}", headers=admin,
                       json={"quota": {"hours": -1, "per": "week"}})
    assert bad.status_code == 422 and "quota" in bad.json["fields"]
    off = client.patch(f"/api/v1/resources/{lab}", headers=admin, json={"quota": None})
    assert off.json["quota"] is None
    assert client.post("/api/v1/bookings", headers=teacher, json=body).status_code == 201
