"""Chat files reach the methodologist only when marked as lab results: by the sender (`send` with `lab_result`) or
by the appointment's doctor afterwards; unmarked ones stay between the patient and the doctor."""

import io
import os
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.models import AuditEvent, ChatMessage, Role, StoredFile
from tests import factories
from tests.chat.conftest import PDF, ask, received, send, upload

PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(2_000)


def upload_image(http, appointment, name="rash.png"):
    """A chat image, uploaded as the chat's upload.js does; returns its file id."""
    response = upload(http, appointment, PNG, name, "image/png")
    assert response.status_code == 201, response.get_json()
    return response.json["id"]


@pytest.fixture
def methodologist(app):
    """A signed-in methodologist's HTTP client."""
    http = app.test_client()
    assert http.sign_in(factories.user(Role.METHODOLOGIST).email).status_code == 302
    return http


def queue(http) -> str:
    """The methodologists' queue page."""
    response = http.get("/methodologist/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def download(http, file_id) -> bytes | int:
    """Follow the download link like a browser: the bytes, or the status when refused."""
    link = http.get(f"/files/{file_id}")
    if link.status_code != 302:
        return link.status_code
    return http.get(link.location).get_data()


def mark(http, file_id, marked: bool, back="/doctor/"):
    """The doctor's "Mark as test result" / "Unmark" button."""
    return http.submit(f"/doctor/files/{file_id}/lab-result", {"marked": "1" if marked else "0", "next": back})


def test_an_unmarked_chat_image_stays_out_of_the_queue_and_answers_404(connect, pair, methodologist):
    """A patient's image sent without the flag is not listed for the methodologist and its link is 404."""
    doctor, patient_user, appointment = pair
    patient_sock = connect(patient_user)
    file_id = upload_image(patient_sock.http, appointment)
    message = send(patient_sock, appointment, "a rash on my arm", file=file_id)["message"]

    assert message["file"]["lab_result"] is False
    assert file_id not in queue(methodologist) and "rash.png" not in queue(methodologist)
    assert download(methodologist, file_id) == 404
    # The chat's doctor still opens it.
    assert download(connect(doctor).http, file_id) == PNG


def test_a_file_sent_as_a_lab_result_is_queued_and_opens_for_the_methodologist(connect, pair, methodologist, db):
    """With `lab_result: true` the stored file is marked, the room sees the mark, the queue lists it and its link
    serves exactly the bytes sent."""
    doctor, patient_user, appointment = pair
    doctor_sock, patient_sock = connect(doctor), connect(patient_user)
    ask(doctor_sock, "join", appointment=str(appointment.public_id))
    received(doctor_sock)
    file_id = upload_image(patient_sock.http, appointment, name="glucose.png")

    ack = send(patient_sock, appointment, "my glucose test", file=file_id, lab_result=True)

    assert ack["ok"] and ack["message"]["file"]["lab_result"] is True
    assert received(doctor_sock)["message"][0]["file"]["lab_result"] is True
    stored = db.session.scalar(sa.select(StoredFile))
    assert stored.lab_result_marked_by_id == patient_user.id and stored.lab_result_marked_at is not None
    page = queue(methodologist)
    assert f"/files/{file_id}" in page and "glucose.png" in page and "Test result" in page
    assert download(methodologist, file_id) == PNG


def test_a_guardian_marks_what_they_send_for_the_child(connect, methodologist):
    """A guardian writing for a dependant sends a lab result the same way."""
    guardian = factories.user(Role.PATIENT)
    child = factories.dependant(guardian)
    appointment = factories.appointment(child, factories.doctor(), datetime.now(UTC) + timedelta(hours=1))
    guardian_sock = connect(guardian)
    file_id = upload(guardian_sock.http, appointment, name="child-blood.pdf").json["id"]

    assert send(guardian_sock, appointment, "", file=file_id, lab_result=True)["ok"]

    assert "child-blood.pdf" in queue(methodologist)


def test_the_doctor_marks_an_earlier_attachment_and_unmarks_it(connect, pair, methodologist, db):
    """The doctor's button puts an unmarked file in the queue and takes it out again; the patient's open chat hears
    each change; both changes are audited once."""
    doctor, patient_user, appointment = pair
    patient_sock, doctor_sock = connect(patient_user), connect(doctor)
    file_id = upload(patient_sock.http, appointment, name="ecg.pdf").json["id"]
    message_id = send(patient_sock, appointment, "the ECG from last week", file=file_id)["message"]["id"]
    ask(patient_sock, "join", appointment=str(appointment.public_id))
    received(patient_sock)
    chat_page = f"/doctor/appointments/{appointment.public_id}/chat"
    page = doctor_sock.http.get(chat_page).get_data(as_text=True)
    assert f"/doctor/files/{file_id}/lab-result" in page and "Mark as test result" in page
    assert "ecg.pdf" not in queue(methodologist)

    marked = mark(doctor_sock.http, file_id, True, back=chat_page)

    assert marked.status_code == 303 and marked.location == chat_page
    assert "ecg.pdf" in queue(methodologist)
    assert download(methodologist, file_id) == PDF
    change = {"thread": None, "message": message_id, "file": file_id, "lab_result": True}
    heard = received(patient_sock)["lab_result"]
    change["thread"] = heard[0]["thread"]
    assert heard == [change]
    assert "Unmark" in doctor_sock.http.get(chat_page).get_data(as_text=True)

    assert mark(doctor_sock.http, file_id, False).status_code == 303

    assert "ecg.pdf" not in queue(methodologist)
    assert download(methodologist, file_id) == 404
    assert received(patient_sock)["lab_result"] == [change | {"lab_result": False}]
    stored = db.session.scalar(sa.select(StoredFile))
    assert stored.lab_result_marked_at is None and stored.lab_result_marked_by_id is None
    audit = db.session.execute(
        sa.select(AuditEvent.action, AuditEvent.actor_id)
        .where(AuditEvent.action.like("%lab_result"))
        .order_by(AuditEvent.id)
    ).all()
    assert [tuple(row) for row in audit] == [("mark_lab_result", doctor.id), ("unmark_lab_result", doctor.id)]


def test_marking_twice_changes_and_audits_once(connect, pair, db):
    """A second "mark" (another tab) finds the file marked already: no second audit row, no second event."""
    doctor, patient_user, appointment = pair
    patient_sock, doctor_sock = connect(patient_user), connect(doctor)
    file_id = upload(patient_sock.http, appointment).json["id"]
    send(patient_sock, appointment, "", file=file_id)

    assert mark(doctor_sock.http, file_id, True).status_code == 303
    assert mark(doctor_sock.http, file_id, True).status_code == 303

    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "mark_lab_result")) == 1


def test_the_appointment_page_offers_the_mark_too(connect, pair):
    """The doctor's appointment page lists the chat file with the same action."""
    doctor, patient_user, appointment = pair
    file_id = upload(connect(patient_user).http, appointment).json["id"]
    http = connect(doctor).http

    page = http.get(f"/doctor/appointments/{appointment.public_id}").get_data(as_text=True)

    assert f"/doctor/files/{file_id}/lab-result" in page


def test_only_the_appointments_doctor_may_mark(connect, pair, app, db):
    """The patient reaches the doctor's action not at all (403, the cabinet's gate); another doctor gets 404, even
    for a patient they also treat; a lab result upload is not a chat file to mark (404); nothing changes."""
    doctor, patient_user, appointment = pair
    patient_sock = connect(patient_user)
    file_id = upload(patient_sock.http, appointment).json["id"]
    send(patient_sock, appointment, "", file=file_id)
    colleague = factories.doctor()
    factories.appointment(patient_user.patient_profile, colleague, datetime.now(UTC) + timedelta(days=3))
    colleague_http = app.test_client()
    colleague_http.sign_in(colleague.email)
    lab = patient_sock.http.post(
        "/files?kind=lab_result",
        data={"csrf_token": patient_sock.http.csrf_token(), "file": (io.BytesIO(PNG), "lab.png", "image/png")},
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    ).json["id"]

    assert mark(patient_sock.http, file_id, True).status_code == 403
    assert mark(colleague_http, file_id, True).status_code == 404
    doctor_http = connect(doctor).http
    assert mark(doctor_http, lab, False).status_code == 404
    assert mark(doctor_http, "not-a-uuid", True).status_code == 404

    assert db.session.scalar(sa.select(sa.func.count()).where(StoredFile.lab_result_marked_at.is_not(None))) == 0
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "mark_lab_result")) == 0


def test_a_mark_without_a_valid_form_or_csrf_token_is_refused(connect, pair, db):
    """A malformed value answers 400 and a missing CSRF token 400: the mark stays off."""
    doctor, patient_user, appointment = pair
    file_id = upload(connect(patient_user).http, appointment).json["id"]
    http = connect(doctor).http

    assert http.submit(f"/doctor/files/{file_id}/lab-result", {"marked": "yes"}).status_code == 400
    assert http.post(f"/doctor/files/{file_id}/lab-result", data={"marked": "1"}).status_code == 400

    assert db.session.scalar(sa.select(StoredFile.lab_result_marked_at)) is None


@pytest.mark.parametrize("flag", ["true", 1, None, [], {"yes": True}])
def test_a_lab_result_flag_of_the_wrong_type_is_a_bad_request(connect, pair, db, flag):
    """Only a boolean is accepted: anything else answers bad_request and stores nothing."""
    _doctor, patient_user, appointment = pair
    patient_sock = connect(patient_user)
    file_id = upload(patient_sock.http, appointment).json["id"]

    assert send(patient_sock, appointment, "results", file=file_id, lab_result=flag) == {
        "ok": False,
        "error": "bad_request",
    }

    assert db.session.scalar(sa.select(sa.func.count(ChatMessage.id))) == 0
    assert db.session.scalar(sa.select(StoredFile.lab_result_marked_at)) is None


def test_the_flag_on_a_message_without_a_file_marks_nothing(connect, pair, db):
    """`lab_result: true` with text only is stored as an ordinary message."""
    _doctor, patient_user, appointment = pair

    ack = send(connect(patient_user), appointment, "results tomorrow", lab_result=True)

    assert ack["ok"] and "file" not in ack["message"]


def test_lab_results_uploaded_as_such_still_reach_the_queue(connect, pair, methodologist):
    """The patient's own lab-result upload (not the chat) is in the queue without any mark, and opens."""
    _doctor, patient_user, _appointment = pair
    http = connect(patient_user).http
    uploaded = http.post(
        "/files?kind=lab_result",
        data={"csrf_token": http.csrf_token(), "file": (io.BytesIO(PNG), "Анализ крови.png", "image/png")},
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )
    assert uploaded.status_code == 201

    assert "Анализ крови.png" in queue(methodologist)
    assert download(methodologist, uploaded.json["id"]) == PNG
