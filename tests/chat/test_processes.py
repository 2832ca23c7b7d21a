"""Two real server processes sharing Redis and PostgreSQL: delivery across them, and history across a restart."""

import queue
import re
import uuid
from datetime import UTC, datetime

import pytest
import requests
import socketio

from app import create_app
from app.extensions import db as _db
from app.models import Role
from tests import factories
from tests.services.app_server import AppServer

CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@pytest.fixture
def shared_database(postgres_database):
    """A throwaway PostgreSQL database both servers use."""
    return postgres_database


@pytest.fixture
def server_env() -> dict:
    """Settings a test module adds to both servers' environment (overridden where needed)."""
    return {}


@pytest.fixture
def servers(shared_database, redis_server, tmp_path, server_env):
    """Two gunicorn processes of the app with one database, one Redis queue and one secret key."""
    env = {
        **server_env,
        "DATABASE_URL": shared_database,
        "REDIS_URL": redis_server.url,
        "RATELIMIT_STORAGE_URI": redis_server.url,
        "SECRET_KEY": uuid.uuid4().hex,
        "STORAGE_LOCAL_PATH": str(tmp_path / "storage"),
    }
    pair = [AppServer(env, log=tmp_path / f"server-{n}.log") for n in (1, 2)]
    for server in pair:
        server.start()
    yield pair
    for server in pair:
        server.stop()


@pytest.fixture
def people(shared_database, starts_in):
    """A doctor and a patient with an appointment `starts_in` from now, made in the shared database."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": shared_database, "SECRET_KEY": "setup", "TESTING": True})
    with app.app_context():
        doctor = factories.doctor()
        patient_user = factories.user(Role.PATIENT)
        appointment = factories.appointment(patient_user.patient_profile, doctor, datetime.now(UTC) + starts_in)
        yield doctor.email, patient_user.email, str(appointment.public_id)
        _db.session.remove()
        _db.engine.dispose()


def open_chat_socket(client: socketio.Client, server: AppServer, http: requests.Session) -> None:
    """Open a websocket on /chat to `server` with the session cookie `http` holds, as the cabinet's page does."""
    cookie = "; ".join(f"{name}={value}" for name, value in http.cookies.items())
    client.connect(
        server.url, namespaces=["/chat"], transports=["websocket"], headers={"Cookie": cookie}, wait_timeout=10
    )


class Participant:
    """A signed-in person with a python-socketio client on one server, collecting what arrives."""

    def __init__(self, server: AppServer, email: str):
        self.server = server
        self.http = requests.Session()
        token = CSRF.search(self.http.get(f"{server.url}/auth/login").text).group(1)
        signed_in = self.http.post(
            f"{server.url}/auth/login",
            data={"email": email, "password": factories.PASSWORD, "csrf_token": token},
            allow_redirects=False,
        )
        assert signed_in.status_code == 302
        self.messages: queue.Queue = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        self.client.on("message", self.messages.put, namespace="/chat")

    def connect(self) -> "Participant":
        """Open the websocket to this participant's server with the session cookie."""
        open_chat_socket(self.client, self.server, self.http)
        return self

    def call(self, event: str, **data) -> dict:
        """Emit and wait for the acknowledgement."""
        return self.client.call(event, data, namespace="/chat", timeout=10)

    def close(self) -> None:
        """Disconnect."""
        self.client.disconnect()


def test_a_message_sent_through_one_process_reaches_a_client_on_the_other(servers, people):
    """Doctor on process A, patient on process B: the message crosses Redis and arrives once."""
    doctor_email, patient_email, appointment = people
    doctor = Participant(servers[0], doctor_email).connect()
    patient = Participant(servers[1], patient_email).connect()
    try:
        assert doctor.call("join", appointment=appointment)["ok"]
        assert patient.call("join", appointment=appointment)["ok"]

        ack = doctor.call("send", appointment=appointment, client_id=str(uuid.uuid4()), text="across processes")

        assert ack["ok"] is True
        arrived = patient.messages.get(timeout=10)
        assert arrived["id"] == ack["message"]["id"]
        assert arrived["text"] == "across processes"
        with pytest.raises(queue.Empty):
            patient.messages.get(timeout=1)
    finally:
        doctor.close()
        patient.close()


def test_messages_survive_a_restart_and_the_client_catches_up(servers, people):
    """Messages accepted before both servers restart are in the history after; catch_up after the last is empty."""
    doctor_email, patient_email, appointment = people
    doctor = Participant(servers[0], doctor_email).connect()
    sent = [
        doctor.call("send", appointment=appointment, client_id=str(uuid.uuid4()), text=f"before restart {n}")
        for n in range(3)
    ]
    doctor.close()
    for server in servers:
        server.stop()
        server.start()

    patient = Participant(servers[1], patient_email).connect()
    try:
        joined = patient.call("join", appointment=appointment)
        assert [m["text"] for m in joined["messages"]] == ["before restart 0", "before restart 1", "before restart 2"]
        assert [m["id"] for m in joined["messages"]] == [ack["message"]["id"] for ack in sent]
        assert patient.call("catch_up", appointment=appointment, after=sent[-1]["message"]["id"]) == {
            "ok": True,
            "messages": [],
        }
    finally:
        patient.close()
