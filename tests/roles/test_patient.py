"""The patient's cabinet: own appointments, dependants, and nothing of anyone else."""

from datetime import UTC, datetime, timedelta

from app.models import RESCHEDULED, AppointmentStatus, Role
from app.scheduling.booking import cancel
from tests import factories


def test_dashboard_splits_upcoming_and_past(client, login_as):
    """Upcoming appointments and past ones appear in their own sections."""
    me = login_as(Role.PATIENT)
    doctor = factories.doctor(last_name="Upcomingdoc")
    past_doctor = factories.doctor(last_name="Pastdoc")
    factories.appointment(me.patient_profile, doctor, datetime.now(UTC) + timedelta(days=2))
    factories.appointment(
        me.patient_profile, past_doctor, datetime.now(UTC) - timedelta(days=3), status=AppointmentStatus.COMPLETED
    )
    page = client.get("/patient/").get_data(as_text=True)
    upcoming, past = page.split("Past appointments")
    assert "Upcomingdoc" in upcoming and "Pastdoc" not in upcoming
    assert "Pastdoc" in past


def test_a_cancelled_coming_appointment_stays_upcoming_with_who_cancelled_it_and_why(client, login_as, db):
    """ "Past" holds only what is over: a coming appointment the clinic cancelled stays among the upcoming ones,
    marked cancelled with the reason, and its page says the clinic cancelled it; one the patient moved says so."""
    me = login_as(Role.PATIENT)
    reception = factories.user(Role.RECEPTION)
    soon = datetime.now(UTC) + timedelta(days=2)
    called_off = factories.appointment(me.patient_profile, factories.doctor(last_name="Cancelleddoc"), soon)
    cancel(called_off, reception, "The doctor is ill <b>today</b>")
    moved = factories.appointment(me.patient_profile, factories.doctor(last_name="Moveddoc"), soon)
    moved.status, moved.cancel_reason, moved.cancelled_by_id = AppointmentStatus.CANCELLED, RESCHEDULED, me.id
    db.session.commit()

    upcoming, past = client.get("/patient/").get_data(as_text=True).split("Past appointments")
    page = client.get(f"/patient/appointments/{called_off.public_id}").get_data(as_text=True)
    own = client.get(f"/patient/appointments/{moved.public_id}").get_data(as_text=True)

    assert "Cancelleddoc" in upcoming and "Cancelleddoc" not in past
    assert "Reason: The doctor is ill &lt;b&gt;today&lt;/b&gt;" in upcoming
    assert "Moveddoc" in upcoming and "Moved to another time." in upcoming
    assert "Cancelled by the clinic." in page and "The doctor is ill &lt;b&gt;today&lt;/b&gt;" in page
    assert "Cancelled by you." in own and "Moved to another time." in own


def test_patient_opens_own_appointment(client, login_as):
    """The patient's own appointment page shows the doctor and the time in the patient's timezone."""
    me = login_as(Role.PATIENT)
    me.timezone = "Asia/Vladivostok"
    starts = datetime(2031, 3, 10, 6, 0, tzinfo=UTC)  # 16:00 in Vladivostok (UTC+10)
    appt = factories.appointment(me.patient_profile, factories.doctor(last_name="Owndoc"), starts)
    page = client.get(f"/patient/appointments/{appt.public_id}").get_data(as_text=True)
    assert "Owndoc" in page
    assert "Monday, 10 March 2031, 16:00" in page


def test_other_patients_appointment_is_404(client, login_as):
    """Another patient's appointment does not exist as far as this patient can tell."""
    login_as(Role.PATIENT)
    theirs = factories.appointment()
    assert client.get(f"/patient/appointments/{theirs.public_id}").status_code == 404
    assert client.get("/patient/appointments/not-a-uuid").status_code == 404


def test_guardian_acts_for_dependant(client, login_as):
    """A guardian switches to the dependant and opens the dependant's appointment."""
    me = login_as(Role.PATIENT)
    child = factories.dependant(me, first_name="Миша", last_name="Смирнов")
    appt = factories.appointment(child, factories.doctor(last_name="Paediatrician"))
    dashboard = client.get("/patient/").get_data(as_text=True)
    assert "Смирнов Миша" in dashboard  # offered in the switcher
    child_view = client.get(f"/patient/?for={child.public_id}").get_data(as_text=True)
    assert "Paediatrician" in child_view
    response = client.get(f"/patient/appointments/{appt.public_id}")
    assert response.status_code == 200
    assert "Смирнов Миша" in response.get_data(as_text=True)


def test_inactive_guardianship_gives_no_access(client, login_as):
    """When reception ends a guardianship the former guardian sees nothing of the dependant."""
    me = login_as(Role.PATIENT)
    child = factories.dependant(me, active=False)
    appt = factories.appointment(child)
    assert client.get(f"/patient/?for={child.public_id}").status_code == 404
    assert client.get(f"/patient/appointments/{appt.public_id}").status_code == 404


def test_switcher_refuses_someone_elses_record(client, login_as):
    """Choosing a stranger's record in the switcher answers 404."""
    login_as(Role.PATIENT)
    stranger = factories.patient()
    assert client.get(f"/patient/?for={stranger.public_id}").status_code == 404


def _visits(patient, count: int, doctor=None):
    """`count` completed visits, the latest yesterday, one a day before that; returns their doctors' surnames, latest
    first."""
    names = []
    for n in range(count):
        doctor_user = doctor or factories.doctor(last_name=f"Visit{n:03d}doc")
        factories.appointment(
            patient, doctor_user, datetime.now(UTC) - timedelta(days=n + 1), status=AppointmentStatus.COMPLETED
        )
        names.append(f"Visit{n:03d}doc")
    return names


def test_cabinet_shows_the_latest_ten_visits_and_links_the_history(client, login_as):
    """With twelve past visits the cabinet lists the ten latest, newest first, and links to the whole history."""
    me = login_as(Role.PATIENT)
    names = _visits(me.patient_profile, 12)
    past = client.get("/patient/").get_data(as_text=True).split("Past appointments")[1]
    shown = [name for name in names if name in past]
    assert shown == names[:10]
    assert sorted(shown, key=past.index) == names[:10]
    assert 'href="/patient/history"' in past and "All past appointments" in past


def test_cabinet_without_earlier_visits_has_no_history_link(client, login_as):
    """Ten visits or fewer all fit on the cabinet page."""
    me = login_as(Role.PATIENT)
    _visits(me.patient_profile, 10)
    page = client.get("/patient/").get_data(as_text=True)
    assert "All past appointments" not in page and page.count("Visit0") == 10


def test_history_pages_through_every_visit(client, login_as):
    """The history lists fifty visits a page, latest first, with links between pages; past the end is 404."""
    me = login_as(Role.PATIENT)
    doctor = factories.doctor(last_name="Historydoc")
    _visits(me.patient_profile, 53, doctor=doctor)
    first = client.get("/patient/history").get_data(as_text=True)
    assert first.count("Historydoc") == 50 and 'href="/patient/history?page=2"' in first and "Later" not in first
    second = client.get("/patient/history?page=2").get_data(as_text=True)
    assert second.count("Historydoc") == 3 and 'href="/patient/history?page=1"' in second and "Earlier" not in second
    for bad in ("3", "0", "x", "-1", "99999999"):
        assert client.get(f"/patient/history?page={bad}").status_code == 404, bad


def test_history_of_a_dependant_and_not_of_a_stranger(client, login_as):
    """A guardian reads the dependant's history; another patient's record answers 404."""
    me = login_as(Role.PATIENT)
    child = factories.dependant(me, first_name="Миша", last_name="Смирнов")
    _visits(child, 1, doctor=factories.doctor(last_name="Childdoc"))
    page = client.get(f"/patient/history?for={child.public_id}").get_data(as_text=True)
    assert "Childdoc" in page and "Смирнов Миша" in page
    stranger = factories.patient()
    _visits(stranger, 1, doctor=factories.doctor(last_name="Strangerdoc"))
    response = client.get(f"/patient/history?for={stranger.public_id}")
    assert response.status_code == 404 and "Strangerdoc" not in response.get_data(as_text=True)
