"""Shared fixtures: the app on a throwaway PostgreSQL (and on SQLite where the engine matters), clients, sign-in
and real services."""

import itertools
import os
import re
import shutil
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade

from app import create_app
from app.extensions import db as _db
from app.models import Role
from tests import factories
from tests.services.postgres import PostgresServer
from tests.services.redis import RedisServer
from tests.services.turn import TurnServer

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


# --- A skipped test is a failure in CI: a missing service can never pass silently. ---


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI=true, turn skips into failures."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") == "true" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which counts as a failure: {report.longrepr}"


# --- Real services, started once per run. ---


@pytest.fixture(scope="session")
def postgres_server():
    """A private PostgreSQL server for the whole run."""
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server():
    """A private Redis server for the whole run."""
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def turn_server():
    """A private coturn for the whole run, checking credentials made from its shared secret (`.secret`)."""
    server = TurnServer().start()
    yield server
    server.stop()


def _migrate(url: str) -> None:
    """Bring an empty database to the newest schema with the project's migrations."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        upgrade()
        _db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """An SQLite file migrated once, copied for every test."""
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres_server):
    """A PostgreSQL database migrated once, cloned (CREATE DATABASE ... TEMPLATE) for every test."""
    postgres_server.execute("CREATE DATABASE clinic_template")
    _migrate(postgres_server.url("clinic_template"))
    return "clinic_template"


# --- Which engine a database test runs on. ---


def pytest_generate_tests(metafunc):
    """Give every database test its engine(s): PostgreSQL, both under `both_engines`, SQLite under `sqlite_only`.

    The engine is always a visible parameter, so `-k "not postgresql"` still selects the quick SQLite part.
    A test that parametrises `database_url` itself keeps its own choice.
    """
    if "database_url" not in metafunc.fixturenames:
        return
    for marker in metafunc.definition.iter_markers("parametrize"):
        names = marker.args[0]
        if "database_url" in (names.replace(" ", "").split(",") if isinstance(names, str) else names):
            return
    if metafunc.definition.get_closest_marker("sqlite_only"):
        engines = ["sqlite"]
    elif metafunc.definition.get_closest_marker("both_engines"):
        engines = ["sqlite", "postgresql"]
    else:
        engines = ["postgresql"]
    metafunc.parametrize("database_url", engines, indirect=True)


@pytest.fixture
def database_url(request, tmp_path):
    """A fresh, migrated database for one test, on the engine its markers chose (PostgreSQL by default)."""
    if getattr(request, "param", "postgresql") == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    yield request.getfixturevalue("postgres_database")


_counter = itertools.count()


@pytest.fixture
def postgres_database(postgres_server, postgres_template):
    """A fresh PostgreSQL database cloned from the migrated template; also what live servers in tests use."""
    name = f"clinic_test_{os.getpid()}_{next(_counter)}"
    postgres_server.execute(f"CREATE DATABASE {name} TEMPLATE {postgres_template}")
    yield postgres_server.url(name)
    postgres_server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def app_config(database_url, tmp_path):
    """Configuration overrides for the test app; tests may change it before `app` is built."""
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": os.urandom(16).hex(),
        "RATELIMIT_STORAGE_URI": "memory://",
        "REDIS_URL": "",
        "STORAGE_LOCAL_PATH": str(tmp_path / "storage"),
    }


@pytest.fixture
def app(app_config):
    """The application, bound to this test's database."""
    application = create_app(app_config)
    application.test_client_class = ClinicClient
    with application.app_context():
        yield application
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    """The SQLAlchemy extension, inside the app context."""
    return _db


@pytest.fixture
def client(app):
    """A browser-like client that keeps cookies and knows the CSRF token."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """The Flask CLI runner."""
    return app.test_cli_runner()


class ClinicClient(FlaskClient):
    """A test client that reads the CSRF token from pages, as a browser form would carry it."""

    def open(self, *args, **kwargs):
        """Serve each request in its own app context, as in production.

        The fixture keeps an app context open for factories; Flask would reuse it for requests, sharing `g`
        (the cached user and CSRF token) between requests and clients.
        """
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        """The session's CSRF token, as rendered into every page's <meta>."""
        page = self.get("/").get_data(as_text=True)
        match = CSRF_META.search(page)
        assert match, "no CSRF token on the home page"
        return match.group(1)

    def submit(self, url: str, data: dict | None = None, **kwargs):
        """POST a form with a valid CSRF token."""
        data = dict(data or {})
        data["csrf_token"] = self.csrf_token()
        return self.post(url, data=data, **kwargs)

    def sign_in(self, email: str, password: str = factories.PASSWORD):
        """Sign in through the real form."""
        return self.submit("/auth/login", {"email": email, "password": password})


@pytest.fixture
def login_as(app, client):
    """Create a user of a role and sign the shared client in as them: `user = login_as("doctor")`."""

    def _login(role: str | Role, user=None):
        user = user or factories.user(Role(role))
        response = client.sign_in(user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return _login


@pytest.fixture(scope="session")
def project_root() -> Path:
    """The repository's root directory."""
    return Path(__file__).resolve().parent.parent


@pytest.fixture
def starts_in():
    """How soon the appointment of the multi-process tests' `people` starts (tests/chat/test_processes.py): an hour,
    the chat open; the call tests override it with minutes, calls open."""
    from datetime import timedelta

    return timedelta(hours=1)


def page_socket(app, user, *namespaces: str):
    """Sign `user` in through the real form and open a page's Socket.IO test connection on that session, in each of
    `namespaces` (the first is the one every page opens); `sock.http` is the page's HTTP client."""
    from app.extensions import socketio

    http = app.test_client()
    response = http.sign_in(user.email)
    assert response.status_code == 302
    # Each event runs in its own app context, as in production (the fixture's context would share `g`).
    with app.app_context():
        sock = socketio.test_client(app, namespace=namespaces[0], flask_test_client=http)
        for namespace in namespaces[1:]:
            sock.connect(namespace=namespace)
    assert all(sock.is_connected(namespace) for namespace in namespaces)
    sock.http = http
    sock.fresh_context = app.app_context
    return sock
