"""People and organisations at the account level: sign-in, passwords, members."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from booking.exceptions import InvalidInput, NotAllowed
from booking.extensions import db
from booking.models import Organisation, Role, User
from booking.services import accounts
from tests.conftest import PASSWORD


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def people(make_org, make_user):
    school, studio = make_org("School"), make_org("Studio", "enterprise")
    return {"school": school, "studio": studio,
            "admin": make_user("admin@school.org", school, role="org_admin"),
            "teacher": make_user("teacher@school.org", school),
            "studio_admin": make_user("admin@studio.org", studio, role="org_admin"),
            "platform": make_user("root@chair.org", role="platform_admin")}


def test_authenticate_ignores_case_and_spaces_of_the_email(app, people):
    with app.app_context():
        assert accounts.authenticate("  Teacher@School.ORG ", PASSWORD).id == people["teacher"]
        assert accounts.authenticate("teacher@school.org", "wrong password") is None
        assert accounts.authenticate("nobody@school.org", PASSWORD) is None


def test_deactivated_people_and_organisations_cannot_sign_in(app, people):
    with app.app_context():
        _user(people["teacher"]).is_active_account = False
        db.session.get(Organisation, people["studio"]).is_active = False
        db.session.commit()
        assert accounts.authenticate("teacher@school.org", PASSWORD) is None
        assert accounts.authenticate("admin@studio.org", PASSWORD) is None
        assert accounts.authenticate("admin@school.org", PASSWORD) is not None


def test_organisation_names_are_unique_whatever_the_case(app, people):
    with app.app_context():
        with pytest.raises(InvalidInput) as refused:
            accounts.create_organisation(" school ", "school")
        assert "name" in refused.value.fields
        assert _count(Organisation) == 3


@pytest.mark.parametrize("field,changes", [
    ("email", {"email": "TEACHER@school.org"}),
    ("password", {"password": "short"}),
    ("timezone", {"timezone": "Atlantis/Capital"}),
])
def test_create_user_refuses_bad_input(app, people, field, changes):
    with app.app_context():
        before = _count(User)
        values = {"email": "new@school.org", "name": "New", "password": PASSWORD,
                  "organisation": db.session.get(Organisation, people["school"]), **changes}
        with pytest.raises(InvalidInput) as refused:
            accounts.create_user(**values)
        assert field in refused.value.fields
        assert _count(User) == before


def test_change_password_checks_the_current_one_and_ends_other_sessions(app, people):
    with app.app_context():
        user = _user(people["teacher"])
        user.must_change_password = True
        db.session.commit()
        with pytest.raises(InvalidInput) as refused:
            accounts.change_password(user, "not it", "a brand new password")
        assert "current_password" in refused.value.fields
        version = user.session_version
        accounts.change_password(user, PASSWORD, "a brand new password")
        db.session.expire_all()
        user = _user(people["teacher"])
        assert user.check_password("a brand new password")
        assert user.session_version == version + 1 and not user.must_change_password


def test_add_member_needs_a_first_password_change(app, people):
    with app.app_context():
        school = db.session.get(Organisation, people["school"])
        user = accounts.add_member(_user(people["admin"]), school, email="New@School.org",
                                   name="New Teacher", first_password="first-pass-123")
        assert user.email == "new@school.org" and user.must_change_password
        assert user.role is Role.MEMBER


def test_add_member_refuses_other_organisations_and_promotions(app, people):
    with app.app_context():
        school = db.session.get(Organisation, people["school"])
        before = _count(User)
        with pytest.raises(NotAllowed):
            accounts.add_member(_user(people["studio_admin"]), school, email="x@school.org",
                                name="X", first_password="first-pass-123")
        with pytest.raises(NotAllowed):
            accounts.add_member(_user(people["teacher"]), school, email="x@school.org",
                                name="X", first_password="first-pass-123")
        with pytest.raises(NotAllowed):
            accounts.add_member(_user(people["admin"]), school, email="x@school.org",
                                name="X", first_password="first-pass-123",
                                role=Role.PLATFORM_ADMIN)
        assert _count(User) == before


def test_set_member_active_ends_sessions_and_refuses_oneself(app, people):
    with app.app_context():
        admin, teacher = _user(people["admin"]), _user(people["teacher"])
        version = teacher.session_version
        accounts.set_member_active(admin, teacher, False)
        assert not teacher.is_active and teacher.session_version == version + 1
        with pytest.raises(InvalidInput):
            accounts.set_member_active(admin, admin, False)
        with pytest.raises(NotAllowed):
            accounts.set_member_active(_user(people["studio_admin"]), teacher, True)
        assert not _user(people["teacher"]).is_active


def test_update_preferences_refuses_unknown_zones(app, people):
    with app.app_context():
        user = _user(people["teacher"])
        with pytest.raises(InvalidInput):
            accounts.update_preferences(user, name="T", locale="zh", timezone="Nowhere/City")
        db.session.expire_all()
        assert _user(people["teacher"]).timezone == "Asia/Shanghai"
        accounts.update_preferences(user, name="T", locale="zh", timezone="Europe/Berlin")
        assert _user(people["teacher"]).locale == "zh"
