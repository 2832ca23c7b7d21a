"""Days the calendar cannot show are refused with 400 and the reason; the calendar's own limits still work."""

from datetime import UTC, datetime, timedelta

import pytest

from app.models import Role
from tests import factories

REASON = "Choose a date between 1900-01-01 and 2200-12-31."


@pytest.mark.parametrize(
    ("role", "url"),
    [(Role.DOCTOR, "/doctor/"), (Role.DOCTOR, "/doctor/week"), (Role.RECEPTION, "/reception/")],
)
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "2201-01-01"])
def test_days_outside_the_calendar_are_a_bad_request_with_the_reason(client, login_as, role, url, day):
    """The doctor's day and week and reception's board answer 400 with the reason, as a page and as JSON."""
    login_as(role)
    page = client.get(url, query_string={"date": day})
    assert page.status_code == 400 and REASON in page.get_data(as_text=True)
    answer = client.get(url, query_string={"date": day}, headers={"Accept": "application/json"})
    assert answer.status_code == 400
    assert answer.get_json() == {"error": REASON, "code": "date_out_of_range", "status": 400}


@pytest.mark.parametrize(
    ("role", "url"),
    [(Role.DOCTOR, "/doctor/"), (Role.DOCTOR, "/doctor/week"), (Role.RECEPTION, "/reception/")],
)
@pytest.mark.parametrize("day", ["1900-01-01", "2200-12-31"])
def test_the_calendars_first_and_last_days_are_shown(client, login_as, role, url, day):
    """At the limits the pages render, with links a day or a week beyond them that no arithmetic overflows."""
    login_as(role)
    response = client.get(url, query_string={"date": day})
    assert response.status_code == 200


def test_a_garbled_date_still_shows_today_with_a_warning(client, login_as):
    """Not a date at all: today's page and a warning, as before."""
    login_as(Role.DOCTOR)
    response = client.get("/doctor/?date=tomorrow-ish")
    assert response.status_code == 200 and "The date was not understood" in response.get_data(as_text=True)


def test_slot_instants_beyond_the_calendar_are_refused(client, login_as):
    """A booking link whose instant would overflow on conversion to UTC answers 400, not 500."""
    login_as(Role.PATIENT)
    doctor, service = factories.offering_doctor()
    for at in ("9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"):
        query = {"doctor": str(doctor.specialist_profile.public_id), "service": service.code, "at": at}
        response = client.get("/patient/book", query_string=query)
        assert response.status_code == 400 and REASON in response.get_data(as_text=True)


@pytest.fixture
def open_chat(app):
    """A doctor and an appointment an hour from now whose chat is open."""
    doctor = factories.doctor()
    appointment = factories.appointment(factories.patient(), doctor, datetime.now(UTC) + timedelta(hours=1))
    return doctor, appointment


def test_extending_a_chat_to_9999_is_refused_and_nothing_changes(client, open_chat, db):
    """The date field refuses a day outside the calendar with 422 and the reason; the window stays."""
    doctor, appointment = open_chat
    client.sign_in(doctor.email)
    response = client.submit(f"/doctor/appointments/{appointment.public_id}/chat/extend", {"until": "9999-12-31"})
    assert response.status_code == 422 and REASON in response.get_data(as_text=True)
    db.session.refresh(appointment)
    assert appointment.chat_closes_at is None


def test_extensions_stop_at_the_latest_closing_time(client, open_chat, db, app):
    """Past CHAT_LATEST_CLOSE_DAYS after the appointment the page refuses with the reason; up to it, it extends."""
    doctor, appointment = open_chat
    app.config["CHAT_MAX_EXTENSION_DAYS"] = 365  # so the single extension is not what refuses it
    client.sign_in(doctor.email)
    limit = appointment.ends_at + timedelta(days=app.config["CHAT_LATEST_CLOSE_DAYS"])
    too_late = (limit + timedelta(days=2)).date().isoformat()
    response = client.submit(f"/doctor/appointments/{appointment.public_id}/chat/extend", {"until": too_late})
    assert response.status_code == 422
    assert "A chat can stay open at most 30 days after its appointment." in response.get_data(as_text=True)
    db.session.refresh(appointment)
    assert appointment.chat_closes_at is None
    week = client.submit(f"/doctor/appointments/{appointment.public_id}/chat/extend", {"minutes": str(7 * 24 * 60)})
    assert week.status_code == 302
    db.session.refresh(appointment)
    assert appointment.chat_closes_at is not None and appointment.chat_closes_at <= limit


def test_over_the_socket_too(app, open_chat, db):
    """`extend` past the latest closing time and `join` without a payload both answer bad_request."""
    from app.extensions import socketio

    doctor, appointment = open_chat
    http = app.test_client()
    http.sign_in(doctor.email)
    with app.app_context():
        sock = socketio.test_client(app, namespace="/chat", flask_test_client=http)
    with app.app_context():
        assert sock.emit("join", namespace="/chat", callback=True) == {"ok": False, "error": "bad_request"}
    payload = {"appointment": str(appointment.public_id), "minutes": 31 * 24 * 60}
    with app.app_context():
        assert sock.emit("extend", payload, namespace="/chat", callback=True) == {"ok": False, "error": "bad_request"}
    db.session.refresh(appointment)
    assert appointment.chat_closes_at is None
