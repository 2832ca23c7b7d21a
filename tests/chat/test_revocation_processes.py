"""Withdrawn access ends everywhere at once, tried on two real gunicorn processes sharing PostgreSQL and Redis:
an ended guardianship, a sign-out, a password change and "sign out of other devices", each done through one
process while the affected socket is held by the other."""

import queue
import re
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
import socketio

from app import create_app
from app.extensions import db as _db
from app.models import Guardianship, Role
from tests import factories
from tests.chat.test_processes import open_chat_socket, server_env, servers, shared_database  # noqa: F401  (the two-process fixtures)
from tests.services.app_server import AppServer

CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
# How long a socket is watched for something that must not arrive.
QUIET = 2


def sign_in(server: AppServer, email: str, password: str = factories.PASSWORD) -> requests.Session:
    """A browser session signed in through the real form on one server."""
    http = requests.Session()
    token = CSRF.search(http.get(f"{server.url}/auth/login").text).group(1)
    answer = http.post(
        f"{server.url}/auth/login",
        data={"email": email, "password": password, "csrf_token": token},
        allow_redirects=False,
    )
    assert answer.status_code == 302
    return http


def copy_of(http: requests.Session) -> requests.Session:
    """Another client holding a copy of the session cookie, as someone who copied it would."""
    thief = requests.Session()
    thief.cookies.update(http.cookies)
    return thief


def post_form(server: AppServer, http: requests.Session, path: str, data: dict | None = None) -> requests.Response:
    """Submit a form with the page's CSRF token, as the browser does."""
    token = CSRF.search(http.get(f"{server.url}/").text).group(1)
    return http.post(f"{server.url}{path}", data={**(data or {}), "csrf_token": token}, allow_redirects=False)


def cabinet_answer(server: AppServer, http: requests.Session, path: str) -> requests.Response:
    """A cabinet page as this session gets it, without following redirects."""
    return http.get(f"{server.url}{path}", allow_redirects=False)


class Socket:
    """A python-socketio client on /chat with a session's cookie, recording what arrives and when it is closed."""

    def __init__(self, server: AppServer, http: requests.Session):
        self.server = server
        self.http = http
        self.messages: queue.Queue = queue.Queue()
        self.typing: queue.Queue = queue.Queue()
        self.closed = threading.Event()
        self.client = socketio.Client(reconnection=False)
        self.client.on("message", self.messages.put, namespace="/chat")
        self.client.on("typing", self.typing.put, namespace="/chat")
        self.client.on("disconnect", lambda *_reason: self.closed.set(), namespace="/chat")

    def connect(self) -> "Socket":
        """Open the websocket with the session cookie; raises socketio.exceptions.ConnectionError when refused."""
        open_chat_socket(self.client, self.server, self.http)
        return self

    def call(self, event: str, **data) -> dict:
        """Emit and wait for the acknowledgement."""
        return self.client.call(event, data, namespace="/chat", timeout=10)

    def close(self) -> None:
        """Disconnect if still connected."""
        if self.client.connected:
            self.client.disconnect()


def refused_connection(server: AppServer, http: requests.Session) -> str | None:
    """The reason /chat gives for refusing this session's connection, or None if it is accepted (then closed)."""
    sock = Socket(server, http)
    reasons = []
    sock.client.on("connect_error", reasons.append, namespace="/chat")
    try:
        sock.connect()
    except socketio.exceptions.ConnectionError:
        return reasons[0]["message"] if reasons else "refused without a reason"
    sock.close()
    return None


@pytest.fixture
def family(shared_database):  # noqa: F811  (the fixture imported above)
    """A doctor, a patient with an account and an active guardian, reception, and an appointment in its window."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": shared_database, "SECRET_KEY": "setup", "TESTING": True})
    with app.app_context():
        doctor = factories.doctor()
        patient_user = factories.user(Role.PATIENT)
        guardian = factories.user(Role.PATIENT)
        reception = factories.user(Role.RECEPTION)
        _db.session.add(
            Guardianship(guardian=guardian, patient=patient_user.patient_profile, legal_basis="Court order")
        )
        _db.session.commit()
        appointment = factories.appointment(
            patient_user.patient_profile, doctor, datetime.now(UTC) + timedelta(hours=1)
        )
        yield {
            "doctor": doctor.email,
            "patient": patient_user.email,
            "guardian": guardian.email,
            "guardian_id": str(guardian.public_id),
            "reception": reception.email,
            "record": str(patient_user.patient_profile.public_id),
            "appointment": str(appointment.public_id),
        }
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def account(shared_database):  # noqa: F811  (the fixture imported above)
    """A patient account, made in the shared database; its e-mail."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": shared_database, "SECRET_KEY": "setup", "TESTING": True})
    with app.app_context():
        yield factories.user(Role.PATIENT).email
        _db.session.remove()
        _db.engine.dispose()


def send(sock: Socket, appointment: str, text: str) -> dict:
    """Send a chat message and return its acknowledgement."""
    ack = sock.call("send", appointment=appointment, client_id=str(uuid.uuid4()), text=text)
    assert ack["ok"] is True, ack
    return ack


def test_an_ended_guardianship_stops_delivery_to_the_ex_guardians_socket_on_another_process(servers, family):  # noqa: F811
    """Reception ends the guardianship through process A; the ex-guardian's socket on process B, in the dependant's
    chat until then, receives neither the doctor's next message nor typing, while the patient still gets both."""
    a, b = servers
    appointment = family["appointment"]
    doctor = Socket(a, sign_in(a, family["doctor"])).connect()
    patient = Socket(b, sign_in(b, family["patient"])).connect()
    guardian = Socket(b, sign_in(b, family["guardian"])).connect()
    try:
        for sock in (doctor, patient, guardian):
            assert sock.call("join", appointment=appointment)["ok"] is True
        before = send(doctor, appointment, "before the guardianship ends")
        # The guardian really was receiving the dependant's chat on process B.
        assert guardian.messages.get(timeout=10)["id"] == before["message"]["id"]
        assert patient.messages.get(timeout=10)["id"] == before["message"]["id"]

        reception = sign_in(a, family["reception"])
        ended = post_form(a, reception, f"/reception/patients/{family['record']}/guardians/{family['guardian_id']}/end")
        assert ended.status_code == 302

        # Sent right after reception's answer: the withdrawal travels ahead of it on the queue.
        after = send(doctor, appointment, "after the guardianship ended")
        assert doctor.call("typing", appointment=appointment) == {"ok": True}

        assert patient.messages.get(timeout=10)["id"] == after["message"]["id"]
        assert patient.typing.get(timeout=10)["name"]
        with pytest.raises(queue.Empty):
            guardian.messages.get(timeout=QUIET)
        with pytest.raises(queue.Empty):
            guardian.typing.get(timeout=0.1)
        # Still signed in (their own chats go on), but the dependant's chat is no longer theirs.
        assert guardian.client.connected and not guardian.closed.is_set()
        assert guardian.call("join", appointment=appointment) == {"ok": False, "error": "not_found"}
        assert guardian.call("catch_up", appointment=appointment, after="") == {"ok": False, "error": "not_found"}
    finally:
        for sock in (doctor, patient, guardian):
            sock.close()


def test_a_cookie_copied_before_sign_out_is_refused_by_pages_and_the_chat(servers, account):  # noqa: F811
    """Signing out through process A closes the copied session's open socket on process B, and the copy no longer
    opens the cabinet or a /chat connection on either process."""
    a, b = servers
    http = sign_in(a, account)
    thief = copy_of(http)
    assert cabinet_answer(b, thief, "/patient/").status_code == 200  # the copy worked before the sign-out
    open_copy = Socket(b, thief).connect()
    try:
        assert post_form(a, http, "/auth/logout").status_code == 302

        assert open_copy.closed.wait(10), "the copied session's socket on process B stayed open"
        for server in (a, b):
            page = cabinet_answer(server, thief, "/patient/")
            assert page.status_code == 302 and "/auth/login" in page.headers["Location"]
            assert refused_connection(server, thief) == "unauthorized"
    finally:
        open_copy.close()


@pytest.mark.parametrize("action", ["change the password", "sign out of other devices"])
def test_ending_other_sessions_refuses_them_and_keeps_this_one(servers, account, action):  # noqa: F811
    """A second session (another device, on process B) is refused by pages and /chat and its open socket closed,
    once the first session changes the password or signs out of other devices through process A; the first
    session still opens the cabinet and the chat."""
    a, b = servers
    here = sign_in(a, account)
    elsewhere = sign_in(b, account)
    other_socket = Socket(b, elsewhere).connect()
    try:
        if action == "change the password":
            new_password = "a-new-password-for-2026"
            changed = post_form(
                a,
                here,
                "/auth/password",
                {"current_password": factories.PASSWORD, "new_password": new_password, "confirm": new_password},
            )
        else:
            changed = post_form(a, here, "/auth/sessions/end-others")
        assert changed.status_code == 302

        assert other_socket.closed.wait(10), "the other session's socket stayed open"
        for server in (a, b):
            page = cabinet_answer(server, elsewhere, "/patient/")
            assert page.status_code == 302 and "/auth/login" in page.headers["Location"]
            assert refused_connection(server, elsewhere) == "unauthorized"
            assert cabinet_answer(server, here, "/patient/").status_code == 200
            assert refused_connection(server, here) is None
    finally:
        other_socket.close()
