"""The visibility matrix of a sensitive specialty's appointment, as each person sees it through pages, chat,
downloads, file lists and calendars, on PostgreSQL.

One clinic is built once for the module and looked at by every row in turn (the other treating doctor three times:
before the patient shares the appointment, after, and after she withdraws it); each cell of the matrix is then its
own test, so a failure names the person and the place that leak.
"""

import io
import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app import create_app
from app.extensions import db as _db
from app.extensions import socketio
from app.models import Guardianship, Intake, Role
from tests import factories
from tests.chat.conftest import ask, send
from tests.conftest import ClinicClient

PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(1_000)
SENSITIVE_REASON = "Panic attacks before exams"
ORDINARY_REASON = "Thyroid check after surgery"

# The rows: who looks, and in which state of sharing. The other doctor treats the patient too (an appointment of his
# own with her) and is not restricted, so only the sensitivity rule keeps the psychologist's work from him.
ROWS = (
    "psychologist",
    "patient",
    "guardian",
    "other_doctor_before_sharing",
    "other_doctor_shared",
    "other_doctor_withdrawn",
    "reception",
    "methodologist",
    "methodologist_shared",
)
CLOSED = {"page": 404, "reason": False, "ics_file": 404, "download": 404, "file_list": False, "side_panel": False}
OPEN = {"page": 200, "reason": True, "ics_file": 200, "download": 302, "file_list": True}
OPEN_TO_DOCTOR = {**OPEN, "side_panel": True}
NO_CHAT = {"join": "not_found", "history": "not_found"}
CHAT = {"join": "ok", "history": "ok"}
# What each row sees: page (status of the viewer's own page for it) and whether it shows the questionnaire's reason,
# chat join/history acknowledgements, the .ics download, the chat image's download and its presence in the viewer's
# file lists and chat side panel, and whether the viewer's own calendar feed carries the appointment.
EXPECTED = {
    "psychologist": {**OPEN_TO_DOCTOR, **CHAT, "feed": True},
    "patient": {**OPEN, **CHAT},
    "guardian": {**OPEN, **CHAT},
    "other_doctor_before_sharing": {**CLOSED, **NO_CHAT, "feed": False},
    # Shared: the page, questionnaire and files as for any colleague's appointment; the chat stays the pair's own,
    # and his feed holds only his own appointments.
    "other_doctor_shared": {**OPEN_TO_DOCTOR, **NO_CHAT, "feed": False},
    "other_doctor_withdrawn": {**CLOSED, **NO_CHAT, "feed": False},
    # Reception's patient card lists the time, status, doctor and service, never the reason; no chat; no files even
    # where the clinic lets reception download the others (RECEPTION_CAN_DOWNLOAD_FILES is on here).
    "reception": {"page": 200, "reason": False, "ics_file": 200, **NO_CHAT, "download": 404, "file_list": False},
    # The methodologist's page is the queue.
    "methodologist": {"page": 200, "reason": False, "ics_file": 404, **NO_CHAT, "download": 404, "file_list": False},
    "methodologist_shared": {"page": 200, "download": 302, "file_list": True},
}
CELLS = [(row, column) for row in ROWS for column in EXPECTED[row]]


class Clinic:
    """The people and rows of the scenario, and the signed-in HTTP and socket clients of each person."""

    def __init__(self, app):
        self.app = app
        psychology = factories.specialty(sensitive=True)
        self.psychologist = factories.doctor(restricted=True, specialties=[psychology])
        self.other_doctor = factories.doctor()
        self.therapist = factories.doctor()
        self.patient = factories.patient()
        self.guardian = factories.user(Role.PATIENT)
        _db.session.add(Guardianship(guardian=self.guardian, patient=self.patient, legal_basis="Court order"))
        self.reception = factories.user(Role.RECEPTION)
        self.methodologist = factories.user(Role.METHODOLOGIST)
        soon = datetime.now(UTC) + timedelta(hours=1)
        # Within the chat window, so the patient can send files in both chats.
        self.sensitive = factories.appointment(
            self.patient, self.psychologist, soon, of_service=factories.service(of=psychology)
        )
        self.others_own = factories.appointment(self.patient, self.other_doctor, soon + timedelta(hours=1))
        self.ordinary = factories.appointment(self.patient, self.therapist, soon + timedelta(hours=2))
        _db.session.add(Intake(appointment=self.sensitive, reason=SENSITIVE_REASON))
        _db.session.add(Intake(appointment=self.ordinary, reason=ORDINARY_REASON))
        for doctor in (self.psychologist, self.other_doctor):
            doctor.specialist_profile.calendar_token = uuid.uuid4().hex
        _db.session.commit()
        self.clients = {}

    def http(self, user):
        """A client signed in as the user through the real form (one per person)."""
        if user.id not in self.clients:
            client = self.app.test_client()
            assert client.sign_in(user.email).status_code == 302
            with self.app.app_context():
                sock = socketio.test_client(self.app, namespace="/chat", flask_test_client=client)
            sock.fresh_context = self.app.app_context
            self.clients[user.id] = (client, sock)
        return self.clients[user.id][0]

    def sock(self, user):
        """The user's /chat connection on the same session."""
        self.http(user)
        return self.clients[user.id][1]

    def send_image(self, appointment) -> tuple[str, str]:
        """The patient sends an image in the appointment's chat, as the chat page does; returns the file's and the
        message's ids."""
        client = self.http(self.patient.user)
        uploaded = client.post(
            f"/files?kind=chat_attachment&appointment={appointment.public_id}",
            data=io.BytesIO(PNG),
            headers={
                "X-Filename": "photo.png",
                "Content-Type": "image/png",
                "Accept": "application/json",
                "X-CSRFToken": client.csrf_token(),
            },
        )
        assert uploaded.status_code == 201, uploaded.get_data(as_text=True)
        file_id = uploaded.get_json()["id"]
        # Sent as a lab result, so the methodologist's queue would take it but for the sensitivity rule.
        sent = send(self.sock(self.patient.user), appointment, "see this", file=file_id, lab_result=True)
        assert sent["ok"], sent
        return file_id, sent["message"]["id"]


def _text(response) -> str:
    """A page's text, or nothing for a refusal."""
    return response.get_data(as_text=True) if response.status_code == 200 else ""


def observe(clinic: Clinic, user, sent: tuple[str, str]) -> dict:
    """Everything one person can learn of the sensitive appointment, cell by cell."""
    appointment = clinic.sensitive
    image, message = sent
    client = clinic.http(user)
    acks = {
        # history asks for the page before the image's message: the thread's earlier messages (none here).
        event: ask(clinic.sock(user), event, appointment=str(appointment.public_id), before=message)
        for event in ("join", "history")
    }
    seen = {event: "ok" if ack.get("ok") else ack.get("error") for event, ack in acks.items()}
    seen["ics_file"] = client.get(f"/calendar/appointments/{appointment.public_id}.ics").status_code
    seen["download"] = client.get(f"/files/{image}").status_code
    if user.role == Role.DOCTOR:
        page = client.get(f"/doctor/appointments/{appointment.public_id}")
        own = appointment if user.id == clinic.psychologist.id else clinic.others_own
        seen["file_list"] = image in _text(client.get(f"/doctor/appointments/{own.public_id}"))
        seen["side_panel"] = image in _text(client.get(f"/doctor/appointments/{own.public_id}/chat"))
        feed = client.get(f"/calendar/feed/{user.specialist_profile.calendar_token}.ics").get_data(as_text=True)
        seen["feed"] = str(appointment.public_id) in feed
    elif user.role == Role.PATIENT:
        page = client.get(f"/patient/appointments/{appointment.public_id}")
        seen["file_list"] = image in _text(client.get(f"/patient/files?for={clinic.patient.public_id}"))
    elif user.role == Role.RECEPTION:
        page = client.get(f"/reception/patients/{clinic.patient.public_id}")
        seen["file_list"] = image in _text(page)
    else:
        page = client.get("/methodologist/")
        seen["file_list"] = image in _text(page)
    seen["page"] = page.status_code
    seen["reason"] = SENSITIVE_REASON in _text(page)
    return seen


@pytest.fixture(scope="module")
def matrix(postgres_server, postgres_template, tmp_path_factory):
    """The scenario run once: each row's observations, and what the other doctor sees of an ordinary appointment."""
    name = f"clinic_sensitive_{os.getpid()}"
    postgres_server.execute(f"CREATE DATABASE {name} TEMPLATE {postgres_template}")
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": postgres_server.url(name),
            "SECRET_KEY": os.urandom(16).hex(),
            "RATELIMIT_STORAGE_URI": "memory://",
            "REDIS_URL": "",
            "STORAGE_LOCAL_PATH": str(tmp_path_factory.mktemp("storage")),
            "CHAT_SEND_LIMIT": "1000 per minute",
            "RECEPTION_CAN_DOWNLOAD_FILES": True,
        }
    )
    app.test_client_class = ClinicClient
    with app.app_context():
        clinic = Clinic(app)
        image = clinic.send_image(clinic.sensitive)
        ordinary_image = clinic.send_image(clinic.ordinary)
        seen = {
            "psychologist": observe(clinic, clinic.psychologist, image),
            "patient": observe(clinic, clinic.patient.user, image),
            "guardian": observe(clinic, clinic.guardian, image),
            "other_doctor_before_sharing": observe(clinic, clinic.other_doctor, image),
            "reception": observe(clinic, clinic.reception, image),
            "methodologist": observe(clinic, clinic.methodologist, image),
        }
        patient = clinic.http(clinic.patient.user)
        url = f"/patient/appointments/{clinic.sensitive.public_id}"
        assert patient.submit(f"{url}/share", {"confirm": "y"}).status_code == 303
        seen["other_doctor_shared"] = observe(clinic, clinic.other_doctor, image)
        seen["methodologist_shared"] = observe(clinic, clinic.methodologist, image)
        assert patient.submit(f"{url}/stop-sharing").status_code == 303
        seen["other_doctor_withdrawn"] = observe(clinic, clinic.other_doctor, image)
        ordinary = _ordinary(clinic, ordinary_image)
        yield seen, ordinary
        _db.session.remove()
        _db.engine.dispose()
    postgres_server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _ordinary(clinic: Clinic, sent: tuple[str, str]) -> dict:
    """What the other doctor and the methodologist see of the therapist's ordinary appointment (never shared)."""
    image, _message = sent
    doctor = clinic.http(clinic.other_doctor)
    page = doctor.get(f"/doctor/appointments/{clinic.ordinary.public_id}")
    return {
        "page": page.status_code,
        "reason": ORDINARY_REASON in _text(page),
        "download": doctor.get(f"/files/{image}").status_code,
        "side_panel": image in _text(doctor.get(f"/doctor/appointments/{clinic.others_own.public_id}/chat")),
        "queue": image in _text(clinic.http(clinic.methodologist).get("/methodologist/")),
    }


@pytest.mark.parametrize(("row", "column"), CELLS, ids=[f"{row}-{column}" for row, column in CELLS])
def test_sensitive_appointment_visibility(matrix, row, column):
    """One cell of the matrix: what this person gets in this place."""
    seen, _ordinary_seen = matrix
    assert seen[row][column] == EXPECTED[row][column]


def test_an_ordinary_appointment_stays_open_to_the_other_treating_doctor(matrix):
    """No over-blocking: the therapist's appointment of the same patient opens for the other doctor with its reason,
    its chat image downloads and shows in his side panel, and the methodologist's queue lists it."""
    _seen, ordinary = matrix
    assert ordinary == {"page": 200, "reason": True, "download": 302, "side_panel": True, "queue": True}
