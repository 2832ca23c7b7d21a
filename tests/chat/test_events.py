"""The realtime contract of /chat (docs/realtime.md): join, send, history, catch_up, read, extend."""

import uuid

import pytest
import sqlalchemy as sa

from app.extensions import socketio
from app.models import AuditEvent, ChatMessage, ChatReadMark
from tests import factories
from tests.chat.conftest import ask, both_joined, received, send


def test_anonymous_connection_is_refused(app):
    """Without a signed-in session the server refuses the connection."""
    with app.app_context():
        sock = socketio.test_client(app, namespace="/chat", flask_test_client=app.test_client())
    assert not sock.is_connected("/chat")


def test_join_returns_window_history_and_unread(connect, pair, db):
    """Joining gives the thread, an open window, the latest messages and the unread count."""
    doctor, patient_user, appointment = pair
    doctor_sock = connect(doctor)
    ask(doctor_sock, "join", appointment=str(appointment.public_id))
    for n in range(3):
        assert send(doctor_sock, appointment, f"line {n}")["ok"]

    patient_sock = connect(patient_user)
    ack = ask(patient_sock, "join", appointment=str(appointment.public_id))

    assert ack["ok"] is True
    assert ack["window"]["open"] is True
    assert ack["window"]["opens_at"].endswith("Z") and ack["window"]["closes_at"].endswith("Z")
    assert [m["text"] for m in ack["messages"]] == ["line 0", "line 1", "line 2"]
    assert ack["unread"] == 3
    assert ack["messages"][0]["author"] == {"id": str(doctor.public_id), "name": doctor.display_name, "role": "doctor"}


def test_a_message_reaches_the_other_side_once_and_is_stored(connect, pair, db):
    """A sent message is stored, acknowledged with its id and delivered to the room."""
    doctor, patient_user, appointment = pair
    doctor_sock, patient_sock = both_joined(connect, doctor, patient_user, appointment)

    ack = send(patient_sock, appointment, "I have a headache")

    assert ack["ok"] is True
    delivered = received(doctor_sock)["message"]
    assert delivered == [ack["message"]]
    assert delivered[0]["appointment"] == str(appointment.public_id)
    stored = db.session.scalars(sa.select(ChatMessage)).all()
    assert [(m.text, str(m.public_id)) for m in stored] == [("I have a headache", ack["message"]["id"])]


def test_resending_the_same_client_id_stores_one_message(connect, pair, db):
    """A re-send after a lost acknowledgement returns the stored message and stores nothing new; the room hears the
    same message (same id) again, which clients keep once."""
    doctor, patient_user, appointment = pair
    doctor_sock, patient_sock = connect(doctor), connect(patient_user)
    ask(doctor_sock, "join", appointment=str(appointment.public_id))
    payload = {"appointment": str(appointment.public_id), "client_id": str(uuid.uuid4()), "text": "Once"}

    first = ask(patient_sock, "send", **payload)
    received(doctor_sock)
    second = ask(patient_sock, "send", **payload)

    assert first["ok"] and second["ok"]
    assert second["message"]["id"] == first["message"]["id"]
    assert db.session.scalar(sa.select(sa.func.count(ChatMessage.id))) == 1
    assert [m["id"] for m in received(doctor_sock)["message"]] == [first["message"]["id"]]


def test_catch_up_returns_exactly_the_missed_messages_in_order(connect, pair):
    """After a reconnect the client asks for what came after its last message and gets just that."""
    doctor, patient_user, appointment = pair
    doctor_sock, patient_sock = connect(doctor), connect(patient_user)
    ask(patient_sock, "join", appointment=str(appointment.public_id))
    seen = send(doctor_sock, appointment, "seen")["message"]["id"]
    patient_sock.disconnect(namespace="/chat")
    missed = [send(doctor_sock, appointment, f"missed {n}")["message"]["id"] for n in range(4)]

    patient_sock = connect(patient_user)
    ack = ask(patient_sock, "catch_up", appointment=str(appointment.public_id), after=seen)

    assert ack["ok"] is True
    assert [m["id"] for m in ack["messages"]] == missed
    assert [m["text"] for m in ack["messages"]] == ["missed 0", "missed 1", "missed 2", "missed 3"]


def test_history_pages_backwards(connect, pair):
    """`history` returns the page of older messages before a given one, oldest first."""
    doctor, _patient_user, appointment = pair
    sock = connect(doctor)
    ids = [send(sock, appointment, f"m{n}")["message"]["id"] for n in range(60)]

    latest = ask(sock, "join", appointment=str(appointment.public_id))["messages"]
    older = ask(sock, "history", appointment=str(appointment.public_id), before=latest[0]["id"], limit=50)

    assert [m["id"] for m in latest] == ids[10:]
    assert [m["id"] for m in older["messages"]] == ids[:10]


def test_one_history_per_pair_across_appointments(connect, pair):
    """A second appointment of the same pair opens the same thread, with earlier messages in it."""
    doctor, patient_user, appointment = pair
    later = factories.appointment(
        patient_user.patient_profile, doctor, appointment.starts_at + factories.timedelta(hours=2)
    )
    sock = connect(patient_user)
    first_ack = ask(sock, "join", appointment=str(appointment.public_id))
    send(sock, appointment, "under the first")
    second_ack = ask(sock, "join", appointment=str(later.public_id))

    assert second_ack["thread"] == first_ack["thread"]
    assert [(m["text"], m["appointment"]) for m in second_ack["messages"]] == [
        ("under the first", str(appointment.public_id))
    ]


@pytest.mark.parametrize("outsider", ["other_patient", "other_doctor", "restricted_colleague", "reception"])
def test_outsiders_can_neither_join_nor_send_nor_read(connect, pair, db, outsider):
    """Anyone but the appointment's patient and doctor gets not_found for every event."""
    doctor, patient_user, appointment = pair
    send(connect(doctor), appointment, "private")
    if outsider == "other_patient":
        user = factories.user(factories.Role.PATIENT)
    elif outsider == "other_doctor":
        user = factories.doctor()
    elif outsider == "restricted_colleague":
        # A restricted specialist who also treats this patient still sees nothing of another doctor's chat.
        user = factories.doctor(restricted=True)
        factories.appointment(patient_user.patient_profile, user, appointment.starts_at + factories.timedelta(days=3))
    else:
        user = factories.user(factories.Role.RECEPTION)
    sock = connect(user)
    target = str(appointment.public_id)

    answers = [
        ask(sock, "join", appointment=target),
        ask(sock, "history", appointment=target, before=str(uuid.uuid4())),
        ask(sock, "catch_up", appointment=target, after=""),
        ask(sock, "send", appointment=target, client_id=str(uuid.uuid4()), text="let me in"),
        ask(sock, "read", appointment=target, up_to=str(uuid.uuid4())),
        ask(sock, "extend", appointment=target, minutes=60),
        ask(sock, "typing", appointment=target),
    ]

    assert answers == [{"ok": False, "error": "not_found"}] * 7
    assert "message" not in received(sock)
    assert db.session.scalar(sa.select(sa.func.count(ChatMessage.id))) == 1


@pytest.mark.parametrize(
    "payload",
    [None, "text", {}, {"appointment": "not-a-uuid"}, {"appointment": str(uuid.uuid4())}],
)
def test_malformed_or_unknown_appointments_answer_not_found_or_bad_request(app, connect, pair, payload):
    """Garbage never breaks the connection: it gets a refusal."""
    sock = connect(pair[0])
    with app.app_context():
        ack = sock.emit("join", payload, namespace="/chat", callback=True)
    assert ack["ok"] is False and ack["error"] in ("bad_request", "not_found")
    assert sock.is_connected("/chat")


def test_send_refusals_name_the_reason(app, connect, pair, db):
    """Too long, empty, a bad client id, a bad file: each is refused with its code and nothing is stored."""
    doctor, _patient_user, appointment = pair
    sock = connect(doctor)
    too_long = "x" * (app.config["CHAT_MAX_TEXT"] + 1)

    assert send(sock, appointment, too_long) == {"ok": False, "error": "too_long"}
    assert send(sock, appointment, "   ") == {"ok": False, "error": "empty"}
    assert send(sock, appointment, "hi", file=str(uuid.uuid4())) == {"ok": False, "error": "bad_file"}
    assert ask(sock, "send", appointment=str(appointment.public_id), client_id="nope", text="hi") == {
        "ok": False,
        "error": "bad_request",
    }
    assert db.session.scalar(sa.select(sa.func.count(ChatMessage.id))) == 0


def test_sending_too_fast_is_rate_limited(app, connect, pair, db):
    """Past the per-user limit, sends are refused with rate_limited until the window passes."""
    app.config["CHAT_SEND_LIMIT"] = "3 per minute"
    doctor, _patient_user, appointment = pair
    sock = connect(doctor)

    answers = [send(sock, appointment, f"n{n}") for n in range(5)]

    assert [a["ok"] for a in answers] == [True, True, True, False, False]
    assert answers[-1]["error"] == "rate_limited"
    assert db.session.scalar(sa.select(sa.func.count(ChatMessage.id))) == 3


def test_read_marks_move_forward_and_reach_the_room(connect, pair, db):
    """Reading tells the other side (read receipt) and clears the reader's unread count on all their pages."""
    doctor, patient_user, appointment = pair
    doctor_sock, patient_sock = connect(doctor), connect(patient_user)
    other_page = connect(patient_user)  # the same patient on another cabinet page
    ask(doctor_sock, "join", appointment=str(appointment.public_id))
    ask(patient_sock, "join", appointment=str(appointment.public_id))
    first = send(doctor_sock, appointment, "one")["message"]["id"]
    second = send(doctor_sock, appointment, "two")["message"]["id"]
    assert received(other_page)["unread"][-1]["total"] == 2
    received(doctor_sock)

    assert ask(patient_sock, "read", appointment=str(appointment.public_id), up_to=second) == {"ok": True}
    assert ask(patient_sock, "read", appointment=str(appointment.public_id), up_to=first) == {"ok": True}

    assert received(doctor_sock)["read"] == [{"user": str(patient_user.public_id), "up_to": second}]
    assert received(other_page)["unread"][-1] == {"total": 0, "threads": {}}
    mark = db.session.scalar(sa.select(ChatReadMark).filter_by(user_id=patient_user.id))
    assert mark.last_read_id == db.session.scalar(sa.select(ChatMessage.id).filter_by(text="two"))


def test_unread_count_reaches_every_page_of_the_recipient(connect, pair):
    """A patient connected from any cabinet page (not in the chat) gets the new unread total at once."""
    doctor, patient_user, appointment = pair
    elsewhere = connect(patient_user)
    assert received(elsewhere)["unread"] == [{"total": 0, "threads": {}}]

    ack = send(connect(doctor), appointment, "Are you there?")

    assert received(elsewhere)["unread"] == [{"total": 1, "threads": {ack["message"]["thread"]: 1}}]


def test_joining_is_audited_for_staff(connect, pair, db):
    """The doctor's opening of a chat is recorded in the audit log against the patient."""
    doctor, patient_user, appointment = pair
    ask(connect(doctor), "join", appointment=str(appointment.public_id))
    ask(connect(patient_user), "join", appointment=str(appointment.public_id))

    events = db.session.scalars(sa.select(AuditEvent).filter_by(action="view_chat")).all()
    assert [(e.actor_id, e.patient_id) for e in events] == [(doctor.id, patient_user.patient_profile.id)]


def test_a_guardian_writes_for_a_dependant(connect, db):
    """A guardian joins the dependant's chat and is shown as the guardian of that patient."""
    guardian = factories.user(factories.Role.PATIENT)
    child = factories.dependant(guardian)
    doctor = factories.doctor()
    appointment = factories.appointment(
        child, doctor, factories.datetime.now(factories.UTC) + factories.timedelta(hours=2)
    )
    sock = connect(guardian)

    assert ask(sock, "join", appointment=str(appointment.public_id))["ok"]
    author = send(sock, appointment, "For my son")["message"]["author"]

    assert author["role"] == "guardian"
    assert author["on_behalf_of"] == child.full_name


def test_typing_notices_reach_the_others_only(connect, pair):
    """`typing` is relayed to the other side of the thread, not back to the typist, and stores nothing."""
    doctor, patient_user, appointment = pair
    doctor_sock, patient_sock = both_joined(connect, doctor, patient_user, appointment)

    assert ask(patient_sock, "typing", appointment=str(appointment.public_id)) == {"ok": True}

    assert received(doctor_sock)["typing"] == [{"user": str(patient_user.public_id), "name": patient_user.display_name}]
    assert "typing" not in received(patient_sock)
