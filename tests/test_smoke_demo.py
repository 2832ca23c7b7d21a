"""The embedded demo path on SQLite, as `make run` takes it: migrate, seed the demo, every demo user opens their
cabinet. The rest of the suite runs on PostgreSQL, so this is what keeps the demo working on SQLite."""

import pytest
from flask import url_for

from app.auth.views import LANDING
from app.demo import DEMO_PASSWORD, SIGN_INS

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def database_url(tmp_path):
    """An empty SQLite file, not the migrated template: the demo path migrates it itself."""
    return f"sqlite:///{tmp_path / 'demo.sqlite3'}"


def test_demo_on_sqlite_migrates_seeds_and_opens_every_cabinet(app, runner):
    """`flask db upgrade`, `flask storage init` and `flask seed-demo` succeed on an empty SQLite file, and each demo
    account signs in with the documented password and lands on its own cabinet page (200, signed in)."""
    for command in (["db", "upgrade"], ["storage", "init"], ["seed-demo"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 0, (command, result.output, result.exception)
    assert "Demo clinic ready" in result.output
    for email, role in SIGN_INS.items():
        client = app.test_client()
        signed_in = client.sign_in(email, DEMO_PASSWORD)
        assert signed_in.status_code == 302, (email, signed_in.get_data(as_text=True))
        with app.test_request_context():
            assert signed_in.headers["Location"] == url_for(LANDING[role])  # their own cabinet, not the login page
        cabinet = client.get(signed_in.headers["Location"])
        assert cabinet.status_code == 200, (email, signed_in.headers["Location"])
        assert 'action="/auth/logout"' in cabinet.get_data(as_text=True)  # shown signed in
