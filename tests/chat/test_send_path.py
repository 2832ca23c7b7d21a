"""The send and join path of issue 17 on both engines: its own SQL (INSERT … ON CONFLICT, the one statement for the
appointment, its thread and the right to it, history as plain rows) gives what the contract promises."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.models import ChatMessage, ChatThread, Guardianship, Role
from chat import history, service
from chat.system_lines import post_system_line
from chat.wire import payloads
from tests import factories
from tests.chat.conftest import ask, both_joined, received, send, upload
from tests.test_query_counts import counting

pytestmark = pytest.mark.both_engines


def test_a_resent_client_id_is_one_row_delivered_again_with_the_same_id(connect, pair, db):
    """The same client id sent twice (the acknowledgement was lost) is stored once and both answers carry the same
    message; the room hears it again under the same id (the first delivery may never have left a process that
    died), and a client keeps one message per id."""
    doctor, patient_user, appointment = pair
    doctor_sock, patient_sock = both_joined(connect, doctor, patient_user, appointment)
    payload = {"appointment": str(appointment.public_id), "client_id": str(uuid.uuid4()), "text": "Once"}

    first, second = ask(patient_sock, "send", **payload), ask(patient_sock, "send", **payload)

    assert first["ok"] and second["ok"]
    assert second["message"] == first["message"]
    delivered = received(doctor_sock)["message"]
    assert [(m["id"], m["text"]) for m in delivered] == [(first["message"]["id"], "Once")] * 2
    assert db.session.scalar(sa.select(sa.func.count(ChatMessage.id))) == 1


def test_the_same_client_id_from_another_author_is_another_message(connect, pair, db):
    """Client ids are the sender's own: the doctor reusing the patient's id stores a second message."""
    doctor, patient_user, appointment = pair
    doctor_sock, patient_sock = both_joined(connect, doctor, patient_user, appointment)
    payload = {"appointment": str(appointment.public_id), "client_id": str(uuid.uuid4()), "text": "Mine"}

    assert ask(patient_sock, "send", **payload)["ok"] and ask(doctor_sock, "send", **payload)["ok"]

    assert db.session.scalar(sa.select(sa.func.count(ChatMessage.id))) == 2


def test_history_over_the_socket_is_what_the_stored_messages_say(app, connect, db):
    """Join, history and catch_up send each message exactly as it was delivered live: a guardian's (named for the
    child), the doctor's, a file marked as a lab result and a system line."""
    guardian = factories.user(Role.PATIENT)
    child = factories.dependant(guardian)
    doctor = factories.doctor()
    appointment = factories.appointment(child, doctor, datetime.now(UTC) + timedelta(hours=2))
    guardian_sock, doctor_sock = connect(guardian), connect(doctor)
    public_id = str(appointment.public_id)
    for sock in (guardian_sock, doctor_sock):
        assert ask(sock, "join", appointment=public_id)["ok"]
    file_id = upload(guardian_sock.http, appointment).get_json()["id"]
    live = [
        send(guardian_sock, appointment, "For my son")["message"],
        send(doctor_sock, appointment, "Noted")["message"],
        send(guardian_sock, appointment, "", file=file_id, lab_result=True)["message"],
    ]
    with app.app_context():
        post_system_line(db.session.merge(appointment), db.session.merge(doctor), "document_signed", title="Note")
    live.append(received(guardian_sock)["message"][-1])

    joined = ask(doctor_sock, "join", appointment=public_id)["messages"]
    earlier = ask(doctor_sock, "history", appointment=public_id, before=live[-1]["id"])["messages"]
    missed = ask(doctor_sock, "catch_up", appointment=public_id, after=live[0]["id"])["messages"]

    assert joined == live
    assert earlier == live[:-1]
    assert missed == live[1:]
    assert live[0]["author"]["role"] == "guardian" and live[0]["author"]["on_behalf_of"] == child.full_name
    assert live[2]["file"]["lab_result"] is True and live[3]["system"]["code"] == "document_signed"
    thread = db.session.scalar(sa.select(ChatThread))
    # The chat page renders the ORM rows; the socket's plain rows must say the same.
    assert payloads(history.latest(thread), thread) == joined


def test_join_counts_what_the_reader_has_not_read(connect, pair):
    """The join's unread count is the thread's messages from others after the reader's mark."""
    doctor, patient_user, appointment = pair
    doctor_sock, patient_sock = both_joined(connect, doctor, patient_user, appointment)
    sent = [send(patient_sock, appointment, f"Message {n}")["message"]["id"] for n in range(3)]
    send(doctor_sock, appointment, "Mine do not count")
    public_id = str(appointment.public_id)

    assert ask(doctor_sock, "join", appointment=public_id)["unread"] == 3
    assert ask(doctor_sock, "read", appointment=public_id, up_to=sent[1]) == {"ok": True}
    assert ask(doctor_sock, "join", appointment=public_id)["unread"] == 1
    assert ask(patient_sock, "join", appointment=public_id)["unread"] == 1


def test_an_ended_guardianship_refuses_the_very_next_send(app, connect, db):
    """The right to a chat is asked on every event: the first send after reception ends a guardianship answers
    not_found, on the socket that had joined before."""
    guardian = factories.user(Role.PATIENT)
    child = factories.dependant(guardian)
    appointment = factories.appointment(child, factories.doctor(), datetime.now(UTC) + timedelta(hours=2))
    sock = connect(guardian)
    assert ask(sock, "join", appointment=str(appointment.public_id))["ok"]
    assert send(sock, appointment, "Before")["ok"]

    db.session.execute(sa.update(Guardianship).values(active=False))
    db.session.commit()

    assert send(sock, appointment, "After") == {"ok": False, "error": "not_found"}
    assert db.session.scalars(sa.select(ChatMessage.text)).all() == ["Before"]


def test_both_sides_opening_a_new_chat_at_once_share_one_thread(app, pair, db):
    """Two first joins that each found no thread (two processes at the same moment) make one thread, not two."""
    appointment = pair[2]
    first = service.thread_for(appointment)
    db.session.expire_all()
    appointment.chat_thread = None  # what the other process had loaded: no thread yet
    second = service.thread_for(appointment)

    assert first.id == second.id
    assert db.session.scalar(sa.select(sa.func.count(ChatThread.id))) == 1


@pytest.mark.parametrize("history_size", [2, 60])
def test_send_and_join_run_a_fixed_handful_of_statements(app, connect, pair, history_size):
    """Whatever the history's length: a send is the session's user, the appointment with its thread and the right
    to it, the insert, and the unread counts of everyone else who reads the thread; a join is the user, the
    appointment (with the unread count), the staff audit record and one page of history."""
    doctor, patient_user, appointment = pair
    doctor_sock, patient_sock = both_joined(connect, doctor, patient_user, appointment)
    for n in range(history_size):
        send(patient_sock, appointment, f"Message {n}")
    engine = app.extensions["sqlalchemy"].engine
    public_id = str(appointment.public_id)

    with counting(engine) as sending:
        assert send(patient_sock, appointment, "Counted")["ok"]
    with counting(engine) as patient_join:
        assert ask(patient_sock, "join", appointment=public_id)["ok"]
    with counting(engine) as doctor_join:
        assert ask(doctor_sock, "join", appointment=public_id)["ok"]

    assert len(sending) == 4, sending
    assert len(patient_join) == 3, patient_join
    assert len(doctor_join) == 4, doctor_join


def test_the_unread_counts_a_message_pushes_are_each_readers_own(app, connect, db):
    """After a message, every other reader of the thread (the doctor, the patient's own account, a guardian who
    also reads a child's and their own threads) gets exactly what their own `unread` would say, in one statement;
    the author gets none."""
    guardian, elder = factories.user(Role.PATIENT), factories.user(Role.PATIENT)
    db.session.add(Guardianship(guardian=guardian, patient=elder.patient_profile, legal_basis="Power of attorney"))
    child = factories.dependant(guardian)
    doctor, other_doctor = factories.doctor(), factories.doctor()
    soon = datetime.now(UTC) + timedelta(hours=2)
    appointment = factories.appointment(elder.patient_profile, doctor, soon)
    elsewhere = [
        factories.appointment(child, other_doctor, soon),
        factories.appointment(guardian.patient_profile, doctor, soon + timedelta(hours=1)),
    ]
    guardian_sock, elder_sock = connect(guardian), connect(elder)
    doctor_sock, other_doctor_sock = connect(doctor), connect(other_doctor)
    send(other_doctor_sock, elsewhere[0], "About the child")
    send(doctor_sock, elsewhere[1], "About you")
    send(elder_sock, appointment, "From the patient")
    for sock in (guardian_sock, elder_sock, doctor_sock):
        received(sock)

    assert send(doctor_sock, appointment, "From the doctor")["ok"]

    pushed = {name: received(sock).get("unread") for name, sock in (("guardian", guardian_sock), ("elder", elder_sock))}
    with app.app_context():
        readers = {"guardian": guardian, "elder": elder}
        expected = {name: [service.unread_summary(db.session.merge(user))] for name, user in readers.items()}
    assert pushed == expected
    assert expected["guardian"][0]["total"] == 4  # two in the elder's thread, one in the child's, one in their own
    assert expected["elder"][0]["total"] == 1
    assert "unread" not in received(doctor_sock)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize(("lab_result", "autocommit"), [(False, True), (True, False)])
def test_a_send_runs_in_autocommit_unless_it_marks_a_lab_result(app, connect, pair, lab_result, autocommit):
    """On PostgreSQL a send's statements commit one by one (no transaction to roll back, so psycopg keeps its
    prepared statements between events), except a send that marks its file as a lab result: the mark and the
    message are written in one transaction."""
    doctor, patient_user, appointment = pair
    _doctor_sock, patient_sock = both_joined(connect, doctor, patient_user, appointment)
    file_id = upload(patient_sock.http, appointment).get_json()["id"]
    modes = []

    def record(connection, *_args):
        modes.append(connection.connection.dbapi_connection.autocommit)

    engine = app.extensions["sqlalchemy"].engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        assert send(patient_sock, appointment, "Results", file=file_id, lab_result=lab_result)["ok"]
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)

    assert modes and set(modes) == {autocommit}
