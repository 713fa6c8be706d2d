"""Catalogue pages: browsing, the rules in words, and editing with bad input."""

from __future__ import annotations

import re
from datetime import time

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from booking.extensions import db
from booking.forms.catalogue import format_windows, parse_windows
from booking.models import Organisation, Resource, User
from booking.services.resources import resource_data
from tests.conftest import utc


def field_error(html: str, field_id: str) -> str:
    """The message shown under a field marked invalid, or '' when it is not marked."""
    tag = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{re.escape(field_id)}"[^>]*>', html)
    assert tag, f"no field {field_id}"
    if "is-invalid" not in tag.group(0):
        return ""
    feedback = re.search(r'<div class="invalid-feedback d-block">(.*?)</div>',
                         html[tag.end():], re.S)
    return feedback.group(1).strip() if feedback else ""


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Resource))


def _snapshot(app, resource_id: int):
    with app.app_context():
        resource = db.session.get(Resource, resource_id)
        return resource_data(resource), resource.is_active


@pytest.fixture
def world(make_org, make_user, make_resource):
    studio, school = make_org("Haibin Studio", "enterprise"), make_org("Harbour School")
    other = make_org("Other Enterprise", "enterprise")
    lab = make_resource(studio, name="Motion-capture studio", slot_minutes=30,
                        notice_minutes=24 * 60, buffer_after_minutes=15, approval_required=True,
                        location="Building B", description="Twelve cameras", capacity=1,
                        windows=[(d, "09:00", "18:00") for d in range(5)],
                        closures=[(utc(2099, 2, 10), utc(2099, 2, 17), "Spring festival"),
                                  (utc(2001, 1, 1), utc(2001, 1, 2), "Long ago")])
    return {
        "studio": studio, "school": school, "other": other, "lab": lab,
        "booth": make_resource(studio, name="Sound booth", open_to_all=False, capacity=3),
        "base": make_resource(other, name="QA internship base", kind="practice_base",
                              capacity=20),
        "admin": "admin@studio.org", "member": "li@studio.org", "teacher": "t@school.org",
        "other_admin": "admin@other.org", "platform": "root@chair.org",
        "_users": [make_user("admin@studio.org", studio, role="org_admin"),
                   make_user("li@studio.org", studio),
                   make_user("t@school.org", school),
                   make_user("admin@other.org", other, role="org_admin"),
                   make_user("root@chair.org", role="platform_admin")],
    }


def form(**changes) -> dict:
    """A valid submission of the resource form."""
    data = {"name": "Recording booth", "kind": "facility", "description": "Quiet room",
            "location": "B2", "capacity": "1", "timezone": "Asia/Shanghai",
            "windows": "Mon-Fri 09:00-18:00\nSat 10:00-12:00", "slot_minutes": "30",
            "min_minutes": "", "max_minutes": "120", "notice_minutes": "60",
            "horizon_days": "90", "buffer_before_minutes": "0", "buffer_after_minutes": "15",
            "who_may_book": "all", "closures-0-start": "2099-02-10T00:00",
            "closures-0-end": "2099-02-17T00:00", "closures-0-reason": "Spring festival"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_logged_out_visitors_are_sent_to_sign_in(client, world):
    for url in ("/resources/", f"/resources/{world['lab']}", "/resources/new"):
        response = client.get(url)
        assert response.headers["Location"].startswith("/login?next=")


def test_index_lists_what_the_viewer_may_book(client, auth, world):
    auth.login(world["teacher"])
    html = client.get("/resources/").text
    assert "Motion-capture studio" in html and "QA internship base" in html
    assert "Sound booth" not in html  # shared with no one outside the studio
    assert "Needs approval" in html and "Haibin Studio" in html and "Building B" in html


@pytest.mark.parametrize("query,shown,hidden", [
    ("?kind=practice_base", "QA internship base", "Motion-capture studio"),
    ("?q=CAMERAS", "Motion-capture studio", "QA internship base"),
    ("?min_capacity=10", "QA internship base", "Motion-capture studio"),
])
def test_index_filters(client, auth, world, query, shown, hidden):
    auth.login(world["teacher"])
    html = client.get("/resources/" + query).text
    assert shown in html and hidden not in html


def test_index_filters_by_organisation(client, auth, world):
    auth.login(world["teacher"])
    html = client.get(f"/resources/?organisation={world['other']}").text
    assert "QA internship base" in html and "Motion-capture studio" not in html


def test_index_survives_bad_filters(client, auth, world, subtests):
    auth.login(world["teacher"])
    for query in ("?kind=boat", "?min_capacity=abc", "?min_capacity=-4",
                  "?organisation=99999999999", "?organisation=x", "?q=" + "x" * 1000,
                  "?page=-3", "?page=abc", "?page=99999999999999999999", "?q=%25_%5C",
                  "?q=%07", "?kind=%07", "?organisation=%07"):
        with subtests.test(query=query):
            assert client.get("/resources/" + query).status_code == 200
    for query in ("?q=%00", "?kind=%00", "?organisation=%00"):
        with subtests.test(query=query):
            assert client.get("/resources/" + query).status_code == 400  # refused app-wide


def test_detail_says_the_rules_in_words(client, auth, world):
    auth.login(world["teacher"])
    html = client.get(f"/resources/{world['lab']}").text
    for sentence in ("Open Monday–Friday 09:00–18:00 (Asia/Shanghai)",
                     "Booked in slots of 30 minutes", "Book at least 1 day ahead",
                     "15 minutes are kept free after each booking",
                     "Needs approval by Haibin Studio", "Every member organisation may book",
                     "Spring festival"):
        assert sentence in html
    assert "Long ago" not in html  # only coming closures
    assert "/edit" not in html


def test_detail_names_the_organisations_that_may_book(app, client, auth, world):
    with app.app_context():
        booth = db.session.get(Resource, world["booth"])
        booth.allowed_organisations = [db.session.get(Organisation, world["school"])]
        db.session.commit()
    auth.login(world["teacher"])
    html = client.get(f"/resources/{world['booth']}").text
    assert "Only these organisations may book: Haibin Studio, Harbour School" in html
    assert "3 places" in html


def test_detail_of_an_unshared_resource_is_not_found(client, auth, world):
    auth.login(world["teacher"])
    assert client.get(f"/resources/{world['booth']}").status_code == 404
    assert client.get("/resources/999999").status_code == 404
    assert client.get("/resources/99999999999").status_code == 404


def test_members_cannot_add_or_edit(client, auth, world):
    auth.login(world["member"])
    assert client.get("/resources/new").status_code == 403
    assert client.post("/resources/new", data=form()).status_code == 403
    assert client.get(f"/resources/{world['lab']}/edit").status_code == 403


def test_org_admin_adds_a_facility_with_opening_hours(app, client, auth, world):
    auth.login(world["admin"])
    assert client.get("/resources/new").status_code == 200
    response = client.post("/resources/new", data=form())
    with app.app_context():
        resource = db.session.scalar(sa.select(Resource).filter_by(name="Recording booth"))
        assert response.headers["Location"] == f"/resources/{resource.id}"
        data = resource_data(resource)
        assert resource.organisation_id == world["studio"]
    assert data.windows == [*((d, time(9), time(18)) for d in range(5)),
                            (5, time(10), time(12))]
    assert data.closures == [(utc(2099, 2, 9, 16), utc(2099, 2, 16, 16), "Spring festival")]
    assert (data.slot_minutes, data.min_minutes, data.max_minutes) == (30, None, 120)


def test_platform_admin_picks_the_owner(app, client, auth, world):
    auth.login(world["platform"])
    response = client.post("/resources/new", data=form(organisation_id=str(world["school"])))
    assert response.status_code in (302, 303)
    with app.app_context():
        resource = db.session.scalar(sa.select(Resource).filter_by(name="Recording booth"))
        assert resource.organisation_id == world["school"]
    before = _count(app)
    response = client.post("/resources/new", data=form(organisation_id="99999999999"))
    assert response.status_code == 200 and _count(app) == before


BAD_INPUT = [
    ({"name": ""}, "name", "This field is required."),
    ({"name": "x" * 2000}, "name", "200 characters"),
    ({"timezone": "Mars/Olympus_Mons"}, "timezone", "Unknown time zone."),
    ({"capacity": "0"}, "capacity", "at least one place"),
    ({"capacity": "-2"}, "capacity", "at least one place"),
    ({"capacity": "many"}, "capacity", "integer"),
    ({"windows": "Mon 18:00-09:00"}, "windows", "the end must be after the start"),
    ({"windows": "Funday 09:00-10:00"}, "windows", "is not a day"),
    ({"windows": "Mon 09:00-24:00"}, "windows", "23:59"),
    ({"windows": "Mon 09:00-12:00\nMon 11:00-13:00"}, "windows", "overlap"),
    ({"min_minutes": "180"}, "min_minutes", "longer than the maximum"),
    ({"notice_minutes": "-5"}, "notice_minutes", "negative"),
    ({"closures-0-end": "2099-02-01T00:00"}, "closures-0-end", "after the start"),
    ({"closures-0-start": "yesterday"}, "closures-0-start", "Not a valid datetime"),
    ({"closures-0-end": ""}, "closures-0-end", "Give a start and an end"),
    ({"closures-0-start": "0001-01-01T00:00"}, "closures-0-start", "between 2000 and 2100"),
]


def test_bad_input_is_shown_at_the_field_and_nothing_is_saved(app, client, auth, world,
                                                               subtests):
    auth.login(world["admin"])
    before = _count(app)
    for changes, field, message in BAD_INPUT:
        with subtests.test(field=field, changes=str(changes)[:60]):
            response = client.post("/resources/new", data=form(**changes))
            assert response.status_code == 200
            assert message in field_error(response.text, field)
            assert _count(app) == before


def test_every_mistake_is_shown_at_once(app, client, auth, world):
    auth.login(world["admin"])
    response = client.post("/resources/new", data=form(
        name="", capacity="0", timezone="Nowhere", windows="Sat 18:00-10:00",
        notice_minutes="-1", **{"closures-0-end": "2099-01-01T00:00"}))
    for field in ("name", "capacity", "timezone", "windows", "notice_minutes",
                  "closures-0-end"):
        assert field_error(response.text, field), field


def test_bad_input_on_edit_changes_nothing(app, client, auth, world):
    before = _snapshot(app, world["lab"])
    auth.login(world["admin"])
    response = client.post(f"/resources/{world['lab']}/edit",
                           data=form(name="x" * 2000, windows="Mon 18:00-09:00", capacity="0"))
    assert response.status_code == 200
    for field in ("name", "windows"):
        assert field_error(response.text, field)
    assert _snapshot(app, world["lab"]) == before


def test_garbage_never_gives_a_server_error(app, client, auth, world, subtests):
    auth.login(world["admin"])
    before = _count(app)
    for changes in ({"kind": "boat"}, {"who_may_book": "nobody"},
                    {"allowed_organisations": "abc"}, {"allowed_organisations": "99999999999"},
                    {"closures-99999999-start": "2099-01-01T00:00"},
                    {"slot_minutes": "99999999999999"}, {"horizon_days": "1e9"},
                    {"windows": "\x07"}, {"closures-0-start": "99999-01-01T00:00"},
                    {"name": "Lab\x07"}, {"description": "\x07"}, {"location": "\x07"},
                    {"closures-0-reason": "\x07"}, {"timezone": "\x07"},
                    {"name": None, "kind": None, "windows": None, "capacity": None,
                     "timezone": None}):
        with subtests.test(changes=str(changes)[:60]):
            response = client.post("/resources/new", data=form(**changes))
            assert response.status_code == 200
            assert _count(app) == before


def test_nul_characters_are_refused_and_nothing_is_saved(app, client, auth, world):
    auth.login(world["admin"])
    before = _count(app)
    assert client.post("/resources/new", data=form(name="Lab\x00")).status_code == 400
    assert _count(app) == before


def test_control_characters_are_shown_at_the_field(app, client, auth, world):
    auth.login(world["admin"])
    response = client.post("/resources/new", data=form(name="Lab\x07", location="B\x1b2"))
    assert "control characters" in field_error(response.text, "name")
    assert "control characters" in field_error(response.text, "location")


def test_edit_form_shows_the_resource_as_it_is(client, auth, world):
    auth.login(world["admin"])
    html = client.get(f"/resources/{world['lab']}/edit").text
    assert "Mon-Fri 09:00-18:00" in html
    assert 'value="2099-02-10T08:00"' in html  # the closure in Shanghai time


def test_owner_edits_and_removes_a_closure(app, client, auth, world):
    auth.login(world["admin"])
    data = form(name="Mocap studio", **{
        "closures-0-start": "2099-02-10T08:00", "closures-0-end": "2099-02-17T08:00",
        "closures-0-reason": "Spring festival", "closures-0-remove": "y",
        "closures-1-start": "", "closures-1-end": "", "closures-1-reason": ""})
    response = client.post(f"/resources/{world['lab']}/edit", data=data)
    assert response.headers["Location"] == f"/resources/{world['lab']}"
    stored, _active = _snapshot(app, world["lab"])
    assert stored.name == "Mocap studio" and stored.closures == []


@pytest.mark.parametrize("who", ["other_admin", "member", "teacher"])
def test_other_people_cannot_change_a_resource(app, client, auth, world, who):
    before = _snapshot(app, world["lab"])
    auth.login(world[who])
    lab = world["lab"]
    assert client.get(f"/resources/{lab}/edit").status_code == 403
    assert client.post(f"/resources/{lab}/edit", data=form(name="Mine now")).status_code == 403
    assert client.post(f"/resources/{lab}/deactivate").status_code == 403
    assert _snapshot(app, lab) == before


def test_owner_deactivates_and_offers_again(app, client, auth, world):
    auth.login(world["admin"])
    lab = world["lab"]
    response = client.post(f"/resources/{lab}/deactivate", data={"next": "https://evil.example"})
    assert response.headers["Location"] == f"/resources/{lab}"
    assert _snapshot(app, lab)[1] is False
    auth.logout()
    auth.login(world["teacher"])
    assert "Motion-capture studio" not in client.get("/resources/").text
    auth.logout()
    auth.login(world["admin"])
    assert "Motion-capture studio" in client.get("/resources/?include_inactive=y").text
    client.post(f"/resources/{lab}/activate", data={"next": "/admin/organisation"})
    assert _snapshot(app, lab)[1] is True


def test_missing_resources_are_not_found_for_actions(client, auth, world):
    auth.login(world["admin"])
    assert client.get("/resources/999999/edit").status_code == 404
    assert client.post("/resources/999999/deactivate").status_code == 404


# --- opening hours as text (no database) ------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("Mon 09:00-12:00", [(0, time(9), time(12))]),
    ("mon-wed 9:00 – 12:30", [(0, time(9), time(12, 30)), (1, time(9), time(12, 30)),
                              (2, time(9), time(12, 30))]),
    ("Fri,Sun 08:00-09:00", [(4, time(8), time(9)), (6, time(8), time(9))]),
    ("Sat-Mon 10:00-11:00", [(5, time(10), time(11)), (6, time(10), time(11)),
                             (0, time(10), time(11))]),
    ("周一至周五 09:00-18:00", [(d, time(9), time(18)) for d in range(5)]),
    ("Tuesday to Thursday 14:00 to 16:00", [(d, time(14), time(16)) for d in (1, 2, 3)]),
    ("\n  \nWed 14:00-17:00\n", [(2, time(14), time(17))]),
])
def test_parse_windows(text, expected):
    assert parse_windows(text) == (expected, [])


def test_parse_windows_names_each_bad_line():
    windows, errors = parse_windows("Mon 09:00-12:00\nMon 12:00-09:00\nsoon\nXyz 01:00-02:00")
    assert windows == [(0, time(9), time(12))]
    assert [e.split(" ")[1] for e in errors] == ["2", "3", "4"]


windows_strategy = st.lists(st.tuples(
    st.integers(0, 6), st.integers(0, 22), st.integers(0, 59), st.integers(1, 600)),
    max_size=8).map(lambda items: sorted({
        (d, time(h, m), time(min(23, h + (m + n) // 60), (m + n) % 60 if h + (m + n) // 60 < 24
                             else 59))
        for d, h, m, n in items}))


@settings(max_examples=60, deadline=None)
@given(windows_strategy)
def test_formatted_windows_read_back_the_same(windows):
    windows = [w for w in windows if w[1] < w[2]]
    parsed, errors = parse_windows(format_windows(windows))
    assert errors == [] and sorted(parsed) == sorted(windows)


def test_an_edit_bookings_to_come_would_break_is_refused_with_their_list(
        app, client, auth, world, make_booking):
    """Capacity 3 -> 1 under two overlapping bookings: nothing saved, both listed."""
    teacher = _user_id(app, world["teacher"])
    start = utc(2099, 3, 2, 2)  # a Monday, 10:00 in Shanghai
    ids = [make_booking(world["booth"], teacher, start, start.replace(hour=3)) for _ in range(2)]
    auth.login(world["admin"])
    before = _snapshot(app, world["booth"])
    response = client.post(f"/resources/{world['booth']}/edit",
                           data=form(name="Sound booth", capacity="1", who_may_book="all",
                                     windows="", slot_minutes="", max_minutes="",
                                     buffer_after_minutes="0"))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Not saved: 2 bookings still to come would break the new rules" in html
    assert all(f'href="/bookings/{booking_id}"' in html for booking_id in ids)
    assert _snapshot(app, world["booth"]) == before


def test_bookings_kept_after_sharing_ends_are_listed_for_the_owner(app, client, auth, world,
                                                                   make_booking):
    teacher = _user_id(app, world["teacher"])
    kept = make_booking(world["lab"], teacher, utc(2099, 3, 2, 2), utc(2099, 3, 2, 3))
    with app.app_context():
        db.session.get(Resource, world["lab"]).open_to_all = False
        db.session.commit()
    auth.login(world["admin"])
    html = client.get(f"/resources/{world['lab']}").get_data(as_text=True)
    assert "Bookings kept from before" in html and f"/bookings/{kept}" in html


def _user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.email == email))


def test_the_owner_sets_fair_shares_on_the_form(app, client, auth, world):
    """Quota, waiting requests and expiry (issue 13): saved, shown again, and checked."""
    from booking.models import Resource
    auth.login(world["admin"])
    data = form(quota_hours="6", quota_per="month", max_pending="2", request_expiry_days="10")
    response = client.post(f"/resources/{world['lab']}/edit", data=data)
    assert response.status_code == 302
    with app.app_context():
        lab = db.session.get(Resource, world["lab"])
        assert (lab.quota_hours, lab.quota_per, lab.max_pending, lab.request_expiry_days) == \
            (6.0, "month", 2, 10)
    html = client.get(f"/resources/{world['lab']}/edit").text
    assert 'name="quota_hours"' in html and 'value="6.0"' in html
    bad = client.post(f"/resources/{world['lab']}/edit", data=form(quota_hours="-2"))
    assert bad.status_code == 200 and "more than 0" in field_error(bad.text, "quota_hours")
    response = client.post(f"/resources/{world['lab']}/edit", data=form(quota_hours=""))
    with app.app_context():
        assert db.session.get(Resource, world["lab"]).quota_hours is None
