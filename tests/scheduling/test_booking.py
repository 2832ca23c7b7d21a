"""Booking rules, and no double booking even under concurrent attempts."""

import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.extensions import db as _db
from app.models import Appointment, AppointmentStatus, Role
from app.scheduling.booking import BookingError, IntakeAnswers, book, can_patient_cancel, cancel
from tests import factories

MOSCOW = ZoneInfo("Europe/Moscow")
NOW = datetime(2031, 3, 9, 12, 0, tzinfo=UTC)
MONDAY = date(2031, 3, 10)


def _at(hour: int, minute: int = 0) -> datetime:
    """Monday at a Moscow wall-clock time, in UTC."""
    return datetime.combine(MONDAY, time(hour, minute), tzinfo=MOSCOW).astimezone(UTC)


def test_booking_a_free_slot_stores_it_with_the_questionnaire(app, db):
    """A free slot is booked with its end from the service duration and the intake answers."""
    doctor, service = factories.offering_doctor(minutes=45)
    patient = factories.patient()
    answers = IntakeAnswers(reason="Thyroid check", complaints="Tired", medication="None", remote_consent=True)
    appointment = book(patient, doctor, service, _at(9), patient.user, answers, now=NOW)
    stored = db.session.get(Appointment, appointment.id)
    assert stored.ends_at - stored.starts_at == timedelta(minutes=45)
    assert stored.status == AppointmentStatus.BOOKED
    assert stored.intake.reason == "Thyroid check" and stored.intake.remote_consent


@pytest.mark.parametrize(
    ("when", "code"),
    [
        (lambda: NOW - timedelta(hours=1), "past"),
        (lambda: _at(13, 20), "slot_unavailable"),  # in the lunch break
        (lambda: _at(9, 5), "slot_unavailable"),  # off the grid
        (lambda: _at(22), "slot_unavailable"),  # after hours
        (lambda: NOW + timedelta(days=45), "slot_unavailable"),  # beyond the horizon
    ],
)
def test_times_outside_the_rules_are_refused(app, when, code):
    """Past times, breaks, off-grid and after-hours times and times beyond the horizon are refused with a reason."""
    doctor, service = factories.offering_doctor()
    with pytest.raises(BookingError) as refused:
        book(factories.patient(), doctor, service, when(), doctor, now=NOW)
    assert refused.value.code == code
    assert str(refused.value)


def test_service_of_another_specialty_is_refused(app):
    """A doctor cannot be booked for a service outside their specialties."""
    doctor, _service = factories.offering_doctor()
    foreign = factories.service()
    with pytest.raises(BookingError) as refused:
        book(factories.patient(), doctor, foreign, _at(9), doctor, now=NOW)
    assert refused.value.code == "service_not_offered"


@pytest.mark.both_engines
def test_a_slot_cannot_be_taken_twice_and_patients_cannot_overlap(app, db):
    """Once booked, the slot is gone; the same patient cannot be in two places at once."""
    doctor, service = factories.offering_doctor()
    other_doctor, other_service = factories.offering_doctor()
    patient = factories.patient()
    book(patient, doctor, service, _at(9), patient.user, now=NOW)
    with pytest.raises(BookingError) as taken:
        book(factories.patient(), doctor, service, _at(9), doctor, now=NOW)
    assert taken.value.code == "slot_unavailable"
    with pytest.raises(BookingError) as busy:
        book(patient, other_doctor, other_service, _at(9), patient.user, now=NOW)
    assert busy.value.code == "patient_busy"
    assert db.session.scalar(sa.select(sa.func.count(Appointment.id))) == 1


@pytest.fixture
def twenty_connections(app_config):
    """Room in the connection pool for twenty simultaneous bookings (the default pool holds fifteen)."""
    app_config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": 20, "max_overflow": 5}


@pytest.mark.both_engines
def test_twenty_concurrent_attempts_book_exactly_once(twenty_connections, app, db):
    """Twenty patients press "book" on the same slot at once: one succeeds, nineteen hear it was just taken."""
    doctor, service = factories.offering_doctor()
    patient_ids = [factories.patient().id for _ in range(20)]
    doctor_id, service_id = doctor.id, service.id
    barrier = threading.Barrier(20, timeout=30)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(patient_id: int) -> None:
        with app.app_context():
            from app.models import PatientProfile, Service, User

            patient = _db.session.get(PatientProfile, patient_id)
            doctor_row = _db.session.get(User, doctor_id)
            service_row = _db.session.get(Service, service_id)
            doctor_row.specialist_profile.specialties  # noqa: B018 - load before the race starts
            barrier.wait()
            try:
                book(patient, doctor_row, service_row, _at(9), doctor_row, now=NOW)
                result = "booked"
            except BookingError as refused:
                result = refused.code
            except Exception as error:  # noqa: BLE001 - reported through the outcomes the test checks
                result = f"error: {error!r}"
            finally:
                _db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(pid,)) for pid in patient_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes.count("booked") == 1, outcomes
    assert set(outcomes) <= {"booked", "slot_taken", "slot_unavailable"}, outcomes
    assert len(outcomes) == 20
    assert db.session.scalar(sa.select(sa.func.count(Appointment.id))) == 1


def test_cancel_cutoff_and_freed_slot(app, db):
    """Patients may cancel until the cut-off; cancelling records who and why and frees the slot."""
    doctor, service = factories.offering_doctor()
    patient = factories.patient()
    appointment = book(patient, doctor, service, _at(9), patient.user, now=NOW)
    assert can_patient_cancel(appointment, now=_at(9) - timedelta(hours=13))
    assert not can_patient_cancel(appointment, now=_at(9) - timedelta(hours=11))
    cancel(appointment, patient.user, "Feeling better")
    assert (appointment.status, appointment.cancel_reason, appointment.cancelled_by_id) == (
        AppointmentStatus.CANCELLED,
        "Feeling better",
        patient.user.id,
    )
    with pytest.raises(BookingError):
        cancel(appointment, patient.user, "again")
    again = book(factories.patient(), doctor, service, _at(9), doctor, now=NOW)
    assert again.is_active


def test_booking_refuses_non_doctors(app):
    """Only active doctors can be booked."""
    _doctor, service = factories.offering_doctor()
    reception = factories.user(Role.RECEPTION)
    with pytest.raises(BookingError):
        book(factories.patient(), reception, service, _at(9), reception, now=NOW)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # a deadlock on the exclusion constraint
def test_a_booking_that_loses_a_deadlock_hears_the_slot_was_taken(app, db):
    """Two bookings whose exclusion checks wait for each other: PostgreSQL aborts one as a deadlock, and that
    patient is told the slot was just taken (no 500), with nothing of theirs stored."""
    doctor, service = factories.offering_doctor()
    patient, other = factories.patient(), factories.patient()
    doctor_id, service_id, patient_id = doctor.id, service.id, patient.id
    db.session.commit()
    insert = (
        "INSERT INTO appointment (public_id, patient_id, doctor_id, service_id, starts_at, ends_at, status, "
        "created_at, cancel_reason) VALUES (gen_random_uuid(), :p, :d, :s, :a, :b, 'booked', now(), '')"
    )
    rival = db.engine.connect()
    rival_tx = rival.begin()
    # The rival holds 8:50-9:10 uncommitted: the booking of 9:00 below inserts its row, then waits for the rival.
    rival.execute(sa.text(insert), {"p": other.id, "d": doctor_id, "s": service_id, "a": _at(8, 50), "b": _at(9, 10)})
    outcome: list[str] = []

    def attempt() -> None:
        with app.app_context():
            from app.models import PatientProfile, Service, User

            doctor_row = _db.session.get(User, doctor_id)
            try:
                book(_db.session.get(PatientProfile, patient_id), doctor_row, _db.session.get(Service, service_id),
                     _at(9), doctor_row, now=NOW)  # fmt: skip
                outcome.append("booked")
            except BookingError as refused:
                outcome.append(refused.code)
            finally:
                _db.session.remove()

    booking = threading.Thread(target=attempt)
    booking.start()
    # Wait until the booking waits on the rival's row, then make the rival wait on the booking's: 9:20-9:40 overlaps
    # only the booking's 9:00-9:30.
    waiting = "SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'"
    with db.engine.connect() as watcher:
        for _ in range(200):
            if watcher.execute(sa.text(waiting)).scalar():
                break
            threading.Event().wait(0.05)
    # The booking began waiting first, so its deadlock check runs first and it is the one aborted; the rival's
    # insert then goes through.
    rival.execute(sa.text(insert), {"p": other.id, "d": doctor_id, "s": service_id, "a": _at(9, 20), "b": _at(9, 40)})
    booking.join(timeout=30)
    rival_tx.rollback()
    rival.close()
    assert outcome == ["slot_taken"]
    booked = db.session.scalar(sa.select(sa.func.count(Appointment.id)).where(Appointment.patient_id == patient_id))
    assert booked == 0
