"""The doctor's cabinet: the local day, appointment pages, audit, and the limits of restricted specialists."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.models import AuditEvent, Role
from tests import factories


def _local(day, hour, minute, tz):
    """An aware datetime at a local wall-clock time."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(tz))


def test_today_is_the_doctors_local_day(client, login_as):
    """Appointments are grouped by the doctor's own day and shown in the doctor's local time."""
    tz = "Asia/Vladivostok"
    doctor = factories.doctor(timezone=tz)
    login_as(Role.DOCTOR, doctor)
    today = datetime.now(ZoneInfo(tz)).date()
    early = factories.patient(last_name="Earlybird")
    late = factories.patient(last_name="Tomorrowish")
    # 00:30 local today is still the previous day in UTC; 00:30 local tomorrow is today in UTC for Moscow users.
    factories.appointment(early, doctor, _local(today, 0, 30, tz))
    factories.appointment(late, doctor, _local(today + timedelta(days=1), 0, 30, tz))
    page = client.get("/doctor/").get_data(as_text=True)
    assert "Earlybird" in page
    assert "Tomorrowish" not in page
    assert "00:30" in page  # local wall-clock time, not UTC
    tomorrow = client.get(f"/doctor/?date={(today + timedelta(days=1)).isoformat()}").get_data(as_text=True)
    assert "Tomorrowish" in tomorrow and "Earlybird" not in tomorrow


def test_only_own_appointments_on_the_day(client, login_as):
    """Another doctor's appointments never appear on this doctor's day."""
    me = login_as(Role.DOCTOR)
    now = datetime.now(UTC)
    factories.appointment(factories.patient(last_name="Mine"), me, now)
    factories.appointment(factories.patient(last_name="Theirs"), factories.doctor(), now)
    page = client.get("/doctor/").get_data(as_text=True)
    assert "Mine" in page and "Theirs" not in page


def test_malformed_date_falls_back_to_today_with_a_message(client, login_as):
    """A garbled date parameter is explained, not a 500."""
    login_as(Role.DOCTOR)
    response = client.get("/doctor/?date=2024-13-45")
    assert response.status_code == 200
    assert "The date was not understood" in response.get_data(as_text=True)


def test_opening_an_appointment_is_audited(client, login_as, db):
    """A doctor opening a patient's appointment leaves an audit record naming the patient."""
    me = login_as(Role.DOCTOR)
    appt = factories.appointment(factories.patient(last_name="Audited"), me)
    response = client.get(f"/doctor/appointments/{appt.public_id}")
    assert response.status_code == 200 and "Audited" in response.get_data(as_text=True)
    event = db.session.scalars(sa.select(AuditEvent)).one()
    assert (event.actor_id, event.patient_id, event.action) == (me.id, appt.patient_id, "view_appointment")
    assert event.object_id == str(appt.public_id)


def test_doctor_without_relation_gets_404(client, login_as):
    """A doctor who never saw the patient cannot open their appointment with someone else."""
    login_as(Role.DOCTOR)
    assert client.get(f"/doctor/appointments/{factories.appointment().public_id}").status_code == 404


def test_treating_doctor_sees_colleagues_appointment_but_restricted_does_not(client, login_as):
    """A non-restricted doctor who treats the patient sees the history; a psychologist sees only their own."""
    patient = factories.patient()
    colleague_appt = factories.appointment(patient, factories.doctor())
    psychologist = factories.doctor(restricted=True)
    factories.appointment(patient, psychologist)
    therapist = factories.doctor()
    factories.appointment(patient, therapist)

    login_as(Role.DOCTOR, psychologist)
    assert client.get(f"/doctor/appointments/{colleague_appt.public_id}").status_code == 404
    client.submit("/auth/logout")
    login_as(Role.DOCTOR, therapist)
    assert client.get(f"/doctor/appointments/{colleague_appt.public_id}").status_code == 200


def test_appointment_page_lists_previous_visits_with_this_doctor(client, login_as):
    """The appointment page shows the pair's earlier appointments."""
    me = login_as(Role.DOCTOR)
    patient = factories.patient()
    earlier = factories.appointment(patient, me, datetime(2030, 1, 5, 9, 0, tzinfo=UTC))
    current = factories.appointment(patient, me, datetime(2030, 2, 5, 9, 0, tzinfo=UTC))
    page = client.get(f"/doctor/appointments/{current.public_id}").get_data(as_text=True)
    assert f"/doctor/appointments/{earlier.public_id}" in page
