"""A process at its connection limit: the extra sockets are refused with `over_capacity` while pages keep answering."""

import contextlib
import threading

import pytest
import requests
import socketio

from tests.chat.test_processes import open_chat_socket, people, servers, shared_database  # noqa: F401 - fixtures
from tests.chat.test_revocation_processes import sign_in as signed_in
from tests.services.app_server import AppServer

LIMIT = 12
FLOOD = 30


@pytest.fixture
def server_env() -> dict:
    """Servers (the production worker) that admit at most LIMIT sockets each."""
    return {"REALTIME_MAX_CONNECTIONS": str(LIMIT)}


@pytest.fixture
def small_server(servers):  # noqa: F811 - the fixture imported above
    """One of them."""
    return servers[0]


class Tab:
    """One socket of the flood: connected, or refused with the reason the server gave."""

    def __init__(self, server: AppServer, http: requests.Session):
        self.server, self.http = server, http
        self.client = socketio.Client(reconnection=False)
        self.refusal: str | None = None
        self.client.on("connect_error", self._refused, namespace="/chat")

    def _refused(self, data) -> None:
        self.refusal = data.get("message") if isinstance(data, dict) else str(data)

    def open(self) -> None:
        """Connect; a refusal is kept, not raised."""
        with contextlib.suppress(socketio.exceptions.ConnectionError):
            open_chat_socket(self.client, self.server, self.http)

    @property
    def connected(self) -> bool:
        """Admitted and still open."""
        return self.client.connected and "/chat" in self.client.namespaces


def test_a_flood_past_the_limit_is_refused_with_over_capacity_while_pages_answer(small_server, people):  # noqa: F811
    """FLOOD sockets at once against a limit of LIMIT: exactly LIMIT are admitted, every other one hears
    `over_capacity`; a page and /healthz requested in the same moment answer 200, and the health check shows the
    pressure. Once sockets close, new ones are admitted again."""
    doctor_email, _patient_email, _appointment = people
    http = signed_in(small_server, doctor_email)
    tabs = [Tab(small_server, http) for _ in range(FLOOD)]
    page_answers: list[int] = []

    def load_pages() -> None:
        page = signed_in(small_server, doctor_email)
        for _ in range(5):
            page_answers.append(page.get(f"{small_server.url}/doctor/", timeout=10).status_code)

    flood = [threading.Thread(target=tab.open) for tab in tabs] + [threading.Thread(target=load_pages)]
    for thread in flood:
        thread.start()
    for thread in flood:
        thread.join(timeout=60)
    try:
        admitted = [tab for tab in tabs if tab.connected]
        refused = [tab for tab in tabs if not tab.connected]
        assert len(admitted) == LIMIT
        assert [tab.refusal for tab in refused] == ["over_capacity"] * (FLOOD - LIMIT)
        assert page_answers == [200] * 5

        health = requests.get(f"{small_server.url}/healthz", timeout=10)
        assert health.status_code == 200
        assert health.json()["sockets"] == {"open": LIMIT, "limit": LIMIT, "full": True}

        # Still full: one more is refused; after three close, three more get in.
        late = Tab(small_server, http)
        late.open()
        assert not late.connected and late.refusal == "over_capacity"
        for tab in admitted[:3]:
            tab.client.disconnect()
        newcomers = [Tab(small_server, http) for _ in range(3)]
        for tab in newcomers:
            tab.open()
        assert all(tab.connected for tab in newcomers)
        assert requests.get(f"{small_server.url}/healthz", timeout=10).json()["sockets"]["open"] == LIMIT
    finally:
        for tab in tabs:
            tab.client.disconnect()


def test_a_refused_socket_that_stays_open_is_closed_by_the_server(small_server, people):  # noqa: F811
    """A client that ignores `over_capacity` and keeps its connection open is closed by the server soon after."""
    doctor_email, _patient_email, _appointment = people
    http = signed_in(small_server, doctor_email)
    tabs = [Tab(small_server, http) for _ in range(LIMIT)]
    for tab in tabs:
        tab.open()
    stubborn = socketio.Client(reconnection=False)
    closed = threading.Event()
    stubborn.eio.on("disconnect", closed.set)
    refusals = []
    stubborn.on("connect_error", refusals.append, namespace="/chat")
    try:
        assert all(tab.connected for tab in tabs)
        with pytest.raises(socketio.exceptions.ConnectionError):
            open_chat_socket(stubborn, small_server, http)
        assert refusals and refusals[0]["message"] == "over_capacity"
        # python-socketio's client leaves the Engine.IO connection open after a refusal, as a careless client would.
        assert closed.wait(timeout=10)
    finally:
        stubborn.disconnect()
        for tab in tabs:
            tab.client.disconnect()
