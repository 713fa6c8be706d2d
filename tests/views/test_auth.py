"""Signing in and out, remember me, password changes, the safe `next`, the language switch."""

from __future__ import annotations

import pytest

from booking.extensions import db
from booking.models import User
from tests.conftest import PASSWORD
from tests.views.test_resources import field_error

EMAIL = "teacher@school.org"



@pytest.fixture
def teacher(make_user) -> int:
    return make_user(EMAIL)


def _signed_in(client) -> bool:
    return client.get("/resources/").status_code == 200


def test_login_page_and_sign_in(client, auth, teacher):
    assert client.get("/login").status_code == 200
    response = auth.login(EMAIL)
    assert response.headers["Location"] == "/"
    assert _signed_in(client)
    assert client.get("/login").headers["Location"] == "/"


@pytest.mark.parametrize("email,password", [
    (EMAIL, "wrong password"), ("nobody@school.org", PASSWORD), ("TEACHER@school.org", "x")])
def test_wrong_password_is_shown_at_the_field(client, auth, teacher, email, password):
    response = auth.login(email, password)
    assert response.status_code == 200
    assert "Wrong e-mail address or password." in field_error(response.text, "password")
    assert not _signed_in(client)


def test_email_is_not_case_sensitive(client, auth, teacher):
    auth.login("  Teacher@School.ORG")
    assert _signed_in(client)


def test_absurd_input_never_gives_a_server_error(client, teacher):
    for data in ({"email": "x" * 2000, "password": "y" * 2000}, {}, {"email": EMAIL}):
        assert client.post("/login", data=data).status_code == 200
    assert client.post("/login", data={"email": "a@b.c", "password": "\x00"}).status_code == 400


def test_a_nul_byte_in_the_email_is_refused_not_crashed(client, teacher):
    response = client.post("/login", data={"email": "\x00@x.org", "password": "x"})
    assert response.status_code == 400 and b"NUL" in response.data


def test_logout(client, auth, teacher):
    auth.login(EMAIL)
    assert auth.logout().headers["Location"] == "/login"
    assert not _signed_in(client)
    assert client.get("/logout").status_code == 405  # only a POST signs out


def test_remember_me_sets_a_lasting_cookie(client, teacher):
    client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    assert client.get_cookie("remember_token") is None
    client.post("/logout")
    client.post("/login", data={"email": EMAIL, "password": PASSWORD, "remember": "y"})
    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.expires is not None


def test_remembered_person_comes_back_without_a_session(app, client, teacher):
    client.post("/login", data={"email": EMAIL, "password": PASSWORD, "remember": "y"})
    remember = client.get_cookie("remember_token").value
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember)
    assert _signed_in(fresh)


@pytest.mark.parametrize("target", ["/resources/?kind=staff", "/admin/organisation"])
def test_sign_in_sends_back_to_the_page_asked_for(client, auth, teacher, target):
    login_url = client.get(target).headers["Location"]
    assert login_url.startswith("/login?next=")
    response = client.post(login_url, data={"email": EMAIL, "password": PASSWORD})
    assert response.headers["Location"] == target


@pytest.mark.parametrize("target", ["https://evil.example", "//evil.example",
                                    "/\\evil.example", "https:/evil.example", "javascript:x",
                                    "\\\\evil.example", "/\n/evil.example"])
def test_sign_in_never_sends_to_another_site(client, teacher, target):
    response = client.post("/login", query_string={"next": target},
                           data={"email": EMAIL, "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_changing_the_password_ends_other_sessions(app, client, auth, teacher):
    auth.login(EMAIL)
    old_session = client.get_cookie("session").value
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "a new password",
        "confirm": "a new password"})
    assert response.headers["Location"] == "/"
    assert _signed_in(client)  # this browser stays signed in
    elsewhere = app.test_client()
    elsewhere.set_cookie("session", old_session)
    assert elsewhere.get("/resources/").headers["Location"].startswith("/login")
    with app.app_context():
        assert db.session.get(User, teacher).session_version == 2


@pytest.mark.parametrize("data,field,message", [
    ({"current_password": "wrong", "new_password": "a new password",
      "confirm": "a new password"}, "current_password", "not right"),
    ({"current_password": PASSWORD, "new_password": "short", "confirm": "short"},
     "new_password", "between 8"),
    ({"current_password": PASSWORD, "new_password": "a new password",
      "confirm": "another one"}, "confirm", "differ"),
])
def test_bad_password_change_is_shown_at_the_field(app, client, auth, teacher, data, field,
                                                   message):
    auth.login(EMAIL)
    response = client.post("/account/password", data=data)
    assert response.status_code == 200
    assert message in field_error(response.text, field)
    with app.app_context():
        assert db.session.get(User, teacher).check_password(PASSWORD)


def test_a_first_password_must_be_changed_first(client, auth, make_user):
    make_user("new@school.org", must_change_password=True)
    auth.login("new@school.org")
    for url in ("/", "/resources/", "/account", "/admin/organisation"):
        assert client.get(url).headers["Location"] == "/account/password"
    assert "choose your own password" in client.get("/account/password").text
    assert client.post("/language", data={"locale": "zh"}).status_code in (302, 303)


def test_after_the_first_change_everything_opens(client, auth, make_user):
    make_user("new@school.org", must_change_password=True)
    auth.login("new@school.org")
    client.post("/account/password", data={"current_password": PASSWORD,
                                           "new_password": "my own password",
                                           "confirm": "my own password"})
    assert _signed_in(client)


def test_deactivated_person_is_signed_out(app, client, auth, teacher):
    auth.login(EMAIL)
    with app.app_context():
        db.session.get(User, teacher).is_active_account = False
        db.session.commit()
    assert not _signed_in(client)
    assert auth.login(EMAIL).status_code == 200  # refused: the form again


def test_language_switch_is_shown_on_the_next_page(client):
    response = client.post("/language", data={"locale": "zh", "next": "/login"})
    assert response.headers["Location"] == "/login"
    assert '<html lang="zh-Hans">' in client.get("/login").text
    client.post("/language", data={"locale": "en", "next": "https://evil.example"})
    assert '<html lang="en">' in client.get("/login").text


def test_language_switch_is_kept_for_a_signed_in_person(app, client, auth, teacher):
    auth.login(EMAIL)
    response = client.post("/language", data={"locale": "zh", "next": "/resources/"})
    assert response.headers["Location"] == "/resources/"
    assert '<html lang="zh-Hans">' in client.get("/resources/").text
    with app.app_context():
        assert db.session.get(User, teacher).locale == "zh"
    assert client.post("/language", data={"locale": "xx"}).headers["Location"] == "/"


@pytest.mark.parametrize("name,words", [
    ("   ", "Give a name"), ("Bob\x07", "control characters"), ("\u202eBob", "control"),
    ("Bob\nSmith", "control characters"), ("x" * 201, "200")])
def test_settings_refuse_blank_names_and_control_characters(app, client, auth, teacher,
                                                            name, words):
    auth.login(EMAIL)
    data = {"name": name, "locale": "", "timezone": "Asia/Shanghai"}
    response = client.post("/account", data=data)
    assert response.status_code == 200
    assert words in field_error(response.text, "name")
    with app.app_context():
        assert db.session.get(User, teacher).name == "Test Person"


def test_settings_keep_a_good_name_trimmed(app, client, auth, teacher):
    auth.login(EMAIL)
    client.post("/account", data={"name": "  王芳 ", "locale": "", "timezone": "Asia/Shanghai"})
    with app.app_context():
        assert db.session.get(User, teacher).name == "王芳"
