"""The chat pages: lists, the room with history and markers, extension form, chat files and refusals."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.models import AuditEvent, ChatMessage, FileKind, Intake, StoredFile
from tests import factories
from tests.chat.conftest import PDF, send, upload


def test_the_patient_page_shows_the_history_escaped(client, connect, pair):
    """The page renders stored messages as text: a script tag is shown, never run."""
    doctor, patient_user, appointment = pair
    send(connect(doctor), appointment, "<script>alert(1)</script>")
    client.sign_in(patient_user.email)

    page = client.get(f"/patient/appointments/{appointment.public_id}/chat").get_data(as_text=True)

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert doctor.display_name in page
    assert 'id="chat-form"' in page and "hidden" not in page.split('id="chat-form"')[1].split(">")[0]


def test_the_doctor_page_shows_questionnaire_history_and_files_beside_the_chat(client, pair, db):
    """Staff see the questionnaire, earlier visits and the patient's files next to the chat; opening is audited."""
    doctor, patient_user, appointment = pair
    earlier = factories.appointment(patient_user.patient_profile, doctor, appointment.starts_at - timedelta(days=30))
    db.session.add(
        Intake(appointment=appointment, reason="Persistent cough", complaints="", medication="", remote_consent=True)
    )
    db.session.commit()
    client.sign_in(doctor.email)

    response = client.get(f"/doctor/appointments/{appointment.public_id}/chat")
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "Persistent cough" in page
    assert f"/doctor/appointments/{earlier.public_id}" in page
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).filter_by(action="view_chat")) == 1


def test_the_history_marks_where_each_appointment_began(client, connect, pair, db):
    """One thread across two appointments: a marker before each appointment's part, in order."""
    doctor, patient_user, appointment = pair
    earlier = factories.appointment(patient_user.patient_profile, doctor, datetime.now(UTC) - timedelta(hours=3))
    sock = connect(doctor)
    send(sock, earlier, "about the first visit")
    send(sock, appointment, "about this visit")
    client.sign_in(doctor.email)

    page = client.get(f"/doctor/appointments/{appointment.public_id}/chat").get_data(as_text=True)

    first_marker = page.index(
        f'class="chat-marker text-center small text-muted my-2" data-appointment="{earlier.public_id}"'
    )
    second_marker = page.index(f'data-appointment="{appointment.public_id}">')
    assert first_marker < page.index("about the first visit") < second_marker < page.index("about this visit")


def test_other_peoples_chat_pages_answer_404(app, pair):
    """Another patient, or another doctor, gets 404 for the chat page."""
    _doctor, _patient_user, appointment = pair
    patient_http, doctor_http = app.test_client(), app.test_client()
    patient_http.sign_in(factories.user(factories.Role.PATIENT).email)
    assert patient_http.get(f"/patient/appointments/{appointment.public_id}/chat").status_code == 404
    doctor_http.sign_in(factories.doctor().email)
    assert doctor_http.get(f"/doctor/appointments/{appointment.public_id}/chat").status_code == 404


def test_chat_lists_group_by_doctor_and_show_unread(app, client, connect, pair):
    """The patient's list shows the doctor with the unread badge; the doctor's list shows the appointment."""
    doctor, patient_user, appointment = pair
    thread = send(connect(doctor), appointment, "news")["message"]["thread"]
    client.sign_in(patient_user.email)

    patient_list = client.get("/patient/chats").get_data(as_text=True)
    assert doctor.display_name in patient_list
    assert f'data-unread-thread="{thread}"' in patient_list
    assert f'data-unread-thread="{thread}" >1</span>' in patient_list.replace("  ", " ")
    # The navbar badge on every cabinet page.
    cabinet = client.get("/patient/").get_data(as_text=True)
    assert "data-unread-total >1</span>" in cabinet.replace("  ", " ")

    doctor_http = app.test_client()
    doctor_http.sign_in(doctor.email)
    doctor_list = doctor_http.get("/doctor/chats").get_data(as_text=True)
    assert patient_user.patient_profile.full_name in doctor_list
    assert f"/doctor/appointments/{appointment.public_id}/chat" in doctor_list


def test_the_doctor_extends_the_chat_from_the_page(app, client, pair, db):
    """The +1 day button moves the closing time and says until when; a stranger's POST is 404."""
    doctor, _patient_user, appointment = pair
    client.sign_in(doctor.email)

    response = client.submit(f"/doctor/appointments/{appointment.public_id}/chat/extend", {"minutes": "1440"})

    assert response.status_code == 302
    db.session.refresh(appointment)
    assert appointment.chat_closes_at.astimezone(UTC) == appointment.ends_at.astimezone(UTC) + timedelta(days=2)
    assert "The chat is now open until" in client.get(response.location).get_data(as_text=True)
    stranger = app.test_client()
    stranger.sign_in(factories.doctor().email)
    refused = stranger.submit(f"/doctor/appointments/{appointment.public_id}/chat/extend", {"minutes": "60"})
    assert refused.status_code == 404


def test_an_extension_form_without_a_choice_explains(client, pair, db):
    """Neither a quick choice nor a date: the page says what is missing and nothing changes."""
    doctor, _patient_user, appointment = pair
    client.sign_in(doctor.email)
    response = client.submit(f"/doctor/appointments/{appointment.public_id}/chat/extend", {}, follow_redirects=True)
    assert "Choose an extension or a date." in response.get_data(as_text=True)
    db.session.refresh(appointment)
    assert appointment.chat_closes_at is None


def test_a_pdf_goes_into_the_chat_and_the_doctor_can_open_it(connect, pair, db):
    """Upload, then send with the file id: the message carries the file and its link serves the bytes."""
    doctor, patient_user, appointment = pair
    patient_sock = connect(patient_user)
    uploaded = upload(patient_sock.http, appointment)
    assert uploaded.status_code == 201

    message = send(patient_sock, appointment, "my results", file=uploaded.json["id"])["message"]

    assert message["file"] == {
        "id": uploaded.json["id"],
        "name": "analysis.pdf",
        "content_type": "application/pdf",
        "size": len(PDF),
        "lab_result": False,
    }
    stored = db.session.scalar(sa.select(StoredFile))
    assert stored.kind == FileKind.CHAT_ATTACHMENT and stored.appointment_id == appointment.id
    doctor_http = connect(doctor).http
    link = doctor_http.get(f"/files/{uploaded.json['id']}")
    assert link.status_code == 302
    assert doctor_http.get(link.location).get_data() == PDF


def test_a_file_cannot_be_sent_twice_or_by_someone_else(connect, pair):
    """A file already in a message, or uploaded by another person, is refused as bad_file."""
    doctor, patient_user, appointment = pair
    patient_sock, doctor_sock = connect(patient_user), connect(doctor)
    file_id = upload(patient_sock.http, appointment).json["id"]
    assert send(patient_sock, appointment, "", file=file_id)["ok"]

    assert send(patient_sock, appointment, "again", file=file_id) == {"ok": False, "error": "bad_file"}
    assert send(doctor_sock, appointment, "theirs", file=file_id) == {"ok": False, "error": "bad_file"}


def test_chat_files_are_refused_for_strangers_and_closed_chats(connect, pair, db):
    """Uploading into another person's chat is 404; into a closed chat 403 with a reason; nothing is stored."""
    _doctor, patient_user, appointment = pair
    stranger = connect(factories.user(factories.Role.PATIENT))
    assert upload(stranger.http, appointment).status_code == 404
    appointment.starts_at -= timedelta(days=5)
    appointment.ends_at -= timedelta(days=5)
    db.session.commit()
    refused = upload(connect(patient_user).http, appointment)
    assert refused.status_code == 403
    assert "closed" in refused.json["error"]
    assert db.session.scalar(sa.select(sa.func.count(StoredFile.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(ChatMessage.id))) == 0


def test_calendars_and_appointment_pages_link_to_the_chat(app, client, pair):
    """The doctor's day and week, the doctor's appointment page and the patient's cabinet open the chat."""
    doctor, patient_user, appointment = pair
    chat_url = f"/doctor/appointments/{appointment.public_id}/chat"
    client.sign_in(doctor.email)
    # The doctor's own local day (factories make doctors in Europe/Moscow).
    day = appointment.starts_at.astimezone(ZoneInfo(doctor.timezone)).date().isoformat()
    assert chat_url in client.get(f"/doctor/?date={day}").get_data(as_text=True)
    assert chat_url in client.get(f"/doctor/week?date={day}").get_data(as_text=True)
    assert chat_url in client.get(f"/doctor/appointments/{appointment.public_id}").get_data(as_text=True)
    patient_http = app.test_client()
    patient_http.sign_in(patient_user.email)
    assert f"/patient/appointments/{appointment.public_id}/chat" in patient_http.get("/patient/").get_data(as_text=True)


def test_chat_files_reach_the_methodologist_queue_only_when_marked(app, connect, pair):
    """A patient's chat PDF sent as a lab result appears in the methodologist's queue; one sent without the mark,
    one never sent and the doctor's chat file do not."""
    doctor, patient_user, appointment = pair
    patient_sock = connect(patient_user)
    marked = upload(patient_sock.http, appointment, name="blood-test.pdf").json["id"]
    unmarked = upload(patient_sock.http, appointment, name="throat.pdf").json["id"]
    assert upload(patient_sock.http, appointment, name="never-sent.pdf").status_code == 201
    assert upload(connect(doctor).http, appointment, name="from-doctor.pdf").status_code == 201
    assert send(patient_sock, appointment, "", file=marked, lab_result=True)["ok"]
    assert send(patient_sock, appointment, "", file=unmarked)["ok"]
    methodologist = app.test_client()
    methodologist.sign_in(factories.user(factories.Role.METHODOLOGIST).email)

    queue = methodologist.get("/methodologist/").get_data(as_text=True)

    assert "blood-test.pdf" in queue
    assert "throat.pdf" not in queue and "never-sent.pdf" not in queue and "from-doctor.pdf" not in queue


def test_the_patients_list_shows_the_open_chat_first_and_folds_the_rest(client, pair):
    """Five appointments with one doctor: the open chat leads, two more follow, the rest is counted."""
    doctor, patient_user, appointment = pair
    for weeks in range(1, 5):
        factories.appointment(patient_user.patient_profile, doctor, appointment.starts_at - timedelta(weeks=weeks))
    client.sign_in(patient_user.email)

    page = client.get("/patient/chats").get_data(as_text=True)

    assert page.count('/chat">') == 3
    first_link = page.index('/chat">')
    assert page.rindex(str(appointment.public_id), 0, first_link) > 0
    assert "and 2 more appointments" in page
