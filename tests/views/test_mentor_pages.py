"""The hours page of the person a staff resource names (issue 14, item 2)."""

from __future__ import annotations

from booking.extensions import db
from booking.models import Resource
from tests.api import snapshot


def _mentor(make_org, make_user, make_resource):
    owner = make_org("Media Enterprise", kind="enterprise")
    mentor = make_user("mentor@media.example", owner)
    colleague = make_user("colleague@media.example", owner)
    resource = make_resource(owner, name="Mentor: Li", kind="staff", person_id=mentor,
                             windows=[(2, "14:00", "17:00")])
    return resource, mentor, colleague


def test_only_the_person_and_the_managers_open_the_hours_page(client, auth, make_org, make_user,
                                                              make_resource):
    resource, _mentor_id, _colleague = _mentor(make_org, make_user, make_resource)
    auth.login("colleague@media.example")
    assert client.get(f"/resources/{resource}/hours").status_code == 403
    assert client.post(f"/resources/{resource}/hours",
                       data={"windows": "Mon 09:00-10:00"}).status_code == 403
    auth.logout()
    auth.login("mentor@media.example")
    page = client.get(f"/resources/{resource}/hours")
    assert page.status_code == 200 and "Wed 14:00-17:00" in page.get_data(as_text=True)
    assert client.get(f"/resources/{resource}/edit").status_code == 403


def test_bad_hours_are_explained_and_change_nothing(app, client, auth, make_org, make_user,
                                                    make_resource):
    resource, _mentor_id, _colleague = _mentor(make_org, make_user, make_resource)
    auth.login("mentor@media.example")
    before = snapshot(app)
    answer = client.post(f"/resources/{resource}/hours",
                         data={"windows": "Someday 25:00-26:00",
                               "closures-0-start": "2027-01-02T00:00",
                               "closures-0-end": "2027-01-01T00:00"})
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "is not a day" in text and "The end must be after the start." in text
    assert snapshot(app) == before
    answer = client.post(f"/resources/{resource}/hours", data={"windows": "Wed 13:00-18:00"})
    assert answer.status_code in (302, 303)
    with app.app_context():
        window = db.session.get(Resource, resource).windows[0]
        assert (window.start_time.hour, window.end_time.hour) == (13, 18)
