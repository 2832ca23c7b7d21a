"""System lines: a call or a signed document writes a line into the thread, stored as a code and shown to each
reader in their language, live and in the history, apart from the people's messages."""

import pytest
import sqlalchemy as sa

from app.models import ChatMessage, MessageKind
from chat.system_lines import post_system_line
from tests.chat.conftest import ask, both_joined, received


def test_a_system_line_is_stored_as_a_code_and_delivered_live(connect, pair, db):
    """Both sides in the chat get the line at once; the other side's unread count grows, the actor's does not."""
    doctor, patient_user, appointment = pair
    doctor_sock, patient_sock = both_joined(connect, doctor, patient_user, appointment)

    post_system_line(appointment, doctor, "document_signed", title="Conclusion")

    stored = db.session.scalars(sa.select(ChatMessage)).one()
    assert (stored.kind, stored.text, stored.params) == (MessageKind.SYSTEM, "document_signed", {"title": "Conclusion"})
    to_patient, to_doctor = received(patient_sock), received(doctor_sock)
    line = to_patient["message"][0]
    assert line["kind"] == "system"
    assert line["system"] == {"code": "document_signed", "params": {"title": "Conclusion"}}
    assert line["text"] == ""
    assert to_doctor["message"] == [line]
    assert to_patient["unread"][-1]["total"] == 1
    assert "unread" not in to_doctor


def test_the_history_carries_system_lines(connect, pair):
    """A client joining later finds the line in the latest messages."""
    doctor, patient_user, appointment = pair
    post_system_line(appointment, doctor, "call_ended", minutes=12)

    ack = ask(connect(patient_user), "join", appointment=str(appointment.public_id))

    assert [(m["kind"], m["system"]) for m in ack["messages"]] == [
        ("system", {"code": "call_ended", "params": {"minutes": 12}})
    ]


def test_the_chat_page_shows_a_system_line_apart_from_messages(client, pair):
    """The page renders the sentence, centred and announced as a status, with no author."""
    doctor, patient_user, appointment = pair
    post_system_line(appointment, doctor, "call_ended", minutes=12)
    client.sign_in(patient_user.email)

    page = client.get(f"/patient/appointments/{appointment.public_id}/chat").get_data(as_text=True)

    line = page.split('class="chat-message chat-system')[1].split("</div>")[0]
    assert 'role="status"' in line
    assert "Video call ended after 12 min." in line
    assert doctor.display_name not in line
    assert "call_ended" not in line


def test_an_unknown_code_or_a_missing_parameter_is_refused_before_storing(pair, db):
    """A caller's mistake fails at the call, not later on every reader's page; nothing is stored."""
    doctor, _patient_user, appointment = pair
    with pytest.raises(ValueError):
        post_system_line(appointment, doctor, "no_such_line")
    with pytest.raises(KeyError):
        post_system_line(appointment, doctor, "document_signed")
    assert db.session.scalar(sa.select(sa.func.count(ChatMessage.id))) == 0


def test_each_reader_sees_the_system_line_in_their_own_language(client, pair, db):
    """The same stored line reads in Russian for a reader who chose Russian, and the code never shows."""
    doctor, patient_user, appointment = pair
    patient_user.locale = "ru"
    db.session.commit()
    post_system_line(appointment, doctor, "call_ended", minutes=7)
    client.sign_in(patient_user.email)

    page = client.get(f"/patient/appointments/{appointment.public_id}/chat").get_data(as_text=True)

    line = page.split('class="chat-message chat-system')[1].split("</div>")[0]
    assert "Видеозвонок завершён, длительность 7 мин." in line
    assert "call_ended" not in line and "Video call" not in line
