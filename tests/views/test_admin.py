"""Administration pages: an organisation's people, and the platform's organisations."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from booking.extensions import db
from booking.models import Organisation, Role, User
from tests.views.test_resources import field_error


@pytest.fixture
def world(make_org, make_user, make_resource):
    chair, school = make_org("Chair University"), make_org("Harbour School")
    studio = make_org("Haibin Studio", "enterprise")
    ids = {"chair": chair, "school": school, "studio": studio,
           "lab": make_resource(studio, name="Motion-capture studio")}
    for key, email, org, role in (
            ("platform", "root@chair.org", chair, "platform_admin"),
            ("chair_admin", "admin@chair.org", chair, "org_admin"),
            ("admin", "admin@studio.org", studio, "org_admin"),
            ("member", "li@studio.org", studio, "member"),
            ("school_admin", "admin@school.org", school, "org_admin"),
            ("teacher", "t@school.org", school, "member")):
        ids[key] = make_user(email, org, role=role, name=key.replace("_", " ").title())
    return ids


def _users(app) -> dict[str, tuple]:
    """Every person as stored: e-mail -> (role, active, organisation)."""
    with app.app_context():
        return {u.email: (u.role, u.is_active_account, u.organisation_id)
                for u in db.session.scalars(sa.select(User))}


def _organisations(app) -> dict[str, bool]:
    with app.app_context():
        return {o.name: o.is_active for o in db.session.scalars(sa.select(Organisation))}


def test_logged_out_visitors_are_sent_to_sign_in(client, world):
    for url in ("/admin/organisation", "/admin/organisations"):
        assert client.get(url).headers["Location"].startswith("/login?next=")


def test_members_get_403_everywhere(app, client, auth, world):
    before = _users(app)
    auth.login("li@studio.org")
    for url in ("/admin/organisation", "/admin/organisations",
                f"/admin/organisations/{world['studio']}"):
        assert client.get(url).status_code == 403
    for url in (f"/admin/organisations/{world['studio']}/members",
                f"/admin/members/{world['admin']}/deactivate",
                f"/admin/members/{world['admin']}/role", "/admin/organisations",
                f"/admin/organisations/{world['school']}/deactivate"):
        assert client.post(url, data={"role": "member", "name": "X", "email": "x@x.org",
                                      "password": "first-pass-123"}).status_code == 403
    assert _users(app) == before


def test_org_admin_sees_own_people_and_resources(client, auth, world):
    auth.login("admin@studio.org")
    html = client.get("/admin/organisation").text
    assert "li@studio.org" in html and "Motion-capture studio" in html
    assert f"/resources/{world['lab']}/edit" in html
    assert "t@school.org" not in html


def test_org_admin_cannot_open_other_organisations(client, auth, world):
    auth.login("admin@studio.org")
    assert client.get(f"/admin/organisations/{world['school']}").status_code == 403
    assert client.get("/admin/organisations").status_code == 403
    assert client.get("/admin/organisations/999999").status_code == 404
    assert client.get("/admin/organisations/99999999999").status_code == 404
    assert client.post("/admin/members/99999999999/deactivate").status_code == 404


def test_org_admin_adds_a_member_who_must_change_the_password(app, client, auth, world):
    auth.login("admin@studio.org")
    response = client.post(f"/admin/organisations/{world['studio']}/members", data={
        "name": "Wang Fang", "email": "Wang.Fang@Studio.org", "role": "member",
        "password": "first-pass-123"})
    assert response.headers["Location"] == "/admin/organisation"
    auth.logout()
    response = auth.login("wang.fang@studio.org", "first-pass-123")
    assert client.get("/resources/").headers["Location"] == "/account/password"
    with app.app_context():
        user = db.session.scalar(sa.select(User).filter_by(email="wang.fang@studio.org"))
        assert user.organisation_id == world["studio"] and user.must_change_password


@pytest.mark.parametrize("changes,field,message", [
    ({"email": "LI@studio.org"}, "email", "already exists"),
    ({"email": "t@school.org"}, "email", "already exists"),
    ({"email": "not-an-address"}, "email", "email"),
    ({"name": ""}, "name", "required"),
    ({"name": "x" * 2000}, "name", "200"),
    ({"password": "short"}, "password", "8"),
    ({"name": "Wang\x07"}, "name", "control characters"),
    ({"email": "wang\x07@studio.org"}, "email", ""),
])
def test_bad_new_member_is_shown_at_the_field(app, client, auth, world, changes, field,
                                              message):
    before = _users(app)
    auth.login("admin@studio.org")
    data = {"name": "New", "email": "new@studio.org", "role": "member",
            "password": "first-pass-123", **changes}
    response = client.post(f"/admin/organisations/{world['studio']}/members", data=data)
    assert response.status_code == 200
    assert message.lower() in field_error(response.text, field).lower()
    assert _users(app) == before


def test_org_admin_cannot_add_to_another_organisation_or_appoint_platform_admins(
        app, client, auth, world):
    before = _users(app)
    auth.login("admin@studio.org")
    data = {"name": "X", "email": "x@school.org", "role": "member", "password": "first-pass-1"}
    assert client.post(f"/admin/organisations/{world['school']}/members",
                       data=data).status_code == 403
    response = client.post(f"/admin/organisations/{world['studio']}/members",
                           data={**data, "role": "platform_admin"})
    assert response.status_code == 200 and field_error(response.text, "role")
    assert _users(app) == before


def test_org_admin_changes_roles_and_deactivates_own_members(app, client, auth, world):
    auth.login("admin@studio.org")
    member = world["member"]
    client.post(f"/admin/members/{member}/role", data={"role": "org_admin"})
    assert _users(app)["li@studio.org"][0] is Role.ORG_ADMIN
    client.post(f"/admin/members/{member}/deactivate")
    assert _users(app)["li@studio.org"][1] is False
    client.post(f"/admin/members/{member}/activate")
    assert _users(app)["li@studio.org"][1] is True


@pytest.mark.parametrize("who", ["teacher", "school_admin", "platform"])
def test_org_admin_cannot_touch_other_peoples_accounts(app, client, auth, world, who):
    before = _users(app)
    auth.login("admin@studio.org" if who != "platform" else "admin@chair.org")
    target = world[who]
    assert client.post(f"/admin/members/{target}/role",
                       data={"role": "member"}).status_code == 403
    assert client.post(f"/admin/members/{target}/deactivate").status_code == 403
    assert _users(app) == before


def test_refusals_about_oneself_are_told_not_crashed(app, client, auth, world):
    before = _users(app)
    auth.login("admin@studio.org")
    for url, data in ((f"/admin/members/{world['admin']}/deactivate", {}),
                      (f"/admin/members/{world['admin']}/role", {"role": "member"}),
                      (f"/admin/members/{world['member']}/role", {"role": "emperor"}),
                      (f"/admin/members/{world['member']}/role", {}),
                      ("/admin/members/99999999999/role", {"role": "member"})):
        response = client.post(url, data={**data, "next": "https://evil.example/"})
        assert response.status_code in (302, 303, 404)
        assert "evil" not in response.headers.get("Location", "")
    assert _users(app) == before


def test_platform_admin_lists_organisations_with_counts(client, auth, world):
    auth.login("root@chair.org")
    html = client.get("/admin/organisations").text
    assert "Haibin Studio" in html and "Harbour School" in html and "Enterprise" in html
    html = client.get(f"/admin/organisations/{world['school']}").text
    assert "t@school.org" in html


def test_platform_admin_admits_an_organisation(app, client, auth, world):
    auth.login("root@chair.org")
    response = client.post("/admin/organisations", data={
        "name": "Lianhai Digital Media", "kind": "enterprise", "admin_name": "Liu Yang",
        "admin_email": "qa@lianhai.example", "first_password": "first-pass-123"})
    assert response.headers["Location"] == "/admin/organisations"
    with app.app_context():
        admin = db.session.scalar(sa.select(User).filter_by(email="qa@lianhai.example"))
        assert admin.organisation.name == "Lianhai Digital Media"
        assert admin.role is Role.ORG_ADMIN and admin.must_change_password


@pytest.mark.parametrize("changes,field,message", [
    ({"name": "harbour school"}, "name", "already exists"),
    ({"name": ""}, "name", "required"),
    ({"name": "x" * 2000}, "name", "200"),
    ({"admin_email": "T@school.org"}, "admin_email", "already exists"),
    ({"first_password": "short"}, "first_password", "8"),
    ({"kind": "club"}, "kind", "valid choice"),
    ({"name": "College\x07"}, "name", "control characters"),
    ({"admin_email": "head\x07@college.example"}, "admin_email", ""),
])
def test_bad_admission_is_shown_at_the_field(app, client, auth, world, changes, field,
                                             message):
    before = (_organisations(app), _users(app))
    auth.login("root@chair.org")
    data = {"name": "New College", "kind": "school", "admin_name": "Head",
            "admin_email": "head@college.example", "first_password": "first-pass-123",
            **changes}
    response = client.post("/admin/organisations", data=data)
    assert response.status_code == 200
    assert message.lower() in field_error(response.text, field).lower()
    assert (_organisations(app), _users(app)) == before


def test_platform_admin_suspends_and_readmits(app, client, auth, world):
    auth.login("root@chair.org")
    client.post(f"/admin/organisations/{world['school']}/deactivate")
    assert _organisations(app)["Harbour School"] is False
    client.post(f"/admin/organisations/{world['school']}/activate")
    assert _organisations(app)["Harbour School"] is True
    response = client.post(f"/admin/organisations/{world['chair']}/deactivate",
                           follow_redirects=True)
    assert "own organisation" in response.text
    assert _organisations(app)["Chair University"] is True


def test_suspended_organisations_people_are_signed_out(app, client, auth, world):
    auth.login("t@school.org")
    assert client.get("/resources/").status_code == 200
    with app.app_context():
        db.session.get(Organisation, world["school"]).is_active = False
        db.session.commit()
    assert client.get("/resources/").headers["Location"].startswith("/login")
