"""Browser tests: Debian's Chromium, driven by Playwright, against the real app served by gunicorn.

The live server runs as in production: PostgreSQL (a throwaway database cloned from the migrated template), Redis
as the Socket.IO message queue and sign-in throttle store, local object storage in the test's tmp_path. The test
creates its rows in that same database with tests/factories.py (`live_db`), then signs users in through the real
login form, each user in a browser context of their own (`browsers.sign_in(user)`).
"""

import itertools
import os
import secrets
from collections import defaultdict
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from app import create_app
from app.extensions import db as _db
from app.models import User
from tests import factories
from tests.services.app_server import AppServer
from tests.services.process import free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Long enough for a loaded CI machine, short enough that a missing live update fails the test rather than hanging it.
TIMEOUT_MS = 10_000

_counter = itertools.count()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium headless; Playwright's own browser download is never used (no internet in CI)."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"{CHROMIUM} not found: the browser tests need Debian's Chromium, install the Debian package `chromium` "
            "(apt-get install chromium; .ci/run does it when run as root). Never `playwright install`.",
            pytrace=False,
        )
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "headless": True, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url():
    """No fixed base URL: each test's pages are addressed on that test's own live server (see `browsers`)."""
    return None


@pytest.fixture(scope="session", autouse=True)
def _expect_timeout():
    """Every `expect(...)` in the browser tests waits up to TIMEOUT_MS for the page to get there."""
    expect.set_options(timeout=TIMEOUT_MS)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's report on the test item, so fixtures can tell in teardown whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


def _failed(request) -> bool:
    """The test's setup or call failed."""
    return any(getattr(getattr(request.node, f"report_{when}", None), "failed", False) for when in ("setup", "call"))


@pytest.fixture
def live_database_url(postgres_database):
    """A fresh PostgreSQL database, shared by the live server and the test."""
    return postgres_database


@pytest.fixture
def live_storage(tmp_path) -> Path:
    """The live server's local object storage directory."""
    path = tmp_path / "storage"
    path.mkdir()
    return path


@pytest.fixture
def live_server_env() -> dict:
    """Settings a test module adds to the live server's environment (overridden where needed)."""
    return {}


@pytest.fixture
def live_server(request, live_database_url, live_storage, redis_server, tmp_path, live_server_env):
    """The real app under gunicorn, as in production (Redis message queue, PostgreSQL); its log is shown on failure."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "gunicorn.log"
    env = {
        "APP_ENV": "testing",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": live_database_url,
        # Also the sign-in throttle's storage: app/config.py derives RATELIMIT_STORAGE_URI from REDIS_URL.
        "REDIS_URL": redis_server.url,
        "STORAGE_BACKEND": "local",
        "STORAGE_LOCAL_PATH": str(live_storage),
        "PUBLIC_URL": url,
        **live_server_env,
    }
    server = AppServer(env, port=port, log=log)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        if _failed(request) and log.exists():
            print(f"--- gunicorn log ({log}) ---\n{log.read_text(errors='replace')[-20_000:]}")


@pytest.fixture
def live_db(live_database_url, live_storage, redis_server):
    """The app bound to the live server's database, inside an app context, so tests can use tests/factories.py;
    what it emits reaches the live server's pages through the same Redis queue, as from another process."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": live_database_url,
            "SECRET_KEY": secrets.token_hex(16),
            "RATELIMIT_STORAGE_URI": "memory://",
            "REDIS_URL": redis_server.url,
            "STORAGE_BACKEND": "local",
            "STORAGE_LOCAL_PATH": str(live_storage),
        }
    )
    with app.app_context():
        yield _db
        _db.session.remove()
        _db.engine.dispose()


def _is_error(message) -> bool:
    """An error the page logged (CSP violations, failed loads, exceptions)."""
    return message.type == "error"


def _describe(page: Page, message) -> str:
    """A console error with the page it appeared on and, for failed loads, the resource's address."""
    source = message.location.get("url") or ""
    return f"{page.url}: {message.text}" + (f" [{source}]" if source and source != page.url else "")


class Browsers:
    """Signed-in pages, one browser context (cookies, storage) per user, all in the same Chromium."""

    def __init__(self, new_context, base_url: str) -> None:
        self._new_context = new_context
        self.base_url = base_url
        self._console_errors: dict[int, list[str]] = defaultdict(list)

    def new_page(self) -> Page:
        """An anonymous page in a fresh context, recording console errors and uncaught exceptions."""
        context: BrowserContext = self._new_context(base_url=self.base_url)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        errors = self._console_errors[id(page)]
        page.on("console", lambda message: errors.append(_describe(page, message)) if _is_error(message) else None)
        page.on("pageerror", lambda error: errors.append(f"{page.url}: uncaught {error}"))
        return page

    def sign_in(self, user: User, password: str = factories.PASSWORD) -> Page:
        """A new context signed in as `user` through the real login form, left on the user's landing page."""
        page = self.new_page()
        page.goto("/auth/login")
        page.locator('input[name="email"]').fill(user.email)
        page.locator('input[name="password"]').fill(password)
        with page.expect_navigation():
            page.locator('form[action^="/auth/login"] button[type="submit"]').click()
        assert "/auth/login" not in page.url, f"sign-in as {user.email} failed: {page.locator('main').inner_text()}"
        return page

    def console_errors(self, page: Page) -> list[str]:
        """Console errors (CSP violations, failed loads, uncaught exceptions) the page logged so far."""
        return list(self._console_errors[id(page)])


@pytest.fixture
def browsers(live_server, new_context) -> Browsers:
    """Open signed-in pages on the live server: `page = browsers.sign_in(user)`.

    The server is requested first so it stops last: contexts close their sockets before gunicorn shuts down,
    rather than holding it for its graceful timeout.
    """
    return Browsers(new_context, live_server.url)
