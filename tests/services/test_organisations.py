"""Admitting organisations and managing their people."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from booking.exceptions import InvalidInput, NotAllowed, NotFound
from booking.extensions import db
from booking.models import Organisation, Role, User
from booking.services import organisations
from tests.conftest import PASSWORD


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def _counts() -> tuple[int, int]:
    return (db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)),
            db.session.scalar(sa.select(sa.func.count()).select_from(User)))


@pytest.fixture
def people(make_org, make_user, make_resource):
    chair, school = make_org("Chair University"), make_org("School")
    make_resource(school, name="Lab")
    return {"chair": chair, "school": school,
            "platform": make_user("root@chair.org", chair, role="platform_admin"),
            "chair_admin": make_user("admin@chair.org", chair, role="org_admin"),
            "admin": make_user("admin@school.org", school, role="org_admin"),
            "teacher": make_user("teacher@school.org", school)}


def _admit(actor, **changes):
    values = {"name": "Haibin Animation Studio", "kind": "enterprise", "admin_name": "Zhao Lei",
              "admin_email": "Labs@Haibin.example", "first_password": "first-pass-123",
              **changes}
    return organisations.admit_organisation(actor, **values)


def test_admit_creates_the_organisation_and_its_first_admin(app, people):
    with app.app_context():
        organisation, admin = _admit(_user(people["platform"]))
        db.session.expire_all()
        admin = _user(admin.id)
        assert admin.organisation.name == "Haibin Animation Studio"
        assert admin.role is Role.ORG_ADMIN and admin.must_change_password
        assert admin.email == "labs@haibin.example" and admin.check_password("first-pass-123")


@pytest.mark.parametrize("field,changes", [
    ("name", {"name": ""}),
    ("name", {"name": "x" * 2000}),
    ("name", {"name": "school"}),
    ("kind", {"kind": "club"}),
    ("admin_name", {"admin_name": "  "}),
    ("admin_email", {"admin_email": "ADMIN@school.org"}),
    ("admin_email", {"admin_email": "not an address"}),
    ("first_password", {"first_password": "short"}),
])
def test_admit_refuses_bad_input_and_creates_nothing(app, people, field, changes):
    with app.app_context():
        before = _counts()
        with pytest.raises(InvalidInput) as refused:
            _admit(_user(people["platform"]), **changes)
        assert field in refused.value.fields
        assert _counts() == before


def test_only_the_platform_admin_admits(app, people):
    with app.app_context():
        before = _counts()
        for who in ("chair_admin", "admin", "teacher"):
            with pytest.raises(NotAllowed):
                _admit(_user(people[who]))
        assert _counts() == before


def test_suspending_an_organisation_stops_its_people(app, people):
    with app.app_context():
        platform = _user(people["platform"])
        organisations.set_organisation_active(platform, people["school"], False)
        assert not _user(people["teacher"]).is_active
        organisations.set_organisation_active(platform, people["school"], True)
        assert _user(people["teacher"]).is_active
        with pytest.raises(InvalidInput):
            organisations.set_organisation_active(platform, people["chair"], False)
        with pytest.raises(NotAllowed):
            organisations.set_organisation_active(_user(people["admin"]), people["school"], False)
        with pytest.raises(NotFound):
            organisations.set_organisation_active(platform, 999_999, False)
        assert db.session.get(Organisation, people["school"]).is_active


def test_list_counts_people_and_resources(app, people):
    with app.app_context():
        summaries = organisations.list_organisations(_user(people["platform"]))
        counts = {s.organisation.name: (s.members, s.resources) for s in summaries}
        assert counts == {"Chair University": (2, 0), "School": (2, 1)}
        with pytest.raises(NotAllowed):
            organisations.list_organisations(_user(people["admin"]))


def test_roles_change_within_the_own_organisation_only(app, people):
    with app.app_context():
        admin = _user(people["admin"])
        organisations.change_member_role(admin, people["teacher"], "org_admin")
        assert _user(people["teacher"]).role is Role.ORG_ADMIN
        with pytest.raises(InvalidInput):
            organisations.change_member_role(admin, people["teacher"], "emperor")
        with pytest.raises(InvalidInput):
            organisations.change_member_role(admin, people["admin"], "member")
        with pytest.raises(NotAllowed):
            organisations.change_member_role(admin, people["chair_admin"], "member")
        with pytest.raises(NotAllowed):
            organisations.change_member_role(admin, people["teacher"], "platform_admin")
        with pytest.raises(NotFound):
            organisations.change_member_role(admin, 999_999, "member")


def test_an_org_admin_cannot_touch_a_platform_admin_of_the_same_organisation(app, people):
    with app.app_context():
        chair_admin = _user(people["chair_admin"])
        with pytest.raises(NotAllowed):
            organisations.change_member_role(chair_admin, people["platform"], "member")
        with pytest.raises(NotAllowed):
            organisations.change_member_active(chair_admin, people["platform"], False)
        platform = _user(people["platform"])
        assert platform.is_platform_admin and platform.is_active


def test_members_are_deactivated_and_reactivated(app, people):
    with app.app_context():
        admin = _user(people["admin"])
        assert not organisations.change_member_active(admin, people["teacher"], False).is_active
        assert organisations.change_member_active(admin, people["teacher"], True).is_active
        assert _user(people["teacher"]).check_password(PASSWORD)
