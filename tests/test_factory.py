"""The app factory: configuration order, secret key, database URL."""

from pathlib import Path

import pytest

from booking import create_app, normalise_database_url
from booking.extensions import db
from booking.models import User


def test_test_config_overrides_defaults(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "k",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}"})
    assert app.testing
    assert app.config["DEFAULT_TIMEZONE"] == "Asia/Shanghai"
    assert app.config["MAX_CONTENT_LENGTH"] > 0


def test_passwords_are_hashed_with_scrypt_unless_configured_otherwise(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    production, cheap = (create_app({"SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": url, **extra})
                         for extra in ({}, {"PASSWORD_HASH_METHOD": "pbkdf2:sha256:1"}))
    hashes = []
    for app in (production, cheap):
        with app.app_context():
            user = User()
            user.set_password("a long password")
            assert user.check_password("a long password")
            hashes.append(user.password_hash)
    assert hashes[0].startswith("scrypt:") and hashes[1].startswith("pbkdf2:sha256:1$")


def test_secret_key_is_generated_once_into_instance(tmp_path, monkeypatch):
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    monkeypatch.setattr(type(app), "instance_path", str(tmp_path), raising=False)
    key_file = Path(app.instance_path) / "secret_key"
    # The real instance folder: generated once, reused after.
    first = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["SECRET_KEY"]
    second = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert key_file.parent.exists()


def test_environment_wins_over_files(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite'}")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.sqlite")


def test_postgres_urls_use_psycopg3():
    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x") == "sqlite:///x"


def test_health(client):
    assert client.get("/health").json == {"status": "ok"}


def test_ids_beyond_the_database_range_are_not_found(client, auth, make_user):
    make_user("someone@example.org")
    auth.login("someone@example.org")
    for path in ("/bookings/99999999999999999999999", "/resources/2147483648",
                 "/series/99999999999"):
        assert client.get(path).status_code == 404, path


def test_method_not_allowed_says_what_is_allowed(client):
    response = client.post("/health")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]


@pytest.mark.parametrize("level, expected", [(None, 1), ("FULL", 2), ("normal", 1),
                                             ("extra", 3)])
def test_sqlite_synchronous_is_normal_in_wal_unless_set_stronger(tmp_path, level, expected):
    settings = {} if level is None else {"SQLITE_SYNCHRONOUS": level}
    app = create_app({"TESTING": True, "SECRET_KEY": "k", **settings,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite'}"})
    with app.app_context():
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == expected
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        db.engine.dispose()


def test_sqlite_synchronous_off_is_refused(tmp_path):
    with pytest.raises(ValueError, match="SQLITE_SYNCHRONOUS"):
        create_app({"TESTING": True, "SECRET_KEY": "k", "SQLITE_SYNCHRONOUS": "OFF",
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite'}"})
