"""Calls across two real gunicorn processes sharing Redis and PostgreSQL: the doctor on one, the patient on the other;
and each process's own clock (the ring refresh and the sweeper) running as it does in production."""

import queue
import uuid
from datetime import timedelta

import pytest
import requests
import socketio

from tests import factories
from tests.chat.test_processes import people, servers, shared_database  # noqa: F401 (fixtures)
from tests.conftest import CSRF_META


@pytest.fixture
def server_env() -> dict:
    """Short rings and quick refreshes, so that the processes' clocks act within the test."""
    return {
        "CALL_RING_SECONDS": "4",
        "CALL_RING_REFRESH_SECONDS": "1",
        "TURN_URLS": "turn:127.0.0.1:3478",
        "TURN_SECRET": "s3cret",
    }


@pytest.fixture
def starts_in() -> timedelta:
    """The appointment of `people` starts in five minutes: calls are open."""
    return timedelta(minutes=5)


class Page:
    """A signed-in page on one server: its /chat connection (where calls ring) and /call, collecting what arrives."""

    def __init__(self, server, email: str):
        self.http = requests.Session()
        token = CSRF_META.search(self.http.get(f"{server.url}/auth/login").text).group(1)
        signed_in = self.http.post(
            f"{server.url}/auth/login",
            data={"email": email, "password": factories.PASSWORD, "csrf_token": token},
            allow_redirects=False,
        )
        assert signed_in.status_code == 302
        self.calls: queue.Queue = queue.Queue()
        self.signals: queue.Queue = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        self.client.on("call", self.calls.put, namespace="/chat")
        self.client.on("signal", self.signals.put, namespace="/call")
        cookie = "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())
        self.client.connect(
            server.url, namespaces=["/chat", "/call"], transports=["websocket"], headers={"Cookie": cookie}
        )

    def ask(self, event: str, **data) -> dict:
        """Emit on /call and wait for the acknowledgement."""
        return self.client.call(event, data, namespace="/call", timeout=10)

    def next_call(self, state: str, timeout: float = 10) -> dict:
        """The next `call` event in this state (earlier ones of other states are skipped)."""
        while True:
            found = self.calls.get(timeout=timeout)
            if found["state"] == state:
                return found

    def close(self) -> None:
        """Disconnect."""
        self.client.disconnect()


def test_a_call_from_one_process_rings_answers_and_signals_on_the_other(servers, people):  # noqa: F811
    """The doctor on process A calls; the patient's page on process B rings (and keeps ringing: refreshes), accepts,
    exchanges signals with the doctor across Redis, and both hear the hang-up."""
    doctor_email, patient_email, appointment = people
    doctor, patient = Page(servers[0], doctor_email), Page(servers[1], patient_email)
    try:
        started = doctor.ask("start", appointment=appointment)
        assert started["ok"] is True and started["ice_servers"][0]["username"]
        call_id = started["call"]["call"]
        rings = [patient.next_call("ringing"), patient.next_call("ringing", timeout=3)]  # the first, then a refresh
        assert {r["call"] for r in rings} == {call_id}

        accepted = patient.ask("accept", call=call_id)
        assert accepted["ok"] is True
        assert doctor.next_call("accepted")["answered_by"] == accepted["call"]["answered_by"]
        connection = str(uuid.uuid4())
        offer = {"type": "offer", "sdp": "v=0\r\n"}
        assert doctor.ask("signal", call=call_id, connection=connection, description=offer) == {"ok": True}
        assert patient.signals.get(timeout=10)["description"] == offer
        assert patient.ask("signal", call=call_id, connection=connection, candidate=None) == {"ok": True}
        assert doctor.signals.get(timeout=10)["candidate"] is None
        assert patient.ask("connected", call=call_id)["call"]["state"] == "connected"

        assert doctor.ask("hangup", call=call_id)["call"]["state"] == "ended"
        assert patient.next_call("ended")["reason"] == "hung_up"
    finally:
        doctor.close()
        patient.close()


def test_the_process_clock_marks_an_unanswered_call_missed(servers, people):  # noqa: F811
    """Nobody answers: the process's own sweeper ends the call as missed after CALL_RING_SECONDS, and both hear it."""
    doctor_email, patient_email, appointment = people
    doctor, patient = Page(servers[0], doctor_email), Page(servers[1], patient_email)
    try:
        call_id = doctor.ask("start", appointment=appointment)["call"]["call"]
        missed = patient.next_call("missed", timeout=15)
        assert (missed["call"], missed["reason"]) == (call_id, "timeout")
        assert doctor.next_call("missed", timeout=5)["call"] == call_id
        with pytest.raises(queue.Empty):
            patient.next_call("ringing", timeout=2.5)  # the refreshes stopped with the ringing
    finally:
        doctor.close()
        patient.close()
