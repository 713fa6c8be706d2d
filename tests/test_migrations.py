"""The migrations build exactly the schema the models describe, on every engine."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from booking import create_app
from booking.extensions import db


def test_migrations_match_models(database_url):
    app = create_app({"TESTING": True, "SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade()  # on PostgreSQL the schema is already there: this proves it is idempotent
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == []
