"""Every schema change is a migration: they build the schema from empty and match the models exactly."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app import create_app
from app.database import migration_filter
from app.extensions import db


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    """A database with no tables at all."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    server = request.getfixturevalue("postgres_server")
    name = f"clinic_empty_{tmp_path.name[-12:].lower().replace('-', '_')}"
    server.execute(f"CREATE DATABASE {name}")
    yield server.url(name)
    server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_upgrade_from_empty_matches_models_and_downgrades(empty_database_url):
    """`flask db upgrade` from nothing gives the models' schema with no pending diff; downgrade removes it."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables
        with db.engine.connect() as connection:
            opts = {
                "compare_type": True,
                "render_as_batch": True,
                "include_object": migration_filter(connection.dialect.name),
            }
            context = MigrationContext.configure(connection, opts=opts)
            assert compare_metadata(context, db.metadata) == []
        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


@pytest.mark.both_engines
def test_constraints_protect_the_data(app, db):
    """The database itself refuses an appointment that ends before it starts and a duplicate e-mail."""
    from datetime import UTC, datetime, timedelta

    from tests import factories

    appt = factories.appointment()
    appt.ends_at = appt.starts_at - timedelta(minutes=5)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()
    existing = factories.user()
    with pytest.raises(sa.exc.IntegrityError):
        factories.user(email=existing.email.upper())
    db.session.rollback()
    assert datetime.now(UTC) > appt.created_at  # stored and read back timezone-aware
