"""Cancelling and rescheduling under the shared status rules: only an appointment that has not started can be
cancelled or moved, and a cancellation read before a concurrent change (the doctor starting, say) is refused
instead of overwriting it, in the service and on the patient's and reception's pages."""

import importlib
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.clock import utcnow
from app.extensions import db as _db
from app.models import Appointment, AppointmentStatus, AuditEvent, Role
from app.scheduling.booking import BookingError, book, can_patient_cancel, cancel, reschedule
from app.scheduling.slots import free_slots
from app.scheduling.status import apply_action
from tests import factories

CHANGED = "The appointment was changed meanwhile; please look again."
STARTED = "The doctor has already started this appointment; it can no longer be cancelled or moved."
OVER = "This appointment is no longer active."


def _stored(db, appointment: Appointment) -> tuple:
    """Status and cancellation columns in the database, read past the session's copy."""
    row = db.session.execute(
        sa.select(
            Appointment.status, Appointment.cancelled_at, Appointment.cancelled_by_id, Appointment.cancel_reason
        ).where(Appointment.id == appointment.id)
    ).one()
    return tuple(row)


def _doctor_starts_elsewhere(app, appointment: Appointment) -> None:
    """The doctor starts the appointment in a request of their own (another app context, so another session and
    connection) and commits; the caller's copy of the appointment still says booked."""
    with app.app_context():
        own = _db.session.get(Appointment, appointment.id)
        apply_action(own, "start", Role.DOCTOR)


def _canceller(role: Role, appointment: Appointment):
    """The patient whose appointment it is, or a receptionist."""
    return appointment.patient.user if role == Role.PATIENT else factories.user(Role.RECEPTION)


def _actions(db) -> list[str]:
    """The audited actions, in order."""
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


# --- The service ---


@pytest.mark.parametrize("role", [Role.PATIENT, Role.RECEPTION])
def test_cancelling_records_who_when_and_why(app, db, role):
    """A booked appointment is cancelled by one conditional update with its time, author and trimmed reason."""
    appointment = factories.appointment(status=AppointmentStatus.CONFIRMED)
    by = _canceller(role, appointment)
    when = datetime(2031, 3, 10, 9, 0, tzinfo=UTC)
    cancel(appointment, by, "  Feeling better  ", now=when)
    assert _stored(db, appointment) == (AppointmentStatus.CANCELLED, when, by.id, "Feeling better")
    assert appointment.status == AppointmentStatus.CANCELLED  # the caller's copy is reloaded


@pytest.mark.both_engines
@pytest.mark.parametrize("role", [Role.PATIENT, Role.RECEPTION])
def test_a_stale_cancellation_after_the_doctor_started_is_refused(app, db, role):
    """The page was loaded while the appointment was booked, the doctor started meanwhile: the cancellation is
    refused, nothing of it is written and the appointment stays in progress; looked at again, it says why."""
    appointment = factories.appointment()
    by = _canceller(role, appointment)
    assert appointment.status == AppointmentStatus.BOOKED  # what the cancelling page saw
    _doctor_starts_elsewhere(app, appointment)
    with pytest.raises(BookingError) as refused:
        cancel(appointment, by, "Changed my mind")
    assert (refused.value.code, str(refused.value)) == ("changed", CHANGED)
    assert _stored(db, appointment) == (AppointmentStatus.IN_PROGRESS, None, None, "")
    db.session.refresh(appointment)
    with pytest.raises(BookingError) as again:
        cancel(appointment, by, "Changed my mind")
    assert (again.value.code, str(again.value)) == ("status", STARTED)
    assert _stored(db, appointment) == (AppointmentStatus.IN_PROGRESS, None, None, "")


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (AppointmentStatus.IN_PROGRESS, STARTED),
        (AppointmentStatus.COMPLETED, OVER),
        (AppointmentStatus.NO_SHOW, OVER),
        (AppointmentStatus.CANCELLED, OVER),
    ],
)
@pytest.mark.parametrize("role", [Role.PATIENT, Role.RECEPTION])
def test_only_a_waiting_appointment_can_be_cancelled(app, db, status, message, role):
    """In progress, completed, missed or already cancelled: refused with the reason, the row untouched, and the
    patient's cabinet does not offer it."""
    appointment = factories.appointment(starts_at=utcnow() + timedelta(days=3), status=status)
    with pytest.raises(BookingError) as refused:
        cancel(appointment, _canceller(role, appointment), "Too late")
    assert (refused.value.code, str(refused.value)) == ("status", message)
    assert _stored(db, appointment) == (status, None, None, "")
    assert not can_patient_cancel(appointment)


def test_a_doctor_does_not_cancel(app, db):
    """Cancelling is the patient's and reception's; the doctor's attempt is refused and changes nothing."""
    appointment = factories.appointment()
    with pytest.raises(BookingError) as refused:
        cancel(appointment, appointment.doctor, "Ill")
    assert (refused.value.code, str(refused.value)) == ("unavailable", "That action is not available.")
    assert _stored(db, appointment) == (AppointmentStatus.BOOKED, None, None, "")


def _booked_with_free_slot():
    """A booked appointment at a doctor's first free slot, and the next free slot to move it to."""
    doctor, service = factories.offering_doctor()
    patient = factories.patient()
    first, second = free_slots(doctor, service, utcnow(), limit=2)
    return book(patient, doctor, service, first.starts_at, patient.user), second.starts_at


@pytest.mark.both_engines
@pytest.mark.parametrize("role", [Role.PATIENT, Role.RECEPTION])
def test_a_reschedule_whose_original_was_started_meanwhile_books_nothing(app, db, role):
    """The move was asked for on a page loaded before the doctor started: refused, no new appointment, the
    original in progress without a cancellation; looked at again, the move is refused for the start itself."""
    original, elsewhere = _booked_with_free_slot()
    by = _canceller(role, original)
    _doctor_starts_elsewhere(app, original)
    with pytest.raises(BookingError) as refused:
        reschedule(original, elsewhere, by)
    assert (refused.value.code, str(refused.value)) == ("changed", CHANGED)
    assert db.session.scalar(sa.select(sa.func.count(Appointment.id))) == 1
    assert _stored(db, original) == (AppointmentStatus.IN_PROGRESS, None, None, "")
    db.session.refresh(original)
    with pytest.raises(BookingError) as again:
        reschedule(original, elsewhere, by)
    assert (again.value.code, str(again.value)) == ("status", STARTED)
    assert db.session.scalar(sa.select(sa.func.count(Appointment.id))) == 1


def test_a_refused_new_slot_keeps_the_original(app, db):
    """A move to a time the doctor does not work is refused and leaves the original booked, uncancelled."""
    original, elsewhere = _booked_with_free_slot()
    with pytest.raises(BookingError) as refused:
        reschedule(original, elsewhere + timedelta(minutes=7), original.patient.user)
    assert refused.value.code == "slot_unavailable"
    assert db.session.scalar(sa.select(sa.func.count(Appointment.id))) == 1
    assert _stored(db, original) == (AppointmentStatus.BOOKED, None, None, "")


def test_a_reschedule_moves_and_cancels_the_original_as_rescheduled(app, db):
    """The normal move: the original cancelled as "rescheduled" by the mover, the new one booked."""
    original, elsewhere = _booked_with_free_slot()
    reception = factories.user(Role.RECEPTION)
    moved = reschedule(original, elsewhere, reception)
    assert (moved.status, moved.starts_at) == (AppointmentStatus.BOOKED, elsewhere)
    status, cancelled_at, cancelled_by_id, reason = _stored(db, original)
    assert (status, cancelled_by_id, reason) == (AppointmentStatus.CANCELLED, reception.id, "rescheduled")
    assert cancelled_at is not None


# --- The pages: the doctor starts between the page's loading of the appointment and its cancellation ---


@contextmanager
def _doctor_starts_during(app, module: str):
    """While inside, the doctor starts the appointment right after the view module has loaded it: the request
    goes on with a copy that still says booked, as one racing the doctor's request would."""
    load = importlib.import_module(module).get_appointment_or_404

    def load_then_start(public_id, user):
        appointment = load(public_id, user)
        _doctor_starts_elsewhere(app, appointment)
        return appointment

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(f"{module}.get_appointment_or_404", load_then_start)
        yield


def test_the_patients_stale_cancellation_is_refused_on_the_page(app, client, login_as, db):
    """The patient presses "Cancel" as the doctor starts: the cabinet says the appointment changed, it stays in
    progress; the appointment page then offers no cancellation and a second try names the start."""
    me = login_as(Role.PATIENT)
    appointment = factories.appointment(me.patient_profile, starts_at=utcnow() + timedelta(days=3))
    url = f"/patient/appointments/{appointment.public_id}/cancel"
    with _doctor_starts_during(app, "roles.patient.booking"):
        response = client.submit(url, {"reason": "Busy"}, follow_redirects=True)
    assert response.status_code == 200 and CHANGED in response.get_data(as_text=True)
    assert _stored(db, appointment) == (AppointmentStatus.IN_PROGRESS, None, None, "")
    page = client.get(f"/patient/appointments/{appointment.public_id}").get_data(as_text=True)
    assert url not in page and "/reschedule" not in page
    again = client.submit(url, {"reason": "Busy"}, follow_redirects=True)
    assert STARTED in again.get_data(as_text=True)
    moving = client.get(f"/patient/appointments/{appointment.public_id}/reschedule", follow_redirects=True)
    assert STARTED in moving.get_data(as_text=True)
    assert _stored(db, appointment) == (AppointmentStatus.IN_PROGRESS, None, None, "")


def test_receptions_stale_cancellation_is_refused_on_the_page(app, client, login_as, db):
    """Reception cancels as the doctor starts: 409 with the reason, the appointment in progress, no cancellation
    audited; the cancel page then explains the start and a second try is refused the same way."""
    login_as(Role.RECEPTION)
    appointment = factories.appointment(starts_at=utcnow() + timedelta(minutes=10))
    url = f"/reception/appointments/{appointment.public_id}/cancel"
    with _doctor_starts_during(app, "roles.reception.booking"):
        response = client.submit(url, {"reason": "Patient phoned"})
    assert response.status_code == 409 and CHANGED in response.get_data(as_text=True)
    assert _stored(db, appointment) == (AppointmentStatus.IN_PROGRESS, None, None, "")
    page = client.get(url)
    assert page.status_code == 200 and STARTED in page.get_data(as_text=True)
    again = client.submit(url, {"reason": "Patient phoned"})
    assert again.status_code == 409 and STARTED in again.get_data(as_text=True)
    assert _stored(db, appointment) == (AppointmentStatus.IN_PROGRESS, None, None, "")
    assert "cancel_appointment" not in _actions(db)


def test_receptions_stale_reschedule_is_refused_on_the_page(app, client, login_as, db):
    """Reception moves an appointment as the doctor starts it: 409 with the reason and no slots offered, nothing
    booked, nothing audited."""
    login_as(Role.RECEPTION)
    original, elsewhere = _booked_with_free_slot()
    url = f"/reception/appointments/{original.public_id}/reschedule"
    with _doctor_starts_during(app, "roles.reception.booking"):
        response = client.submit(url, {"starts_at": elsewhere.isoformat()})
    text = response.get_data(as_text=True)
    assert response.status_code == 409 and CHANGED in text
    assert f'value="{elsewhere.isoformat()}"' not in text
    assert db.session.scalar(sa.select(sa.func.count(Appointment.id))) == 1
    assert _stored(db, original) == (AppointmentStatus.IN_PROGRESS, None, None, "")
    again = client.submit(url, {"starts_at": elsewhere.isoformat()})
    assert again.status_code == 409 and STARTED in again.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Appointment.id))) == 1
    assert "reschedule_appointment" not in _actions(db)
