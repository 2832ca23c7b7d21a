"""Both sides' appointment pages list the appointment's calls with their state and duration, in both languages."""

from datetime import UTC, datetime, timedelta

from app.calls import states
from tests import factories


def _finished_calls(pair):
    """A declined call, then one that connected for twelve minutes."""
    doctor, patient_user, appointment = pair
    now = datetime.now(UTC)
    first, _ = states.start(appointment, doctor, now - timedelta(minutes=9))
    states.take(first, "decline", patient_user, now - timedelta(minutes=9))
    second, _ = states.start(appointment, doctor, now - timedelta(minutes=8))
    states.take(second, "accept", patient_user, now - timedelta(minutes=8), connection="sid")
    states.take(second, "connected", doctor, now - timedelta(minutes=8))
    states.take(second, "hangup", doctor, now + timedelta(minutes=4))
    return first, second


def test_the_doctor_and_the_patient_see_the_calls(app, client, pair):
    """Each call appears with its state; the one that connected with its minutes."""
    doctor, patient_user, appointment = pair
    first, second = _finished_calls(pair)
    for user, url in ((doctor, "doctor"), (patient_user, "patient")):
        http = app.test_client()
        http.sign_in(user.email)
        page = http.get(f"/{url}/appointments/{appointment.public_id}").get_data(as_text=True)
        assert "Video calls" in page
        assert f'data-call="{first.public_id}" data-state="declined"' in page
        assert f'data-call="{second.public_id}" data-state="ended"' in page
        assert "Declined" in page and "12 min" in page


def test_the_calls_in_russian(app, pair):
    """The list speaks Russian to a Russian-speaking patient."""
    _doctor, patient_user, appointment = pair
    _finished_calls(pair)
    patient_user.locale = "ru"
    from app.extensions import db

    db.session.commit()
    http = app.test_client()
    http.sign_in(patient_user.email)
    page = http.get(f"/patient/appointments/{appointment.public_id}").get_data(as_text=True)
    assert "Видеозвонки" in page and "12 мин" in page


def test_a_colleague_sees_no_calls(app, pair):
    """A treating colleague may open the appointment but not its calls (they are between the two parties)."""
    _doctor, patient_user, appointment = pair
    _finished_calls(pair)
    colleague = factories.doctor()
    factories.appointment(patient_user.patient_profile, colleague, appointment.starts_at + timedelta(days=2))
    http = app.test_client()
    http.sign_in(colleague.email)
    response = http.get(f"/doctor/appointments/{appointment.public_id}")
    assert response.status_code == 200 and "Video calls" not in response.get_data(as_text=True)
