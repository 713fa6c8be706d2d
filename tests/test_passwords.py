"""Weak passwords are refused wherever one is chosen (NIST SP 800-63B, section 3.1.1.2)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from booking.exceptions import InvalidInput
from booking.extensions import db
from booking.models import Organisation, User
from booking.services import accounts
from tests.conftest import PASSWORD
from tests.views.test_resources import field_error

EMAIL = "wang.fang@harbour-school.example"
COMMON = ["12345678", "password123", "qwertyuiop", "iloveyou2024", "P@ssw0rd!", "abcdefgh",
          "aaaaaaaa", "summer2024", "letmein!!", "Password1!"]
CONTEXTUAL = ["wangfang1990", "wang.fang1", "Fang-Wang-88", "harbourschool1",
              "HarbourSchool2026", "harbour-school.example"]
GOOD = [PASSWORD, "bamboo kite harbour", "first-pass-123", "学而时习之不亦说乎",
        "tuesday-lab-mentor", "Gl4ssHouse!"]


@pytest.fixture
def school(make_org) -> int:
    return make_org("Harbour School")


def _create(app, school: int, password: str) -> bool:
    """Add Wang Fang with *password*; True when the stored hash matches it."""
    with app.app_context():
        return accounts.create_user(
            email=EMAIL, name="Wang Fang", password=password,
            organisation=db.session.get(Organisation, school)).check_password(password)


def _refusal(app, school: int, password: str) -> str:
    with pytest.raises(InvalidInput) as refused:
        _create(app, school, password)
    return " ".join(map(str, refused.value.fields["password"]))


@pytest.mark.parametrize("password", COMMON)
def test_common_passwords_are_refused_with_a_clear_message(app, school, password):
    assert "too common or too easy to guess" in _refusal(app, school, password)


@pytest.mark.parametrize("password", CONTEXTUAL)
def test_passwords_made_of_the_persons_own_details_are_refused(app, school, password):
    assert "name, e-mail address or organisation" in _refusal(app, school, password)


def test_short_passwords_are_refused_at_any_strength(app, school):
    assert "at least 8 characters" in _refusal(app, school, "x9$Lq2!")


@pytest.mark.parametrize("password", GOOD)
def test_no_composition_rules_a_long_unusual_password_is_enough(app, school, password):
    assert _create(app, school, password)


def test_a_password_as_long_as_a_sentence_is_fine(app, school):
    sentence = "the lab on the third floor smells of solder every tuesday afternoon " * 2
    assert _create(app, school, sentence)


@settings(max_examples=40, deadline=None)
@given(word=st.sampled_from([w for w in __import__("zxcvbn.frequency_lists", fromlist=["x"])
                             .FREQUENCY_LISTS["passwords"][:3000] if len(w) >= 8]))
def test_every_common_password_of_eight_or_more_characters_is_refused(word):
    """The oracle: the list of the most used passwords that zxcvbn ships."""
    from booking.passwords import password_problem
    assert password_problem(word, context=()) is not None
    assert password_problem(word.capitalize() + "1", context=()) is not None


@settings(max_examples=60, deadline=None)
@given(first=st.from_regex(r"[a-z]{4,10}", fullmatch=True),
       last=st.from_regex(r"[a-z]{4,10}", fullmatch=True),
       suffix=st.from_regex(r"[0-9!.]{0,4}", fullmatch=True),
       joiner=st.sampled_from(["", ".", "-", "_"]))
def test_a_name_or_e_mail_with_a_little_added_is_refused(first, last, suffix, joiner):
    from booking.passwords import password_problem
    context = (f"{first}.{last}@example.org", f"{first.title()} {last.title()}")
    candidate = f"{first}{joiner}{last}{suffix}"
    if len(candidate) >= 8:
        assert password_problem(candidate, context=context) is not None


# Everywhere a password is chosen: the password page, the admin pages, the command line.
def test_the_password_page_refuses_a_common_password(app, client, auth, make_user):
    make_user("teacher@school.org")
    auth.login("teacher@school.org")
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "password123", "confirm": "password123"})
    assert response.status_code == 200
    assert "too common" in field_error(response.text, "new_password")
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "teacher@school.org"))
        assert user.check_password(PASSWORD)


def test_the_page_refuses_ones_own_e_mail_as_password(client, auth, make_user):
    make_user("teacher@school.org")
    auth.login("teacher@school.org")
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "teacher@school.org",
        "confirm": "teacher@school.org"})
    assert "e-mail address" in field_error(response.text, "new_password")


def test_first_passwords_set_by_an_admin_are_checked_too(app, client, auth, make_user, school):
    make_user("admin@school.org", school, role="org_admin")
    auth.login("admin@school.org")
    response = client.post(f"/admin/organisations/{school}/members", data={
        "name": "New Teacher", "email": "new@school.org", "role": "member",
        "password": "12345678"})
    assert "too common" in field_error(response.text, "password")
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "new@school.org")) is None


def test_create_user_on_the_command_line_refuses_weak_passwords(app, runner, school):
    with app.app_context():  # as `flask` does (the test runner pushes no context)
        result = runner.invoke(args=["create-user", "head@harbour.example", "--org",
                                     "Harbour School", "--password", "harbourschool"])
    assert result.exit_code != 0 and "organisation" in result.output, result.output
    assert "Traceback" not in result.output


def test_the_refusal_is_translated(app, client, auth, make_user):
    make_user("teacher@school.org", locale="zh")
    auth.login("teacher@school.org")
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "password123", "confirm": "password123"})
    message = field_error(response.text, "new_password")
    assert re.search(r"[\u4e00-\u9fff]", message), message


def test_the_demo_password_is_acceptable_for_every_demo_person():
    from booking import demo
    from booking.passwords import password_problem
    for email, name, organisation, _role in demo.USERS:
        assert password_problem(demo.PASSWORD, context=(email, name, organisation)) is None
