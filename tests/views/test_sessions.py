"""Signing out ends the session on the server: a copied cookie stops working everywhere."""

from __future__ import annotations

from tests.conftest import PASSWORD
from tests.views.test_auth import EMAIL, _signed_in, teacher  # noqa: F401


def _browser(app, *, remember: bool = False):
    """A fresh test client, signed in as the teacher."""
    client = app.test_client()
    data = {"email": EMAIL, "password": PASSWORD, **({"remember": "y"} if remember else {})}
    assert client.post("/login", data=data).status_code in (302, 303)
    return client


def _copy(app, client, cookie: str):
    """Another browser holding nothing but a copy of *cookie*."""
    thief = app.test_client()
    thief.set_cookie(cookie, client.get_cookie(cookie).value)
    return thief


def test_logout_ends_a_copied_session_cookie(app, teacher):
    browser = _browser(app)
    thief = _copy(app, browser, "session")
    assert _signed_in(thief)
    browser.post("/logout")
    assert not _signed_in(thief)


def test_logout_ends_a_copied_remember_token(app, teacher):
    browser = _browser(app, remember=True)
    thief = _copy(app, browser, "remember_token")
    assert _signed_in(thief)
    thief = _copy(app, browser, "remember_token")  # the first copy now has a session too
    browser.post("/logout")
    assert not _signed_in(thief)


def test_logout_leaves_the_persons_other_browsers_signed_in(app, teacher):
    laptop, phone = _browser(app), _browser(app, remember=True)
    laptop.post("/logout")
    assert not _signed_in(laptop) and _signed_in(phone)


def test_sign_out_everywhere_ends_every_session_and_remember_token(app, teacher):
    laptop, phone = _browser(app), _browser(app, remember=True)
    remembered = _copy(app, phone, "remember_token")
    page = laptop.get("/account")
    assert "Sign out everywhere" in page.text
    assert 'action="/account/sign-out-everywhere"' in page.text
    response = laptop.post("/account/sign-out-everywhere")
    assert response.headers["Location"] == "/login"
    assert not any(_signed_in(c) for c in (laptop, phone, remembered))
    assert _signed_in(_browser(app))  # the password still works


def test_sign_out_everywhere_is_a_post_for_signed_in_people(client, teacher):
    assert client.post("/account/sign-out-everywhere").headers["Location"].startswith("/login")
    client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    assert client.get("/account/sign-out-everywhere").status_code == 405


def test_a_session_from_before_the_upgrade_is_refused(app, teacher):
    """Old cookies named only "id.version": they prove nothing about a live session."""
    browser = _browser(app)
    with browser.session_transaction() as session:
        session["_user_id"] = f"{teacher}.1"
    assert not _signed_in(browser)
