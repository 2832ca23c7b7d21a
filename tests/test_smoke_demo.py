"""The embedded demo path on SQLite, as `make run` takes it: migrate, seed the demo, every demo user opens their
cabinet. The rest of the suite runs on PostgreSQL, so this is what keeps the demo working on SQLite."""

import os

import pytest
from flask import url_for

from app import create_app
from app.auth.views import LANDING
from app.demo import DEMO_PASSWORD, SIGN_INS
from tests.conftest import ClinicClient


@pytest.fixture
def demo_app(tmp_path):
    """An app on an empty SQLite file with local storage, as the demo runs it."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
            "SECRET_KEY": os.urandom(16).hex(),
            "RATELIMIT_STORAGE_URI": "memory://",
            "REDIS_URL": "",
            "STORAGE_LOCAL_PATH": str(tmp_path / "storage"),
        }
    )
    app.test_client_class = ClinicClient
    yield app
    with app.app_context():
        from app.extensions import db

        db.engine.dispose()


def test_demo_on_sqlite_migrates_seeds_and_opens_every_cabinet(demo_app):
    """`flask db upgrade`, `flask storage init` and `flask seed-demo` succeed on SQLite, and each demo account signs
    in with the documented password and lands on its cabinet page (200)."""
    runner = demo_app.test_cli_runner()
    with demo_app.app_context():  # as the `flask` command provides one
        for command in (["db", "upgrade"], ["storage", "init"], ["seed-demo"]):
            result = runner.invoke(args=command)
            assert result.exit_code == 0, (command, result.output, result.exception)
    assert "Demo clinic ready" in result.output
    for email, role in SIGN_INS.items():
        client = demo_app.test_client()
        signed_in = client.sign_in(email, DEMO_PASSWORD)
        assert signed_in.status_code == 302, (email, signed_in.get_data(as_text=True))
        cabinet = client.get(signed_in.headers["Location"])
        assert cabinet.status_code == 200, (email, signed_in.headers["Location"])
        with demo_app.test_request_context():
            assert signed_in.headers["Location"] == url_for(LANDING[role])  # their own cabinet, not the login page
        assert 'action="/auth/logout"' in cabinet.get_data(as_text=True)  # shown signed in
