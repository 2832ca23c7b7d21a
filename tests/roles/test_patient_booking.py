"""Booking in two clicks from a specialist's card, for oneself or a dependant, and cancelling."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.models import Appointment, AppointmentStatus, Role
from tests import factories

STARTED = "The doctor has already started this appointment; it can no longer be cancelled or moved."
SLOT_LINK = re.compile(r'href="(/patient/book\?[^"]+)"')


def _first_slot_link(client, doctor) -> str:
    """The first free-slot button on the doctor's public card."""
    page = client.get(f"/specialists/{doctor.specialist_profile.public_id}").get_data(as_text=True)
    links = SLOT_LINK.findall(page)
    assert links, "no free slots shown on the card"
    return links[0].replace("&amp;", "&")


def test_two_clicks_from_the_card_to_the_cabinet(client, login_as, db):
    """Click a slot, confirm: the appointment exists and shows in the patient's cabinet."""
    doctor, _service = factories.offering_doctor(last_name="Cardiologist")
    me = login_as(Role.PATIENT)
    confirm = client.get(_first_slot_link(client, doctor))  # click 1
    assert confirm.status_code == 200 and "Confirm booking" in confirm.get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', confirm.get_data(as_text=True)).group(1)
    fields = dict(
        re.findall(
            r'<input id="(doctor|service|starts_at)" name="\1" type="hidden" value="([^"]*)"',
            confirm.get_data(as_text=True),
        )
    )
    response = client.post(
        "/patient/book",
        data={**fields, "csrf_token": token, "patient": str(me.patient_profile.public_id)},
    )  # click 2
    assert response.status_code == 302
    booked = db.session.scalars(sa.select(Appointment)).one()
    assert booked.patient_id == me.patient_profile.id and booked.doctor_id == doctor.id
    assert "Cardiologist" in client.get("/patient/").get_data(as_text=True).split("Past appointments")[0]


def test_anonymous_click_goes_through_sign_in_and_back(client):
    """A visitor who clicks a slot signs in and returns to the confirmation."""
    doctor, _service = factories.offering_doctor()
    link = _first_slot_link(client, doctor)
    response = client.get(link)
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login?next=")


def test_guardian_books_for_the_dependant_with_the_questionnaire(client, login_as, db):
    """The guardian picks the child in the confirmation and answers the questionnaire."""
    doctor, service = factories.offering_doctor()
    me = login_as(Role.PATIENT)
    child = factories.dependant(me)
    link = _first_slot_link(client, doctor)
    at = re.search(r"at=([^&]+)", link).group(1)
    response = client.submit(
        "/patient/book",
        {
            "doctor": str(doctor.specialist_profile.public_id),
            "service": service.code,
            "starts_at": at.replace("%3A", ":").replace("%2B", "+"),
            "patient": str(child.public_id),
            "reason": "Cough",
            "remote_consent": "y",
        },
    )
    assert response.status_code == 302
    booked = db.session.scalars(sa.select(Appointment)).one()
    assert booked.patient_id == child.id and booked.intake.reason == "Cough" and booked.created_by_id == me.id


def test_taken_slot_and_bad_input_are_explained(client, login_as, db):
    """A slot taken meanwhile answers 409 with a message; malformed or unknown values are 400/404, never 500."""
    doctor, service = factories.offering_doctor()
    me = login_as(Role.PATIENT)
    link = _first_slot_link(client, doctor)
    at = re.search(r"at=([^&]+)", link).group(1).replace("%3A", ":").replace("%2B", "+")
    from datetime import datetime

    factories.appointment(doctor_user=doctor, starts_at=datetime.fromisoformat(at), of_service=service)
    form = {"doctor": str(doctor.specialist_profile.public_id), "service": service.code, "starts_at": at}
    taken = client.submit("/patient/book", {**form, "patient": str(me.patient_profile.public_id)})
    assert taken.status_code in (409, 422)
    assert "not available" in taken.get_data(as_text=True) or "just taken" in taken.get_data(as_text=True)
    assert client.get(f"/patient/book?doctor={form['doctor']}&service={service.code}&at=yesterday").status_code == 400
    assert client.get(f"/patient/book?doctor={form['doctor']}&service=nope&at={at}").status_code == 404
    stranger = factories.patient()
    forged = client.submit("/patient/book", {**form, "patient": str(stranger.public_id)})
    assert forged.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Appointment.id))) == 1


def test_cancel_before_cutoff_and_not_after(client, login_as, db):
    """The patient cancels a far appointment; a near one can only be changed by reception."""
    me = login_as(Role.PATIENT)
    far = factories.appointment(me.patient_profile, starts_at=factories.datetime.now(factories.UTC) + timedelta(days=3))
    near = factories.appointment(
        me.patient_profile, starts_at=factories.datetime.now(factories.UTC) + timedelta(hours=3)
    )
    assert "Cancel appointment" in client.get(f"/patient/appointments/{far.public_id}").get_data(as_text=True)
    client.submit(f"/patient/appointments/{far.public_id}/cancel", {"reason": "Travelling"})
    db.session.refresh(far)
    assert far.status == AppointmentStatus.CANCELLED and far.cancel_reason == "Travelling"
    page = client.get(f"/patient/appointments/{near.public_id}").get_data(as_text=True)
    assert "Cancel appointment" not in page and "only by reception" in page
    client.submit(f"/patient/appointments/{near.public_id}/cancel", {})
    db.session.refresh(near)
    assert near.status == AppointmentStatus.BOOKED
    other = factories.appointment()
    assert client.submit(f"/patient/appointments/{other.public_id}/cancel", {}).status_code == 404


@pytest.mark.parametrize("starts_in", [timedelta(minutes=-5), timedelta(days=3)], ids=["started-on-time", "early"])
def test_an_appointment_the_doctor_started_says_so(client, login_as, db, starts_in):
    """Once the doctor has started (on time, or early, still outside the cut-off), the appointment page says so,
    offers neither cancelling nor moving, and does not send the patient to reception."""
    me = login_as(Role.PATIENT)
    started = factories.appointment(
        me.patient_profile,
        starts_at=factories.datetime.now(factories.UTC) + starts_in,
        status=AppointmentStatus.IN_PROGRESS,
    )
    page = client.get(f"/patient/appointments/{started.public_id}").get_data(as_text=True)
    assert STARTED in page
    assert "Cancel appointment" not in page and f"/patient/appointments/{started.public_id}/cancel" not in page
    assert "Reschedule" not in page and f"/patient/appointments/{started.public_id}/reschedule" not in page
    assert "reception" not in page.lower()


def test_questionnaire_answered_later_reaches_the_doctor(client, login_as, db):
    """A patient fills in the questionnaire after booking; the doctor's appointment page shows it."""
    me = login_as(Role.PATIENT)
    doctor = factories.doctor()
    appointment = factories.appointment(me.patient_profile, doctor)
    response = client.submit(
        f"/patient/appointments/{appointment.public_id}/intake",
        {"reason": "Follow-up", "complaints": "Headache <b>at night</b>", "remote_consent": "y"},
    )
    assert response.status_code == 303
    db.session.refresh(appointment)
    assert appointment.intake.reason == "Follow-up" and appointment.intake.remote_consent
    client.submit("/auth/logout")
    login_as(Role.DOCTOR, doctor)
    page = client.get(f"/doctor/appointments/{appointment.public_id}").get_data(as_text=True)
    assert "Follow-up" in page and "Headache &lt;b&gt;at night&lt;/b&gt;" in page


def test_patient_reschedules_within_the_cutoff(client, login_as, db):
    """The patient moves an appointment to another free time; the old one is cancelled as rescheduled."""
    from app.scheduling.booking import book

    doctor, service = factories.offering_doctor()
    me = login_as(Role.PATIENT)
    link = _first_slot_link(client, doctor)
    from datetime import datetime
    from urllib.parse import unquote

    first_at = datetime.fromisoformat(unquote(re.search(r"at=([^&]+)", link).group(1)))
    original = book(me.patient_profile, doctor, service, first_at + timedelta(days=2), me)
    page = client.get(f"/patient/appointments/{original.public_id}/reschedule").get_data(as_text=True)
    choices = re.findall(r'name="starts_at" value="([^"]+)"', page)
    assert choices
    response = client.submit(f"/patient/appointments/{original.public_id}/reschedule", {"starts_at": choices[0]})
    assert response.status_code == 302
    db.session.refresh(original)
    assert original.status == AppointmentStatus.CANCELLED and original.cancel_reason == "rescheduled"
    moved = db.session.scalars(sa.select(Appointment).where(Appointment.status == AppointmentStatus.BOOKED)).one()
    assert moved.starts_at == datetime.fromisoformat(choices[0]) and moved.patient_id == me.patient_profile.id
    near = factories.appointment(
        me.patient_profile, starts_at=factories.datetime.now(factories.UTC) + timedelta(hours=2)
    )
    assert client.get(f"/patient/appointments/{near.public_id}/reschedule").status_code == 302
