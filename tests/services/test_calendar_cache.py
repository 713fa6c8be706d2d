"""The page cache's keys (services/calendar_cache.py) against what they stand for."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking.extensions import db
from booking.models import Organisation, User
from booking.services import calendar_cache
from booking.services.calendar import find_resource_head

# Names that would make a naive joined list ambiguous: separators, digits, empty-looking.
NAMES = st.sampled_from(["A", "B", "A,1:1:B", "1:A", ",", ":", "A:", "Zoë", "学校", "A,B"])


@pytest.fixture
def world(make_org, make_user, make_resource):
    first, second, third = (make_org(f"Organisation {n}") for n in range(3))
    return {"organisations": [first, second, third],
            "reader": make_user("reader@example.org", first),
            "resource": make_resource(second)}


@pytest.mark.slow
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(changes=st.lists(st.tuples(st.integers(0, 2), NAMES, st.booleans()), max_size=8))
def test_the_heads_organisations_key_is_the_same_exactly_when_the_organisations_are(
        app, world, changes):
    """The one-value key read with a resource's head (organisations_in_one_value) and the
    rows of organisations_key stand for the same thing: equal keys, equal organisations.
    (The reader's and the owner's organisations stay active: the head is then found.)"""
    key_of_rows: dict[tuple, str] = {}
    with app.app_context():
        reader = db.session.get(User, world["reader"])
        for index, name, active in [(None, None, None), *changes]:
            if index is not None:
                organisation = db.session.get(Organisation, world["organisations"][index])
                organisation.name, organisation.is_active = name, active or index < 2
                try:
                    db.session.commit()
                except sa.exc.IntegrityError:  # a name another organisation has
                    db.session.rollback()
            rows = calendar_cache.organisations_key()
            key = find_resource_head(reader, world["resource"]).organisations_key
            assert key_of_rows.setdefault(rows, key) == key
        # Different organisations never share a key.
        assert len(set(key_of_rows.values())) == len(key_of_rows)
