"""The chat window at its edges: before opening, at closing, after an extension, for a cancelled appointment."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.models import AppointmentStatus, ChatMessage
from app.scheduling.chat_window import ExtensionRefused, extend_window, window_for
from chat.service import ChatRefused, send_message
from tests import factories
from tests.chat.conftest import ask, received, send

START = datetime(2030, 3, 10, 9, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


@pytest.fixture
def booked(app):
    """A 30-minute appointment at START; the default window is 24 h before to 24 h after."""
    return factories.appointment(starts_at=START, minutes=30)


def _send_at(appointment, now):
    """Try to send as the appointment's doctor at a given moment."""
    return send_message(appointment.doctor, appointment, uuid.uuid4(), "hello", now=now)


def test_the_window_spans_a_day_either_side(booked):
    """Opens 24 h before the start, closes 24 h after the end."""
    window = window_for(booked)
    assert window.opens_at == START - timedelta(hours=24)
    assert window.closes_at == START + timedelta(minutes=30) + timedelta(hours=24)


def test_just_before_opening_nobody_writes(booked, db):
    """One second before the opening the send is refused as chat_closed and nothing is stored."""
    with pytest.raises(ChatRefused) as refused:
        _send_at(booked, window_for(booked).opens_at - SECOND)
    assert refused.value.code == "chat_closed"
    assert db.session.scalar(sa.select(sa.func.count(ChatMessage.id))) == 0


def test_at_opening_and_just_before_closing_messages_are_accepted(booked, db):
    """The first and the last second of the window both accept messages."""
    window = window_for(booked)
    _send_at(booked, window.opens_at)
    _send_at(booked, window.closes_at - SECOND)
    assert db.session.scalar(sa.select(sa.func.count(ChatMessage.id))) == 2


def test_at_closing_the_chat_is_closed(booked):
    """The closing instant itself is outside the window."""
    with pytest.raises(ChatRefused) as refused:
        _send_at(booked, window_for(booked).closes_at)
    assert refused.value.code == "chat_closed"


def test_an_extension_reopens_a_closed_chat(booked, db):
    """After closing, +1 hour from now opens it again until then."""
    after_close = window_for(booked).closes_at + timedelta(hours=3)
    window = extend_window(booked, 60, now=after_close)
    assert window.closes_at == after_close + timedelta(hours=1)
    _send_at(booked, after_close + timedelta(minutes=59))
    with pytest.raises(ChatRefused):
        _send_at(booked, after_close + timedelta(minutes=60))


def test_an_extension_of_an_open_chat_adds_to_its_closing_time(booked):
    """While open, +1 day moves the closing time a day further, not a day from now."""
    before = window_for(booked).closes_at
    window = extend_window(booked, 24 * 60, now=START)
    assert window.closes_at == before + timedelta(days=1)


def test_a_cancelled_appointments_chat_is_closed_and_cannot_be_extended(booked, db):
    """Cancelling closes the chat inside its usual window; extensions are refused."""
    booked.status = AppointmentStatus.CANCELLED
    db.session.commit()
    with pytest.raises(ChatRefused) as refused:
        _send_at(booked, START)
    assert refused.value.code == "chat_closed"
    with pytest.raises(ExtensionRefused) as not_extended:
        extend_window(booked, 60, now=START)
    assert not_extended.value.code == "cancelled"


@pytest.mark.parametrize(
    ("minutes", "code"), [(0, "bad_request"), (-5, "bad_request"), ("60", "bad_request"), (10**7, "too_long")]
)
def test_bad_extensions_are_refused(booked, minutes, code):
    """Non-positive, non-integer or over-long extensions are refused with a reason."""
    with pytest.raises(ExtensionRefused) as refused:
        extend_window(booked, minutes, now=START)
    assert refused.value.code == code


def test_the_room_sees_the_new_closing_time_at_once(connect, db):
    """The doctor extends over the socket; the patient in the room gets the `window` event with the new time."""
    doctor = factories.doctor()
    patient_user = factories.user(factories.Role.PATIENT)
    # Ended two hours ago: open for another 22 hours.
    appointment = factories.appointment(
        patient_user.patient_profile, doctor, datetime.now(UTC) - timedelta(hours=2, minutes=30)
    )
    doctor_sock, patient_sock = connect(doctor), connect(patient_user)
    before = ask(patient_sock, "join", appointment=str(appointment.public_id))["window"]
    received(patient_sock)

    ack = ask(doctor_sock, "extend", appointment=str(appointment.public_id), minutes=7 * 24 * 60)

    assert ack["ok"] is True
    assert ack["window"]["closes_at"] > before["closes_at"]
    assert received(patient_sock)["window"] == [ack["window"]]
    assert ask(patient_sock, "extend", appointment=str(appointment.public_id), minutes=60) == {
        "ok": False,
        "error": "not_found",
    }


def test_a_closed_chat_refuses_over_the_socket_but_keeps_history(connect, db):
    """Outside the window `send` answers chat_closed, while join still returns the history."""
    doctor = factories.doctor()
    patient_user = factories.user(factories.Role.PATIENT)
    appointment = factories.appointment(patient_user.patient_profile, doctor, datetime.now(UTC) - timedelta(hours=3))
    doctor_sock = connect(doctor)
    assert send(doctor_sock, appointment, "before closing")["ok"]
    appointment.starts_at -= timedelta(days=3)
    appointment.ends_at -= timedelta(days=3)
    db.session.commit()

    patient_sock = connect(patient_user)
    joined = ask(patient_sock, "join", appointment=str(appointment.public_id))

    assert joined["window"]["open"] is False
    assert [m["text"] for m in joined["messages"]] == ["before closing"]
    assert send(patient_sock, appointment, "too late") == {"ok": False, "error": "chat_closed"}
