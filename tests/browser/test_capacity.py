"""A full process in a real browser: the refused page says so, backs off and connects once there is room."""

import pytest
from playwright.sync_api import expect

from app.models import Role
from tests import factories


@pytest.fixture
def live_server_env() -> dict:
    """A live server with room for one socket."""
    return {"REALTIME_MAX_CONNECTIONS": "1"}


def test_a_page_refused_by_a_full_process_connects_by_itself_once_there_is_room(live_db, browsers):
    """The second signed-in page is refused with over_capacity and marks itself busy; when the first page closes,
    the second connects on one of its own later tries, without a reload."""
    first = browsers.sign_in(factories.user(Role.RECEPTION))
    expect(first.locator('html[data-realtime="connected"]')).to_have_count(1)
    second = browsers.sign_in(factories.user(Role.RECEPTION))
    expect(second.locator('html[data-realtime="busy"]')).to_have_count(1)

    first.close()

    # Tries come 1-2 s, then 2-4 s, then 4-8 s after each refusal: at most about 14 s after the first one.
    expect(second.locator('html[data-realtime="connected"]')).to_have_count(1, timeout=20_000)
    assert browsers.console_errors(second) == []
