"""One kind of refusal: every domain "no" is a Refusal, answered alike as JSON, a page, a form error, a flash or an ack."""

import ast
import io
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from app.files.services import FileTooLarge, UploadRefused
from app.models import AppointmentStatus, Guardianship, Role, StoredFile
from app.patients.guardianship import GuardianshipRefused
from app.refusals import Refusal
from app.scheduling.booking import BookingError
from app.scheduling.chat_window import ExtensionRefused, extend_window
from app.scheduling.hours import ScheduleError, add_stretch
from app.scheduling.status import StatusChangeRefused, apply_action, refusal
from chat.service import REFUSALS, ChatRefused
from tests import factories
from tests.chat.conftest import ask

# The chat's signed-in socket fixture, shared with this module (the explicit re-export keeps linters content).
from tests.chat.conftest import connect as connect

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# The six refusal types of the domain and the guardianship's.
KINDS = (
    BookingError,
    StatusChangeRefused,
    ScheduleError,
    UploadRefused,
    FileTooLarge,
    ChatRefused,
    ExtensionRefused,
    GuardianshipRefused,
)

# --- Every refusal is a Refusal ---


def test_every_domain_refusal_is_a_refusal():
    """Each kind of "no" subclasses the one base."""
    assert all(issubclass(kind, Refusal) for kind in KINDS)


def _refusals_raised_by_the_domain():
    """Refusals as the domain raises them, each with the code and status it must carry."""
    now = datetime.now(UTC)
    started = factories.appointment(status=AppointmentStatus.IN_PROGRESS)
    cancelled = factories.appointment(status=AppointmentStatus.CANCELLED)
    doctor = factories.doctor()
    add_stretch(doctor, 0, time(9), time(13))
    cases = [
        (lambda: apply_action(started, "start", Role.DOCTOR, now), StatusChangeRefused, "status", 409),
        (lambda: apply_action(started, "arrive", Role.DOCTOR, now), StatusChangeRefused, "unavailable", 409),
        (
            lambda: add_stretch(doctor, 0, time(12), time(14)),
            ScheduleError,
            "overlap",
            422,
        ),
        (lambda: extend_window(cancelled, 60, now), ExtensionRefused, "cancelled", 409),
        (lambda: extend_window(started, 0, now), ExtensionRefused, "bad_request", 422),
    ]
    for action, kind, code, status in cases:
        with pytest.raises(kind) as refused:
            action()
        yield refused.value, code, status


def test_domain_refusals_carry_a_code_a_status_and_words(app, db):
    """Each refusal names a stable code, an HTTP status and a sentence for people (not the code itself)."""
    for refused, code, status in _refusals_raised_by_the_domain():
        assert (refused.code, refused.status) == (code, status)
        assert str(refused) and str(refused) != code


@pytest.mark.parametrize(
    ("refused", "code", "status"),
    [
        (BookingError("slot_taken", "taken"), "slot_taken", 409),
        (BookingError("changed", "changed"), "changed", 409),
        (BookingError("past", "past"), "past", 422),
        (UploadRefused("not_accepted", "no"), "not_accepted", 415),
        (FileTooLarge(5), "too_large", 413),
        (GuardianshipRefused("no_account", "nobody"), "no_account", 422),
    ],
)
def test_statuses_by_kind(app, refused, code, status):
    """Conflicts with the current state answer 409, oversized files 413, files of the wrong type 415, else 422."""
    assert (refused.code, refused.status) == (code, status)


@pytest.mark.parametrize("code", sorted(REFUSALS))
def test_every_chat_refusal_has_words(app, code):
    """Chat codes that used to travel bare now say something a person understands, in both languages."""
    refused = ChatRefused(code)
    assert refused.code == code and refused.as_ack() == {"ok": False, "error": code}
    with force_locale("ru"):
        russian = str(refused)
    assert str(refused) != code and russian != str(refused)


def test_the_message_is_rendered_in_the_language_it_is_shown_in(app, db):
    """A refusal made while one language is active reads in the language of the moment it is shown."""
    with force_locale("en"):
        refused = refusal(factories.appointment(), "fly", Role.DOCTOR, datetime.now(UTC))
    assert str(refused) == "That action is not available."
    with force_locale("ru"):
        assert str(refused) == "Это действие недоступно."


# --- The JSON handler and the error page ---


def test_a_refused_upload_answers_json_with_code_and_status(client, login_as, db):
    """fetch() clients get {error, code, status} with the refusal's status, and nothing is stored."""
    login_as(Role.PATIENT)
    response = client.post(
        "/files",
        query_string={"kind": "lab_result"},
        data={"csrf_token": client.csrf_token(), "file": (io.BytesIO(b"<svg/>"), "scan.svg", "image/svg+xml")},
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 415
    body = response.get_json()
    assert (body["code"], body["status"]) == ("not_accepted", 415)
    assert body["error"].startswith("This kind of file is not accepted here.")
    assert db.session.scalar(sa.select(sa.func.count(StoredFile.id))) == 0


def test_an_upload_to_a_closed_chat_is_refused_as_json(client, db):
    """A chat file for an appointment whose chat has closed: 403 with the reason and its code."""
    long_ago = datetime.now(UTC) - timedelta(days=30)
    appointment = factories.appointment(starts_at=long_ago)
    client.sign_in(appointment.doctor.email)
    response = client.post(
        "/files",
        query_string={"kind": "chat_attachment", "appointment": str(appointment.public_id)},
        data={"csrf_token": client.csrf_token(), "file": (io.BytesIO(PDF), "a.pdf", "application/pdf")},
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 403
    assert response.get_json() == {
        "error": "The chat is closed, so files cannot be sent.",
        "code": "chat_closed",
        "status": 403,
    }


@pytest.mark.parametrize(("accept", "json"), [("application/json", True), ("text/html", False)], ids=["json", "page"])
def test_a_refusal_no_view_answers_reaches_the_handler(app, accept, json):
    """A refusal escaping a view is answered by app.errors: JSON for API clients, the error page for browsers."""
    refused = BookingError("slot_taken", "This time was just taken. Please choose another slot.")
    with app.test_request_context("/", headers={"Accept": accept}):
        response = app.make_response(app.handle_user_exception(refused))
    assert response.status_code == 409
    if json:
        assert response.get_json() == {
            "error": "This time was just taken. Please choose another slot.",
            "code": "slot_taken",
            "status": 409,
        }
    else:
        page = response.get_data(as_text=True)
        assert "409" in page and "This time was just taken. Please choose another slot." in page


# --- Forms, flashes and acknowledgements ---


def test_a_guardian_already_recorded_is_a_conflict_on_the_email_field(client, login_as, db):
    """Recording a current guardian again answers 409 with the reason under the e-mail; an ended one is renewed."""
    login_as(Role.RECEPTION)
    parent = factories.user(Role.PATIENT)
    child = factories.patient()
    url = f"/reception/patients/{child.public_id}/guardians"
    data = {"email": parent.email, "legal_basis": "Birth certificate"}
    assert client.submit(url, data).status_code == 302

    again = client.submit(url, data)

    assert again.status_code == 409
    page = again.get_data(as_text=True)
    email_field = page.split('name="email"')[1].split('name="legal_basis"')[0]
    assert "This guardian is already recorded." in email_field
    assert client.submit(f"{url}/{parent.public_id}/end").status_code == 302
    renewed = client.submit(url, {"email": parent.email, "legal_basis": "Court decision"})
    assert renewed.status_code == 302
    link = db.session.scalars(sa.select(Guardianship)).one()
    db.session.refresh(link)
    assert (link.active, link.legal_basis) == (True, "Court decision")


def test_a_refused_extension_is_flashed_in_words(client, db):
    """The doctor's page says why a cancelled appointment's chat cannot be extended, and nothing changes."""
    appointment = factories.appointment(status=AppointmentStatus.CANCELLED)
    client.sign_in(appointment.doctor.email)
    response = client.submit(
        f"/doctor/appointments/{appointment.public_id}/chat/extend", {"minutes": "1440"}, follow_redirects=True
    )
    assert "The appointment was cancelled; its chat cannot be extended." in response.get_data(as_text=True)
    db.session.refresh(appointment)
    assert appointment.chat_closes_at is None


def test_a_refused_extension_over_the_socket_acknowledges_its_code(app, connect, db):
    """The window's refusals reach the socket client as acknowledgements with their code, like the chat's own."""
    appointment = factories.appointment(status=AppointmentStatus.CANCELLED)
    sock = connect(appointment.doctor)
    target = str(appointment.public_id)
    assert ask(sock, "extend", appointment=target, minutes=0) == {"ok": False, "error": "bad_request"}
    assert ask(sock, "extend", appointment=target, minutes=60) == {"ok": False, "error": "cancelled"}
    db.session.refresh(appointment)
    assert appointment.chat_closes_at is None


# --- No view maps refusals to statuses by hand ---

ROOT = Path(__file__).resolve().parents[2]
# Where requests are answered: cabinets, chat pages and handlers, file routes, error handlers.
VIEW_MODULES = ("roles", "chat/events.py", "chat/pages.py", "app/files/views.py", "app/errors.py", "video")
REFUSAL_NAMES = {"Refusal"} | {kind.__name__ for kind in KINDS}


def _hand_mappings(source: str) -> list[str]:
    """Lines where a view decides a refusal's status itself: an HTTP status written inside `except <Refusal>`,
    a refusal code compared with a literal or a set, or the retired `http_status`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            caught = {n.id if isinstance(n, ast.Name) else getattr(n, "attr", "") for n in ast.walk(node.type)}
            if caught & REFUSAL_NAMES:
                for inner in ast.walk(ast.Module(body=node.body, type_ignores=[])):
                    if isinstance(inner, ast.Constant) and type(inner.value) is int and 400 <= inner.value < 600:
                        found.append(
                            f"line {inner.lineno}: status {inner.value} inside except {ast.unparse(node.type)}"
                        )
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            names_code = any(getattr(side, "id", getattr(side, "attr", None)) == "code" for side in sides)
            against = any(
                (isinstance(side, ast.Constant) and isinstance(side.value, str))
                or (isinstance(side, ast.Name) and side.id.isupper())
                for side in sides
            )
            if names_code and against:
                found.append(f"line {node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.Attribute) and node.attr == "http_status":
            found.append(f"line {node.lineno}: http_status")
    return found


def test_the_check_recognises_hand_mapping():
    """The patterns the views used before app/refusals.py are caught, so the scan below means something."""
    before = """
try:
    book()
except BookingError as refused:
    status = 409
try:
    extend()
except ExtensionRefused as refused:
    if refused.code == "cancelled":
        pass
status = 409 if refused.code in CONFLICTS else 422
status = refused.http_status
"""
    assert len(_hand_mappings(before)) == 4
    after = """
try:
    book()
except BookingError as refused:
    status = refuse(form, refused)
"""
    assert _hand_mappings(after) == []


def test_no_view_maps_refusals_to_statuses_by_hand():
    """Every view takes a refusal's status from the refusal (app/refusals.py), never from a table of its own."""
    offenders = {}
    for entry in VIEW_MODULES:
        path = ROOT / entry
        for module in [path] if path.is_file() else sorted(path.rglob("*.py")):
            found = _hand_mappings(module.read_text(encoding="utf-8"))
            if found:
                offenders[str(module.relative_to(ROOT))] = found
    assert offenders == {}
