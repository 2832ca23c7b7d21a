"""Calendar files: the doctor's secret feed, rotating its address, and one-appointment downloads."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import render_template_string
from flask_login import login_user
from icalendar import Calendar

from app.models import AppointmentStatus, AuditEvent, Intake, Role, SpecialistProfile
from tests import factories


def _at(**delta) -> datetime:
    """A time this far from now, on a whole minute (calendar files carry no fractions of a second)."""
    return (datetime.now(UTC) + timedelta(**delta)).replace(second=0, microsecond=0)


def _token(db, doctor) -> str | None:
    """The doctor's current feed token, read fresh from the database."""
    return db.session.scalar(sa.select(SpecialistProfile.calendar_token).filter_by(user_id=doctor.id))


def _events(response) -> dict[str, object]:
    """The VEVENTs of a calendar response, by the appointment id in their UID."""
    calendar = Calendar.from_ical(response.data)
    return {str(event["UID"]).split("@")[0]: event for event in calendar.walk("VEVENT")}


def _rotate(client):
    """Press the button that creates or replaces the feed address."""
    return client.submit("/calendar/feed/rotate")


def test_feed_holds_exactly_the_doctors_active_appointments(app, client, login_as, db):
    """Booked and confirmed visits of this doctor, in UTC; not cancelled ones, not other doctors', not out of range."""
    doctor = login_as(Role.DOCTOR)
    assert _rotate(client).status_code == 302
    token = _token(db, doctor)
    booked = factories.appointment(factories.patient(last_name="Booked"), doctor, _at(days=1))
    confirmed = factories.appointment(
        factories.patient(last_name="Confirmed"), doctor, _at(days=2), status=AppointmentStatus.CONFIRMED
    )
    recent = factories.appointment(factories.patient(last_name="Lastweek"), doctor, _at(days=-7))
    factories.appointment(
        factories.patient(last_name="Cancelled"), doctor, _at(days=3), status=AppointmentStatus.CANCELLED
    )
    factories.appointment(factories.patient(last_name="Longago"), doctor, _at(days=-45))
    factories.appointment(factories.patient(last_name="Faraway"), doctor, _at(days=120))
    factories.appointment(factories.patient(last_name="Colleagues"), factories.doctor(), _at(days=1, hours=1))
    db.session.add(Intake(appointment=booked, complaints="Suspected thyroid nodule"))
    db.session.commit()

    response = app.test_client().get(f"/calendar/feed/{token}.ics")  # a calendar server: no session
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, no-store"
    events = _events(response)
    assert set(events) == {str(booked.public_id), str(confirmed.public_id), str(recent.public_id)}

    event = events[str(booked.public_id)]
    assert event.start == booked.starts_at and event.start.utcoffset() == timedelta(0)
    assert event.end == booked.starts_at + timedelta(minutes=30)
    assert f"DTSTART:{booked.starts_at:%Y%m%dT%H%M%S}Z" in response.get_data(as_text=True)
    assert str(event["SUMMARY"]) == f"{booked.service.name_en} — Booked Test"
    assert str(event["STATUS"]) == "TENTATIVE"
    assert str(events[str(confirmed.public_id)]["STATUS"]) == "CONFIRMED"
    assert "thyroid" not in response.get_data(as_text=True)


def test_feed_uids_stay_the_same_between_fetches(app, client, login_as, db):
    """Calendar apps recognise an appointment across refreshes: its UID does not change."""
    doctor = login_as(Role.DOCTOR)
    _rotate(client)
    factories.appointment(factories.patient(), doctor, _at(days=1))
    url = f"/calendar/feed/{_token(db, doctor)}.ics"
    first, second = (_events(app.test_client().get(url)) for _ in range(2))
    assert [str(e["UID"]) for e in first.values()] == [str(e["UID"]) for e in second.values()]


def test_rotating_retires_the_old_address(app, client, login_as, db):
    """After 'Replace the address' the old URL answers 404 and the new one works."""
    doctor = login_as(Role.DOCTOR)
    created = client.submit("/calendar/feed/rotate", follow_redirects=True)
    assert "Your calendar address is ready" in created.get_data(as_text=True)
    old = _token(db, doctor)
    feed = app.test_client()
    assert feed.get(f"/calendar/feed/{old}.ics").status_code == 200

    replaced = _rotate(client)
    assert replaced.status_code == 302 and replaced.headers["Location"] == "/doctor/"
    assert "Your calendar address has been replaced" in client.get("/doctor/").get_data(as_text=True)
    new = _token(db, doctor)
    assert new != old
    assert feed.get(f"/calendar/feed/{old}.ics").status_code == 404
    assert feed.get(f"/calendar/feed/{new}.ics").status_code == 200


def test_unknown_or_garbled_feed_tokens_are_404(client):
    """Guessing, truncating or mangling an address finds nothing."""
    for token in ["x" * 43, "not a token", "%27%20OR%201=1--", "a" * 200]:
        assert client.get(f"/calendar/feed/{token}.ics").status_code == 404, token


def test_deactivated_doctors_feed_stops(app, client, login_as, db):
    """A doctor who leaves the clinic takes their schedule with them."""
    doctor = login_as(Role.DOCTOR)
    _rotate(client)
    token = _token(db, doctor)
    doctor.active = False
    db.session.commit()
    assert app.test_client().get(f"/calendar/feed/{token}.ics").status_code == 404


def test_rotate_needs_the_forms_csrf_token(client, login_as, db):
    """A cross-site POST (no CSRF token) is refused and the doctor keeps having no feed."""
    doctor = login_as(Role.DOCTOR)
    response = client.post("/calendar/feed/rotate")
    assert response.status_code == 400
    assert _token(db, doctor) is None


def test_only_doctors_have_a_feed(client, login_as):
    """Anonymous visitors are sent to sign in; a patient pressing the button gets 403."""
    anonymous = _rotate(client)
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/auth/login")
    login_as(Role.PATIENT)
    assert _rotate(client).status_code == 403


def test_patient_downloads_their_appointment(client, login_as):
    """The patient gets a one-event file named after the local date, naming their doctor."""
    user = login_as(Role.PATIENT, factories.user(Role.PATIENT, timezone="Asia/Vladivostok"))
    doctor = factories.doctor(last_name="Chekhova", first_name="Anna")
    starts = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)  # already 2 December in Vladivostok (UTC+10)
    appt = factories.appointment(user.patient_profile, doctor, starts)

    response = client.get(f"/calendar/appointments/{appt.public_id}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="appointment-2026-12-02.ics"'
    events = _events(response)
    assert list(events) == [str(appt.public_id)]
    event = events[str(appt.public_id)]
    assert event.start == starts and event.start.utcoffset() == timedelta(0)
    assert "Chekhova Anna" in str(event["SUMMARY"])
    assert str(event["URL"]).endswith(f"/patient/appointments/{appt.public_id}")


def test_guardian_downloads_the_dependants_appointment(client, login_as):
    """A guardian acts for the child, calendar files included."""
    guardian = login_as(Role.PATIENT)
    appt = factories.appointment(factories.dependant(guardian), factories.doctor())
    assert client.get(f"/calendar/appointments/{appt.public_id}.ics").status_code == 200


def test_another_patients_appointment_is_404(client, login_as):
    """Someone else's appointment does not exist as far as this patient can tell."""
    login_as(Role.PATIENT)
    theirs = factories.appointment(factories.patient(), factories.doctor())
    assert client.get(f"/calendar/appointments/{theirs.public_id}.ics").status_code == 404
    assert client.get("/calendar/appointments/not-an-id.ics").status_code == 404


def test_doctors_download_is_audited(client, login_as, db):
    """Staff taking a patient's appointment away as a file leaves a trace in the audit log; the file names the patient."""
    doctor = login_as(Role.DOCTOR)
    appt = factories.appointment(factories.patient(last_name="Audited"), doctor)
    response = client.get(f"/calendar/appointments/{appt.public_id}.ics")
    assert response.status_code == 200
    assert "Audited Test" in str(_events(response)[str(appt.public_id)]["SUMMARY"])
    event = db.session.scalars(sa.select(AuditEvent)).one()
    assert (event.actor_id, event.action, event.patient_id) == (
        doctor.id,
        "download_appointment_calendar",
        appt.patient_id,
    )


def test_download_requires_sign_in(client):
    """Without a session the download sends the visitor to sign in."""
    appt = factories.appointment()
    response = client.get(f"/calendar/appointments/{appt.public_id}.ics")
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")


def test_feed_link_partial_offers_creation_then_the_address(app, db):
    """Included in a doctor's page: a create button at first, then the full address and a replace button."""
    doctor = factories.doctor()
    page = '{% include "feeds/_feed_link.html" %}'
    with app.test_request_context("/doctor/"):
        login_user(doctor)
        before = render_template_string(page)
        doctor.specialist_profile.calendar_token = token = "T" * 43
        db.session.commit()
        after = render_template_string(page)
    assert "Create a calendar address" in before and ".ics" not in before
    assert f'value="http://localhost/calendar/feed/{token}.ics"' in after
    assert "Replace the address" in after
    assert 'action="/calendar/feed/rotate"' in after and 'name="csrf_token"' in after
    assert "<script" not in after and "style=" not in after


def test_feed_times_are_utc_whatever_the_doctors_timezone(app, client, login_as, db):
    """A doctor in Vladivostok sees 09:00 local in their calendar app because the file says 23:00 UTC."""
    doctor = login_as(Role.DOCTOR, factories.doctor(timezone="Asia/Vladivostok"))
    _rotate(client)
    local_nine = (datetime.now(ZoneInfo("Asia/Vladivostok")) + timedelta(days=3)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    appt = factories.appointment(factories.patient(), doctor, local_nine.astimezone(UTC))
    body = app.test_client().get(f"/calendar/feed/{_token(db, doctor)}.ics").get_data(as_text=True)
    assert f"DTSTART:{appt.starts_at:%Y%m%d}T230000Z" in body
