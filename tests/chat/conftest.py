"""Chat fixtures: signed-in Socket.IO test clients sharing the HTTP session, and an appointment in its window."""

import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.models import Role
from tests import factories
from tests.conftest import page_socket


@pytest.fixture
def app_config(app_config):
    """A send limit far above what the tests send; the rate-limit test sets its own."""
    return {**app_config, "CHAT_SEND_LIMIT": "1000 per minute"}


@pytest.fixture
def connect(app):
    """Sign a user in through the real form and open a /chat connection on the same session."""

    return lambda user: page_socket(app, user, "/chat")


@pytest.fixture
def pair(app):
    """A doctor, a patient with an account and an appointment an hour from now: its chat is open."""
    doctor = factories.doctor()
    patient_user = factories.user(Role.PATIENT)
    appointment = factories.appointment(patient_user.patient_profile, doctor, datetime.now(UTC) + timedelta(hours=1))
    return doctor, patient_user, appointment


def ask(sock, event: str, **data) -> dict:
    """Emit an event on /chat and return the server's acknowledgement."""
    with sock.fresh_context():
        return sock.emit(event, data, namespace="/chat", callback=True)


def send(sock, appointment, text: str = "Hello", **extra) -> dict:
    """Send a message with a fresh client id; returns the acknowledgement."""
    payload = {"appointment": str(appointment.public_id), "client_id": str(uuid.uuid4()), "text": text, **extra}
    return ask(sock, "send", **payload)


def received(sock) -> dict[str, list[dict]]:
    """The events that reached this client since the last look, by name."""
    events: dict[str, list[dict]] = {}
    for item in sock.get_received("/chat"):
        args = item["args"]
        # The test client gives a lone argument as it is, several as a list.
        events.setdefault(item["name"], []).append(args[0] if isinstance(args, list) else args)
    return events


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def both_joined(connect, doctor, patient_user, appointment):
    """The doctor's and the patient's sockets, each in the appointment's chat with what joining sent them drained."""
    socks = connect(doctor), connect(patient_user)
    for sock in socks:
        ask(sock, "join", appointment=str(appointment.public_id))
        received(sock)
    return socks


def upload(http, appointment, data=PDF, name="analysis.pdf", content_type="application/pdf"):
    """Send a chat file through the upload endpoint as the chat's upload.js does."""
    return http.post(
        f"/files?kind=chat_attachment&appointment={appointment.public_id}",
        data=io.BytesIO(data),
        headers={
            "X-Filename": name,
            "Content-Type": content_type,
            "Accept": "application/json",
            "X-CSRFToken": http.csrf_token(),
        },
    )
