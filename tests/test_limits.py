"""One module of limits: the pages, the API, its description and the services say the same."""

from __future__ import annotations

from datetime import timedelta

import pytest
from wtforms.validators import Length, NumberRange

from booking import ical_import, limits
from booking.api.openapi import description
from booking.exceptions import InvalidInput
from booking.extensions import db
from booking.forms.admin import AddMemberForm
from booking.forms.auth import ChangePasswordForm, LoginForm
from booking.forms.bookings import BookingForm, RejectForm
from booking.forms.series import SeriesForm
from booking.models import Booking, BookingStatus, User
from booking.services import bookings
from tests.api import bearer, issue_token, local, next_weekday
from tests.conftest import PASSWORD, utc

REASON = limits.DECISION_REASON_LENGTH


@pytest.fixture
def request_id(app, make_org, make_user, make_resource, make_booking) -> dict:
    """A pending request on a resource that needs approval, and the owner's admin."""
    studio = make_org("Studio", "enterprise")
    admin = make_user("admin@studio.org", studio, role="org_admin")
    booth = make_resource(studio, approval_required=True)
    teacher = make_user("t@school.org", make_org("School"))
    start = local(next_weekday(1), "10:00")
    pending = [make_booking(booth, teacher, start + timedelta(days=i),
                            start + timedelta(days=i, hours=1), status="pending")
               for i in range(3)]
    return {"admin": admin, "pending": pending, "token": issue_token(app, admin)}


def test_a_rejection_reason_has_one_limit_on_the_page_in_the_api_and_in_the_service(
        app, client, request_id):
    """Issue 10: 500 characters in one module, 300 in another."""
    too_long, longest = "x" * (REASON + 1), "x" * REASON
    first, second, third = request_id["pending"]
    api = client.post(f"/api/v1/bookings/{first}/reject", json={"reason": too_long},
                      headers=bearer(request_id["token"]))
    assert api.status_code == 422 and "reason" in api.get_json()["fields"]
    with app.app_context():
        with pytest.raises(InvalidInput):
            bookings.reject_booking(db.session.get(User, request_id["admin"]), first, too_long)
    client.post("/login", data={"email": "admin@studio.org", "password": PASSWORD})
    client.post(f"/bookings/{second}/reject", data={"reason": too_long})
    with app.app_context():
        assert {db.session.get(Booking, i).status for i in (first, second)} == {
            BookingStatus.PENDING}
    client.post(f"/bookings/{second}/reject", data={"reason": longest})
    accepted = client.post(f"/api/v1/bookings/{third}/reject", json={"reason": longest},
                           headers=bearer(request_id["token"]))
    assert accepted.status_code == 200 and accepted.get_json()["decision_reason"] == longest
    with app.app_context():
        assert db.session.get(Booking, second).decision_reason == longest


def _maximum(form_field) -> int:
    for validator in form_field.kwargs.get("validators", []):
        if isinstance(validator, (Length, NumberRange)):
            return validator.max
    raise AssertionError(f"{form_field} has no maximum")


def test_the_api_description_and_the_forms_state_the_limits_the_code_enforces():
    schemas = description()["components"]["schemas"]
    assert schemas["RejectInput"]["properties"]["reason"]["maxLength"] == REASON
    assert _maximum(RejectForm.reason) == REASON == Booking.decision_reason.type.length
    assert schemas["BookingInput"]["properties"]["title"]["maxLength"] == limits.TITLE_LENGTH
    assert _maximum(BookingForm.title) == limits.TITLE_LENGTH == Booking.title.type.length
    repeat = schemas["Repeat"]["properties"]
    assert repeat["interval"]["maximum"] == _maximum(SeriesForm.interval) == 366
    assert repeat["count"]["maximum"] == _maximum(SeriesForm.count) == limits.SERIES_MAX_DATES
    assert schemas["BookingInput"]["properties"]["quantity"]["maximum"] == _maximum(
        BookingForm.quantity) == limits.MAX_CAPACITY


@pytest.mark.parametrize("path", ["/bookings/2147483648", "/api/v1/bookings/2147483648",
                                  "/resources/2147483648", "/api/v1/resources/2147483648"])
def test_ids_past_the_largest_are_404_everywhere(app, client, make_user, path):
    user = make_user("someone@example.org")
    client.post("/login", data={"email": "someone@example.org", "password": PASSWORD})
    assert client.get(path, headers=bearer(issue_token(app, user))).status_code == 404


def test_the_sign_in_forms_and_post_tokens_read_the_same_lengths():
    schemas = description()["components"]["schemas"]["TokenRequest"]["properties"]
    assert schemas["email"]["maxLength"] == _maximum(LoginForm.email) == limits.EMAIL_LENGTH
    assert schemas["password"]["maxLength"] == _maximum(LoginForm.password) == _maximum(
        ChangePasswordForm.new_password) == _maximum(AddMemberForm.password) == \
        limits.PASSWORD_LENGTH
    assert schemas["name"]["maxLength"] == limits.TOKEN_NAME_LENGTH


def test_post_tokens_refuses_a_password_past_the_limit(client):
    too_long = {"email": "someone@example.org", "password": "x" * (limits.PASSWORD_LENGTH + 1)}
    refused = client.post("/api/v1/tokens", json=too_long)
    assert refused.status_code == 422 and list(refused.get_json()["fields"]) == ["password"]


@pytest.mark.parametrize("past", [False, True])
def test_a_closure_file_and_a_booking_accept_the_same_last_moment(app, past):
    """The import had its own years: 2000 to 3,650 days ahead, not ten years to the day."""
    now = utc(2027, 1, 4, 9)
    last = limits.latest_booking_moment(now) + timedelta(seconds=1 if past else 0)
    start = last - timedelta(hours=1)
    data = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:last@test\r\nSUMMARY:Last\r\nDTSTART:{start:%Y%m%dT%H%M%SZ}\r\n"
            f"DTEND:{last:%Y%m%dT%H%M%SZ}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    with app.test_request_context():
        booking_errors = bookings.request_errors(start, last, 1, "", now=now)
        if past:
            with pytest.raises(InvalidInput, match="outside the years"):
                ical_import.parse_closures(data.encode(), "UTC", now=now)
            assert "end" in booking_errors
        else:
            assert ical_import.parse_closures(data.encode(), "UTC", now=now) == [
                (start, last, "Last")]
            assert booking_errors == {}
