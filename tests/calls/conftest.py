"""Call fixtures: signed-in Socket.IO test clients on /chat (personal rooms: rings) and /call, and an appointment
whose call window is open."""

from datetime import UTC, datetime, timedelta

import pytest

from app.models import Role
from tests import factories
from tests.conftest import page_socket

CALL = "/call"
PERSONAL = "/chat"


@pytest.fixture
def app_config(app_config):
    """TURN set up with a secret, so that who gets ICE credentials can be seen."""
    return {
        **app_config,
        "STUN_URLS": ("stun:stun.clinic.test:3478",),
        "TURN_URLS": ("turn:turn.clinic.test:3478",),
        "TURN_SECRET": "test-turn-secret",
    }


@pytest.fixture
def connect(app):
    """Sign a user in through the real form and open a page's connection: /chat (personal room) and /call."""

    def _connect(user):
        sock = page_socket(app, user, PERSONAL, CALL)
        drain(sock)
        return sock

    return _connect


@pytest.fixture
def pair(app):
    """A doctor, a patient with an account and an appointment starting in five minutes: calls are open."""
    doctor = factories.doctor()
    patient_user = factories.user(Role.PATIENT)
    appointment = factories.appointment(patient_user.patient_profile, doctor, datetime.now(UTC) + timedelta(minutes=5))
    return doctor, patient_user, appointment


def ask(sock, event: str, payload=None, **data) -> dict:
    """Emit an event on /call and return the server's acknowledgement."""
    with sock.fresh_context():
        return sock.emit(event, payload if payload is not None else data, namespace=CALL, callback=True)


def events(sock, namespace: str = PERSONAL) -> dict[str, list[dict]]:
    """The events that reached this client on a namespace since the last look, by name."""
    found: dict[str, list[dict]] = {}
    for item in sock.get_received(namespace):
        args = item["args"]
        found.setdefault(item["name"], []).append(args[0] if isinstance(args, list) else args)
    return found


def drain(sock) -> None:
    """Forget what reached the client so far, on both namespaces."""
    sock.get_received(PERSONAL)
    sock.get_received(CALL)


def calls_seen(sock) -> list[dict]:
    """The `call` events that reached the client's pages since the last look."""
    return events(sock).get("call", [])


def start(sock, appointment) -> dict:
    """The doctor calls the appointment's patient."""
    return ask(sock, "start", appointment=str(appointment.public_id))
