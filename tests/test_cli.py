"""Command-line tasks: init-db, create-org, create-user, demo-data."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel.speaklater import LazyString

from booking import create_app, demo
from booking.exceptions import InvalidInput
from booking.extensions import db
from booking.models import Organisation, Resource, Role, User


def test_a_lazy_message_stays_one_message():
    assert InvalidInput({"f": LazyString(lambda: "ab")}).fields["f"] == [LazyString(lambda: "ab")]


def invoke(app, runner, *args):
    """Run a command as `flask` does, inside the app's context (the test runner pushes none)."""
    with app.app_context():
        return runner.invoke(args=list(args))


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_init_db_creates_the_schema_on_a_fresh_sqlite_file(tmp_path):
    path = tmp_path / "fresh" / "booking.sqlite"
    path.parent.mkdir()
    app = create_app({"TESTING": True, "SECRET_KEY": "k",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    runner = app.test_cli_runner()
    result = invoke(app, runner, "init-db")
    assert result.exit_code == 0, result.output
    with app.app_context():
        tables = set(sa.inspect(db.engine).get_table_names())
        db.engine.dispose()
    assert {"organisation", "user", "resource", "booking", "alembic_version"} <= tables
    assert invoke(app, runner, "init-db").exit_code == 0  # upgrading again changes nothing
    with app.app_context():
        db.engine.dispose()


def test_create_org_and_a_duplicate(app, runner):
    result = invoke(app, runner, "create-org", "Harbour School", "--kind", "school")
    assert result.exit_code == 0 and "Harbour School" in result.output
    again = invoke(app, runner, "create-org", "harbour school", "--kind", "school")
    assert again.exit_code != 0 and "already exists" in again.output
    assert "Traceback" not in again.output
    wrong_kind = invoke(app, runner, "create-org", "Club", "--kind", "club")
    assert wrong_kind.exit_code != 0
    assert _count(app, Organisation) == 1


def test_create_user_with_password(app, runner):
    invoke(app, runner, "create-org", "Harbour School", "--kind", "school")
    result = invoke(app, runner, "create-user", "Head@Harbour.example", "--org", "Harbour School",
                                 "--role", "org_admin", "--password", "a long password")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User))
        assert user.email == "head@harbour.example" and user.role is Role.ORG_ADMIN
        assert user.check_password("a long password")


def test_create_user_refusals_are_clean(app, runner):
    invoke(app, runner, "create-org", "Harbour School", "--kind", "school")
    invoke(app, runner, "create-user", "head@harbour.example", "--org", "Harbour School",
                        "--password", "a long password")
    for args, words in (
            (["head@HARBOUR.example", "--org", "Harbour School"], "already exists"),
            (["other@harbour.example", "--org", "No Such School"], "No organisation"),
            (["short@harbour.example", "--org", "Harbour School", "--password", "x"], "8"),
            (["x@harbour.example", "--org", "Harbour School", "--role", "king"], "king")):
        args = args if "--password" in args else [*args, "--password", "a long password"]
        result = invoke(app, runner, "create-user", *args)
        assert result.exit_code != 0 and words in result.output, result.output
        assert "Traceback" not in result.output
    assert _count(app, User) == 1


def test_demo_data_twice_is_idempotent(app, runner):
    first = invoke(app, runner, "demo-data")
    assert first.exit_code == 0 and "created" in first.output
    counts = [_count(app, model) for model in (Organisation, User, Resource)]
    assert counts[0] >= 5 and counts[2] >= 5
    second = invoke(app, runner, "demo-data")
    assert second.exit_code == 0 and "already present" in second.output
    assert [_count(app, model) for model in (Organisation, User, Resource)] == counts
    for email, _what in demo.LOGINS:
        assert email in second.output
