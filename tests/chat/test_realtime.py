"""Personal rooms (app/realtime.py): every signed-in user of every role connects, and emit_to_user reaches all
of one user's pages and nobody else's."""

import pytest
import sqlalchemy as sa

from app.models import ChatMessage, MessageKind, Role
from app.realtime import emit_to_user
from tests import factories
from tests.chat.conftest import ask, received, send, upload


@pytest.mark.parametrize("role", list(Role))
def test_every_role_connects_and_gets_its_personal_room(connect, role):
    """Patients and all staff roles connect from any page; staff without chats get zero unread and their room."""
    user = factories.user(role)
    sock = connect(user)

    assert received(sock)["unread"] == [{"total": 0, "threads": {}}]
    emit_to_user(user, "notice", {"n": 1})
    assert received(sock)["notice"] == [{"n": 1}]


def test_emit_to_user_reaches_every_connection_of_that_user_only(connect, pair):
    """A user with two pages open gets the event on both; another user's page gets nothing."""
    doctor, patient_user, _appointment = pair
    first_page, second_page, someone_else = connect(patient_user), connect(patient_user), connect(doctor)
    for sock in (first_page, second_page, someone_else):
        received(sock)

    emit_to_user(patient_user, "notice", {"text": "for the patient"})
    emit_to_user(patient_user.id, "notice", {"text": "by id"})

    for sock in (first_page, second_page):
        assert received(sock)["notice"] == [{"text": "for the patient"}, {"text": "by id"}]
    assert received(someone_else) == {}


def test_a_window_change_reaches_every_page_of_both_sides(connect, pair):
    """Extending the chat tells the patient's pages that are not in the chat too, naming the appointment."""
    doctor, patient_user, appointment = pair
    doctor_sock, patient_elsewhere = connect(doctor), connect(patient_user)
    received(patient_elsewhere)

    ack = ask(doctor_sock, "extend", appointment=str(appointment.public_id), minutes=60)

    assert ack["ok"] is True
    assert ack["window"]["appointment"] == str(appointment.public_id)
    assert received(patient_elsewhere)["window"] == [ack["window"]]


def test_each_message_stores_and_sends_its_kind(connect, pair, db):
    """A typed message is `text`, one carrying a file is `file`, in the database and in what clients receive."""
    _doctor, patient_user, appointment = pair
    patient_sock = connect(patient_user)
    uploaded = upload(patient_sock.http, appointment)

    typed = send(patient_sock, appointment, "just words")["message"]
    with_file = send(patient_sock, appointment, "", file=uploaded.json["id"])["message"]

    assert (typed["kind"], with_file["kind"]) == ("text", "file")
    kinds = db.session.execute(sa.select(ChatMessage.text, ChatMessage.kind).order_by(ChatMessage.id)).all()
    assert kinds == [("just words", MessageKind.TEXT), ("", MessageKind.FILE)]
