"""The platform always keeps an active platform administrator, whatever runs at once.

Two administrators in different organisations take each other's rights away (demote,
deactivate, suspend the other's organisation) at the same moment, several rounds over:
exactly one succeeds each time.
"""

from __future__ import annotations

import multiprocessing
import warnings

import pytest
import sqlalchemy as sa

from booking.exceptions import InvalidInput, NotAllowed
from booking.extensions import db
from booking.models import Organisation, Role, User
from booking.services import accounts, organisations

ROUNDS = 4


@pytest.fixture
def admins(make_org, make_user):
    chair, other = make_org("Chair University"), make_org("Second Chair")
    return {"chair": chair, "other": other,
            "a": make_user("a@chair.org", chair, role="platform_admin"),
            "b": make_user("b@second.org", other, role="platform_admin")}


def _active_platform_admins() -> int:
    return sum(1 for u in db.session.scalars(sa.select(User).where(
        User.role == Role.PLATFORM_ADMIN)) if u.is_active)


def test_the_last_platform_admin_cannot_be_demoted_even_through_the_service(app, admins):
    with app.app_context():
        a, b = db.session.get(User, admins["a"]), db.session.get(User, admins["b"])
        organisations.change_member_role(a, b.id, "member")  # another one remains
        with pytest.raises(InvalidInput) as refused:
            accounts.set_member_role(a, a, Role.ORG_ADMIN)
        assert "last platform administrator" in str(refused.value.fields["role"][0])
        db.session.expire_all()
        assert _active_platform_admins() == 1


def test_the_last_platform_admin_cannot_be_deactivated(app, admins, make_user):
    with app.app_context():
        a, b = db.session.get(User, admins["a"]), db.session.get(User, admins["b"])
        accounts.set_member_active(a, b, False)
        with pytest.raises(InvalidInput):
            accounts.set_member_active(b, a, False)  # b is inactive, but even so
        db.session.expire_all()
        assert _active_platform_admins() == 1


def _demote_or_deactivate(url: str, actor_id: int, target_id: int, action: str, barrier,
                          results) -> None:
    """Worker: at the barrier, take the other administrator's rights away."""
    from booking import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        for round_no in range(ROUNDS):
            barrier.wait(timeout=60)
            try:
                actor = db.session.get(User, actor_id)
                if action == "demote":
                    organisations.change_member_role(actor, target_id, "member")
                elif action == "deactivate":
                    organisations.change_member_active(actor, target_id, False)
                else:
                    target = db.session.get(User, target_id)
                    organisations.set_organisation_active(actor, target.organisation_id, False)
                results.put((round_no, "done"))
            except (InvalidInput, NotAllowed):  # the last one, or no longer an admin at all
                results.put((round_no, "refused"))
            except Exception as exc:  # reported, so the test shows what went wrong
                results.put((round_no, f"error: {exc!r}"))
            db.session.rollback()
            barrier.wait(timeout=60)  # the parent restores both before the next round
            barrier.wait(timeout=60)
        db.engine.dispose()


@pytest.mark.parametrize("action", ["demote", "deactivate", "suspend"])
def test_two_admins_removing_each_other_at_once_leave_one(app, admins, database_url, action):
    with app.app_context():
        db.engine.dispose()
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(3), context.Queue()
    workers = [context.Process(target=_demote_or_deactivate,
                               args=(database_url, me, other, action, barrier, results))
               for me, other in ((admins["a"], admins["b"]), (admins["b"], admins["a"]))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for worker in workers:
            worker.start()
    for round_no in range(ROUNDS):
        barrier.wait(timeout=60)
        outcomes = sorted(results.get(timeout=60)[1] for _ in workers)
        barrier.wait(timeout=60)
        with app.app_context():
            assert _active_platform_admins() == 1, (round_no, outcomes)
            assert outcomes == ["done", "refused"], (round_no, outcomes)
            db.session.execute(sa.update(User).where(User.id.in_((admins["a"], admins["b"])))
                               .values(role=Role.PLATFORM_ADMIN, is_active_account=True))
            db.session.execute(sa.update(Organisation).values(is_active=True))
            db.session.commit()
            db.engine.dispose()
        barrier.wait(timeout=60)
    for worker in workers:
        worker.join(timeout=60)
