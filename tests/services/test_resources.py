"""The catalogue service: valid resources are saved, anything else is refused whole."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime, time, timedelta, timezone

import pytest
import sqlalchemy as sa

from booking.exceptions import InvalidInput, NotAllowed, NotFound
from booking.extensions import db
from booking.models import Closure, Organisation, Resource, ResourceKind, User
from booking.services import resources as catalogue
from booking.services.resources import ResourceData, resource_data
from tests.conftest import utc

NINE, SIX_PM = time(9), time(18)


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def _resource_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Resource))


def _snapshot(resource_id: int) -> dict:
    """The resource as stored, read afresh from the database."""
    db.session.expire_all()
    resource = db.session.get(Resource, resource_id)
    return {**asdict(resource_data(resource)), "is_active": resource.is_active}


def _lab(**changes) -> ResourceData:
    data = ResourceData(
        name="Motion-capture studio", kind="facility", description="Twelve cameras.",
        location="Building B", capacity=1, timezone="Asia/Shanghai", slot_minutes=30,
        min_minutes=60, max_minutes=240, notice_minutes=24 * 60, horizon_days=120,
        buffer_after_minutes=15, approval_required=True,
        windows=[(d, NINE, SIX_PM) for d in range(5)],
        closures=[(utc(2027, 2, 10), utc(2027, 2, 17), "Spring festival")])
    return replace(data, **changes)


@pytest.fixture
def world(make_org, make_user):
    studio, school = make_org("Studio", "enterprise"), make_org("School", "school")
    return {"studio": studio, "school": school,
            "admin": make_user("admin@studio.org", studio, role="org_admin"),
            "member": make_user("member@studio.org", studio),
            "school_admin": make_user("admin@school.org", school, role="org_admin"),
            "teacher": make_user("teacher@school.org", school),
            "platform": make_user("root@chair.org", role="platform_admin")}


def test_create_stores_every_field(app, world):
    with app.app_context():
        data = _lab(open_to_all=False, allowed_organisation_ids=[world["school"]])
        resource = catalogue.create_resource(_user(world["admin"]), world["studio"], data)
        stored = _snapshot(resource.id)
    assert stored == {**asdict(data), "is_active": True}
    assert stored["closures"][0][0].tzinfo is not None


def test_platform_admin_creates_for_any_organisation(app, world):
    with app.app_context():
        resource = catalogue.create_resource(_user(world["platform"]), world["school"],
                                             _lab(name="Chemistry lab"))
        assert resource.organisation_id == world["school"]
        with pytest.raises(NotFound):
            catalogue.create_resource(_user(world["platform"]), 999_999, _lab())


@pytest.mark.parametrize("who", ["member", "school_admin"])
def test_only_own_admins_create(app, world, who):
    with app.app_context():
        with pytest.raises(NotAllowed):
            catalogue.create_resource(_user(world[who]), world["studio"], _lab())
        assert _resource_count() == 0


BAD_INPUT = [
    ("name", {"name": ""}),
    ("name", {"name": "   "}),
    ("name", {"name": "x" * 2000}),
    ("name", {"name": None}),
    ("name", {"name": "Lab\x00"}),
    ("location", {"location": "Room\x07 1"}),
    ("kind", {"kind": "boat"}),
    ("kind", {"kind": ["facility"]}),
    ("timezone", {"timezone": "Mars/Olympus_Mons"}),
    ("timezone", {"timezone": ""}),
    ("capacity", {"capacity": 0}),
    ("capacity", {"capacity": -3}),
    ("capacity", {"capacity": "3"}),
    ("capacity", {"capacity": True}),
    ("capacity", {"capacity": 10**12}),
    ("description", {"description": "x" * 6000}),
    ("location", {"location": "x" * 301}),
    ("slot_minutes", {"slot_minutes": 0}),
    ("notice_minutes", {"notice_minutes": -1}),
    ("horizon_days", {"horizon_days": 0}),
    ("notice_minutes", {"notice_minutes": 25 * 60, "horizon_days": 1}),  # nothing bookable
    ("buffer_before_minutes", {"buffer_before_minutes": -5}),
    ("buffer_after_minutes", {"buffer_after_minutes": 1.5}),
    ("min_minutes", {"min_minutes": 300}),  # longer than the maximum of 240
    ("min_minutes", {"min_minutes": 45}),  # not whole 30-minute slots
    ("max_minutes", {"max_minutes": 100}),
    ("approval_required", {"approval_required": "yes"}),
    ("windows", {"windows": [(0, SIX_PM, NINE)]}),
    ("windows", {"windows": [(0, NINE, NINE)]}),
    ("windows", {"windows": [(7, NINE, SIX_PM)]}),
    ("windows", {"windows": [(-1, NINE, SIX_PM)]}),
    ("windows", {"windows": [(0, NINE, time(12)), (0, time(11), time(13))]}),
    ("windows", {"windows": [(0, time(9), time(9, 20))]}),  # shorter than one slot
    ("windows", {"windows": [(0, "09:00", "18:00")]}),
    ("windows", {"windows": [(0, NINE)]}),
    ("windows", {"windows": "Mon 09:00-18:00"}),
    ("closures", {"closures": [(datetime(2027, 2, 10), datetime(2027, 2, 11), "naive")]}),
    ("closures", {"closures": [(utc(2027, 2, 11), utc(2027, 2, 10), "backwards")]}),
    ("closures", {"closures": [(utc(2027, 2, 10), utc(2027, 2, 11), "x" * 301)]}),
    ("closures", {"closures": [("2027-02-10", "2027-02-11", "")]}),
    ("closures", {"closures": [(utc(1, 1, 2), utc(2027, 2, 11), "")]}),
    ("closures", {"closures": [(utc(2027, 2, 10), utc(2027, 2, 11), "Holiday\x00")]}),
    ("allowed_organisation_ids", {"allowed_organisation_ids": [999_999]}),
    ("allowed_organisation_ids", {"allowed_organisation_ids": ["1"]}),
    ("allowed_organisation_ids", {"allowed_organisation_ids": [2**40]}),
]


def test_bad_input_is_refused_at_its_field_and_nothing_is_saved(app, world, subtests):
    # One database for every case: the checks do not depend on each other.
    with app.app_context():
        for field, changes in BAD_INPUT:
            with subtests.test(field=field, changes=str(changes)[:60]):
                with pytest.raises(InvalidInput) as refused:
                    catalogue.create_resource(_user(world["admin"]), world["studio"],
                                              _lab(**changes))
                assert field in refused.value.fields
                assert all(len(str(m)) > 3 for m in refused.value.fields[field])
                assert _resource_count() == 0


def test_all_problems_are_reported_together(app, world):
    with app.app_context():
        with pytest.raises(InvalidInput) as refused:
            catalogue.create_resource(_user(world["admin"]), world["studio"], _lab(
                name="", capacity=0, timezone="Nowhere", windows=[(0, SIX_PM, NINE)]))
    assert {"name", "capacity", "timezone", "windows"} <= set(refused.value.fields)


def test_window_messages_name_the_day(app, world):
    with app.app_context(), app.test_request_context():
        with pytest.raises(InvalidInput) as refused:
            catalogue.create_resource(_user(world["admin"]), world["studio"],
                                      _lab(windows=[(2, SIX_PM, NINE)]))
        assert "Wednesday 18:00–09:00" in str(refused.value.fields["windows"][0])


@pytest.fixture
def lab(app, world):
    with app.app_context():
        return catalogue.create_resource(_user(world["admin"]), world["studio"], _lab()).id


def test_update_replaces_windows_closures_and_allowed(app, world, lab):
    with app.app_context():
        new = _lab(name="Mocap studio", windows=[(5, time(10), time(16))],
                   closures=[], open_to_all=False, allowed_organisation_ids=[world["school"]])
        catalogue.update_resource(_user(world["admin"]), lab, new)
        assert _snapshot(lab) == {**asdict(new), "is_active": True}


def test_update_keeps_unchanged_closure_rows(app, world, lab):
    with app.app_context():
        before = db.session.scalars(sa.select(Closure.id)).all()
        extra = (utc(2027, 5, 1), utc(2027, 5, 2), "Labour day")
        catalogue.update_resource(_user(world["admin"]), lab,
                                  _lab(closures=[*_lab().closures, extra]))
        after = db.session.scalars(sa.select(Closure.id).order_by(Closure.start_at)).all()
        assert after[0] == before[0] and len(after) == 2


@pytest.mark.parametrize("who", ["school_admin", "member", "teacher"])
def test_others_cannot_update_and_nothing_changes(app, world, lab, who):
    with app.app_context():
        before = _snapshot(lab)
        with pytest.raises(NotAllowed):
            catalogue.update_resource(_user(world[who]), lab, _lab(name="Taken over"))
        with pytest.raises(NotAllowed):
            catalogue.update_resource_fields(_user(world[who]), lab, capacity=5)
        with pytest.raises(NotAllowed):
            catalogue.set_resource_active(_user(world[who]), lab, False)
        with pytest.raises(NotAllowed):
            catalogue.add_closures(_user(world[who]), lab, [(utc(2027, 6, 1), utc(2027, 6, 2),
                                                             "")])
        assert _snapshot(lab) == before


def test_refused_update_changes_nothing(app, world, lab):
    with app.app_context():
        before = _snapshot(lab)
        with pytest.raises(InvalidInput):
            catalogue.update_resource(_user(world["admin"]), lab,
                                      _lab(name="Renamed", windows=[(0, SIX_PM, NINE)]))
        assert _snapshot(lab) == before


def test_missing_resource_is_not_found(app, world):
    with app.app_context():
        for resource_id in (999_999, 2**40, 0):
            with pytest.raises(NotFound):
                catalogue.update_resource_fields(_user(world["admin"]), resource_id, capacity=2)


def test_partial_update_changes_only_the_given_fields(app, world, lab):
    with app.app_context():
        before = _snapshot(lab)
        catalogue.update_resource_fields(_user(world["admin"]), lab, capacity=4,
                                         windows=[(0, NINE, time(12))])
        after = _snapshot(lab)
    assert after == {**before, "capacity": 4, "windows": [(0, NINE, time(12))]}


def test_partial_update_is_checked_with_the_fields_left_alone(app, world, lab):
    with app.app_context():
        before = _snapshot(lab)
        with pytest.raises(InvalidInput) as refused:
            catalogue.update_resource_fields(_user(world["admin"]), lab, min_minutes=300)
        assert "min_minutes" in refused.value.fields
        with pytest.raises(InvalidInput) as refused:
            catalogue.update_resource_fields(_user(world["admin"]), lab, colour="red")
        assert "colour" in refused.value.fields
        assert _snapshot(lab) == before


def test_deactivate_and_activate(app, world, lab):
    with app.app_context():
        assert not catalogue.set_resource_active(_user(world["admin"]), lab, False).is_active
        assert catalogue.set_resource_active(_user(world["admin"]), lab, True).is_active


def test_add_closures_skips_the_ones_already_there(app, world, lab):
    existing = _lab().closures[0]
    new = (utc(2027, 10, 1), utc(2027, 10, 8), "National day")
    with app.app_context():
        assert catalogue.add_closures(_user(world["admin"]), lab, [existing, new, new]) == 1
        assert catalogue.add_closures(_user(world["admin"]), lab, [new]) == 0
        assert len(_snapshot(lab)["closures"]) == 2


def test_add_closures_refuses_naive_times_and_adds_nothing(app, world, lab):
    with app.app_context():
        with pytest.raises(InvalidInput) as refused:
            catalogue.add_closures(_user(world["admin"]), lab, [
                (utc(2027, 10, 1), utc(2027, 10, 2), "fine"),
                (datetime(2027, 11, 1), datetime(2027, 11, 2), "naive")])
        assert "Closure 2" in str(refused.value.fields["closures"][0])
        assert len(_snapshot(lab)["closures"]) == 1


def test_closures_in_other_zones_are_stored_as_the_same_instant(app, world, lab):
    berlin = timezone(timedelta(hours=1))
    with app.app_context():
        catalogue.add_closures(_user(world["admin"]), lab, [
            (datetime(2027, 12, 24, 9, tzinfo=berlin), datetime(2027, 12, 27, tzinfo=berlin), "")])
        assert _snapshot(lab)["closures"][1][0] == utc(2027, 12, 24, 8)


# --- searching -------------------------------------------------------------------------------

@pytest.fixture
def catalogue_world(app, world, make_org, make_resource):
    """Resources shared in different ways, owned by the studio."""
    elsewhere = make_org("Elsewhere", "association")
    world["elsewhere"] = elsewhere
    ids = {
        "open": make_resource(world["studio"], name="VR Lab", capacity=30,
                              description="Thirty headsets", location="Room 301"),
        "staff": make_resource(world["studio"], name="Mentor Li", kind="staff",
                               location="Online"),
        "school_only": make_resource(world["studio"], name="Sound booth", open_to_all=False),
        "private": make_resource(world["studio"], name="Server room", open_to_all=False),
        "inactive": make_resource(world["studio"], name="Old lab", is_active=False),
        "base": make_resource(elsewhere, name="Internship base 100%", kind="practice_base",
                              capacity=20),
    }
    with app.app_context():
        shared = db.session.get(Resource, ids["school_only"])
        shared.allowed_organisations = [db.session.get(Organisation, world["school"])]
        db.session.commit()
    return ids


def _names(viewer_id: int, **filters) -> set[str]:
    return {r.name for r in catalogue.search_resources(_user(viewer_id), **filters)}


def test_search_shows_what_the_viewers_organisation_may_book(app, world, catalogue_world):
    with app.app_context():
        assert _names(world["teacher"]) == {"VR Lab", "Mentor Li", "Sound booth",
                                            "Internship base 100%"}
        assert _names(world["member"]) == {"VR Lab", "Mentor Li", "Sound booth", "Server room",
                                           "Internship base 100%"}


def test_inactive_resources_only_for_their_managers(app, world, catalogue_world):
    with app.app_context():
        assert "Old lab" not in _names(world["admin"])
        assert "Old lab" in _names(world["admin"], include_inactive=True)
        assert "Old lab" not in _names(world["member"], include_inactive=True)
        assert "Old lab" not in _names(world["school_admin"], include_inactive=True)
        assert "Old lab" in _names(world["platform"], include_inactive=True)


def test_resources_of_a_suspended_organisation_are_hidden(app, world, catalogue_world):
    with app.app_context():
        db.session.get(Organisation, world["elsewhere"]).is_active = False
        db.session.commit()
        assert "Internship base 100%" not in _names(world["teacher"])


def test_search_filters(app, world, catalogue_world):
    with app.app_context():
        teacher = world["teacher"]
        assert _names(teacher, kind="staff") == {"Mentor Li"}
        assert _names(teacher, kind=ResourceKind.PRACTICE_BASE) == {"Internship base 100%"}
        assert _names(teacher, organisation_id=world["elsewhere"]) == {"Internship base 100%"}
        assert _names(teacher, min_capacity=20) == {"VR Lab", "Internship base 100%"}
        assert _names(teacher, q="vr lab") == {"VR Lab"}
        assert _names(teacher, q="HEADSETS") == {"VR Lab"}
        assert _names(teacher, q="room 301") == {"VR Lab"}
        assert _names(teacher, q="online") == {"Mentor Li"}
        assert _names(teacher, q="100%") == {"Internship base 100%"}
        assert _names(teacher, q="%") == {"Internship base 100%"}
        assert _names(teacher, q="lab", kind="staff") == set()
        assert _names(teacher, q="   ") == _names(teacher)
        assert _names(teacher, q="VR\x00") == {"VR Lab"}


@pytest.mark.parametrize("filters", [{"kind": "boat"}, {"min_capacity": -1},
                                     {"min_capacity": "2"}, {"organisation_id": 2**40}])
def test_search_refuses_impossible_filters(app, world, filters):
    with app.app_context():
        with pytest.raises(InvalidInput):
            catalogue.search_resources(_user(world["teacher"]), **filters)


def test_get_resource_hides_what_the_viewer_may_not_book(app, world, catalogue_world):
    with app.app_context():
        assert catalogue.get_resource(_user(world["teacher"]), catalogue_world["school_only"])
        with pytest.raises(NotFound):
            catalogue.get_resource(_user(world["teacher"]), catalogue_world["private"])
        assert catalogue.get_resource(_user(world["platform"]), catalogue_world["private"])
        with pytest.raises(NotFound):
            catalogue.get_resource(_user(world["teacher"]), 999_999)
