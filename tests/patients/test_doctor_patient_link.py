"""The doctor–patient links (app/models/doctor_patient.py) stay in step with the appointments and the patients' names,
whoever writes them, and the doctor's patient list read from them shows what the appointments say."""

import re
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.clock import utcnow
from app.models import Appointment, AppointmentStatus, Role
from app.scheduling.booking import book, cancel, reschedule
from app.scheduling.slots import free_slots
from app.scheduling.status import apply_action
from tests import factories

# The links as the appointments and the patients' records define them: every pair with at least one appointment, of
# any status, with the patient's current names and search text.
DERIVED = """
    SELECT DISTINCT a.doctor_id, a.patient_id, p.last_name, p.first_name, p.search_text
    FROM appointment a JOIN patient_profile p ON p.id = a.patient_id
"""
STORED = "SELECT doctor_id, patient_id, last_name, first_name, search_text FROM doctor_patient"


def links_in_step(db) -> set:
    """The stored links, after checking they are exactly the derived ones."""
    db.session.commit()  # what other connections see
    with db.engine.connect() as connection:
        stored = {tuple(row) for row in connection.execute(sa.text(STORED))}
        derived = {tuple(row) for row in connection.execute(sa.text(DERIVED))}
    assert stored == derived
    return stored


def listed(client, query: str = "") -> list[str]:
    """The surnames the doctor's patient list shows, in its order."""
    page = client.get(f"/doctor/patients/search?{query}").get_data(as_text=True)
    return re.findall(r"<tr>\s*<td>(\S+)", page)


@pytest.mark.both_engines
def test_booking_cancelling_and_status_changes_keep_the_links(client, login_as, db):
    """A booking links its patient to the doctor; cancelling, completing and rescheduling keep the link (a cancelled
    appointment still makes the patient the doctor's, as the list always showed), and the list follows."""
    doctor, service = factories.offering_doctor()
    login_as(Role.DOCTOR, doctor)
    booked = factories.patient(last_name="Bookedpatient")
    assert links_in_step(db) == set()

    slot, later = free_slots(doctor, service, utcnow(), limit=2)
    appointment = book(booked, doctor, service, slot.starts_at, created_by=booked.user)
    assert {(d, p) for d, p, *_ in links_in_step(db)} == {(doctor.id, booked.id)}
    assert listed(client) == ["Bookedpatient"]

    moved = reschedule(appointment, later.starts_at, by=booked.user)
    links_in_step(db)
    cancel(moved, booked.user, "changed my mind")
    assert {(d, p) for d, p, *_ in links_in_step(db)} == {(doctor.id, booked.id)}
    assert listed(client, "q=bookedp") == ["Bookedpatient"]

    seen = factories.patient(last_name="Seenpatient")
    visit = factories.appointment(seen, doctor, datetime.now(UTC) - timedelta(minutes=10))
    apply_action(visit, "start", Role.DOCTOR)
    apply_action(visit, "complete", Role.DOCTOR)
    links_in_step(db)
    assert listed(client) == ["Bookedpatient", "Seenpatient"]
    assert listed(client, "when=past") == ["Seenpatient"]


@pytest.mark.both_engines
def test_a_patients_edit_renames_and_reorders_them_in_every_doctors_list(client, login_as, db):
    """Reception corrects a surname: each of the patient's doctors lists and finds them by the new one, in its
    place in the alphabet, and no longer by the old one."""
    first, second = factories.doctor(), factories.doctor()
    record = factories.patient(last_name="Zedfirst", first_name="Anna")
    other = factories.patient(last_name="Middleman")
    past = datetime.now(UTC) - timedelta(days=3)
    for doctor in (first, second):
        factories.appointment(record, doctor, past, status=AppointmentStatus.COMPLETED)
        factories.appointment(other, doctor, past - timedelta(days=1), status=AppointmentStatus.COMPLETED)
    login_as(Role.RECEPTION)
    saved = client.submit(
        f"/reception/patients/{record.public_id}/edit",
        {"last_name": "Abramova", "first_name": "Anna", "date_of_birth": "1990-01-01", "phone": "+7 901 222-33-44"},
    )
    assert saved.status_code == 302
    stored = links_in_step(db)
    renamed = {(name, text) for _d, patient, name, _f, text in stored if patient == record.id}
    assert len(renamed) == 1 and renamed.pop() == ("Abramova", f"abramova anna {record.email} 79012223344")
    client.submit("/auth/logout")
    for doctor in (first, second):
        login_as(Role.DOCTOR, doctor)
        assert listed(client) == ["Abramova", "Middleman"]
        assert listed(client, "q=abram") == ["Abramova"]
        assert listed(client, "q=79012223344") == ["Abramova"]
        assert listed(client, "q=zedfirst") == []


@pytest.mark.both_engines
def test_writers_outside_the_app_keep_the_links(db):
    """Rows written without the ORM (a bulk load), moved to another doctor or patient, or deleted: a pair stays
    linked while it has an appointment left, and only then."""
    doctor, other_doctor = factories.doctor(), factories.doctor()
    record, other_record = factories.patient(), factories.patient()
    service = factories.service()
    starts = datetime.now(UTC) + timedelta(days=2)
    rows = [
        {"public_id": uuid.uuid4(), "patient_id": record.id, "doctor_id": doctor.id,
         "service_id": service.id, "starts_at": starts + timedelta(hours=n), "ends_at": starts + timedelta(hours=n, minutes=30),
         "status": "completed", "created_at": starts, "cancel_reason": ""}
        for n in range(2)
    ]  # fmt: skip
    db.session.execute(sa.insert(Appointment.__table__), rows)
    assert {(d, p) for d, p, *_ in links_in_step(db)} == {(doctor.id, record.id)}

    first, second = db.session.scalars(sa.select(Appointment.id).order_by(Appointment.id)).all()
    db.session.execute(sa.update(Appointment).where(Appointment.id == first).values(doctor_id=other_doctor.id))
    assert {(d, p) for d, p, *_ in links_in_step(db)} == {(doctor.id, record.id), (other_doctor.id, record.id)}
    db.session.execute(sa.update(Appointment).where(Appointment.id == second).values(patient_id=other_record.id))
    assert {(d, p) for d, p, *_ in links_in_step(db)} == {(other_doctor.id, record.id), (doctor.id, other_record.id)}
    db.session.execute(sa.delete(Appointment).where(Appointment.id == first))
    assert {(d, p) for d, p, *_ in links_in_step(db)} == {(doctor.id, other_record.id)}


@pytest.mark.both_engines
def test_a_doctor_lists_only_their_own_patients_past_the_coming_ones(client, login_as, db):
    """The rest of the list (no coming appointment) comes from the doctor's own links: a psychologist's past
    patients are not in a therapist's list or search, nor the therapist's in the psychologist's, and a shared patient
    shows each doctor only their own last visit."""
    psychologist, therapist = factories.doctor(restricted=True), factories.doctor()
    past = datetime.now(UTC) - timedelta(days=5)
    shared = factories.patient(last_name="Sharedpast")
    own = factories.appointment(shared, psychologist, past, status=AppointmentStatus.COMPLETED)
    colleague = factories.appointment(shared, therapist, past + timedelta(days=1), status=AppointmentStatus.COMPLETED)
    factories.appointment(
        factories.patient(last_name="Psychonly"), psychologist, past, status=AppointmentStatus.COMPLETED
    )
    factories.appointment(factories.patient(last_name="Theronly"), therapist, past, status=AppointmentStatus.COMPLETED)
    links_in_step(db)
    login_as(Role.DOCTOR, psychologist)
    assert listed(client) == ["Psychonly", "Sharedpast"]
    assert listed(client, "q=only") == ["Psychonly"]
    page = client.get("/doctor/patients").get_data(as_text=True)
    assert str(own.public_id) in page and str(colleague.public_id) not in page


@pytest.mark.both_engines
def test_the_migration_links_the_existing_appointments(db):
    """Back to 0012 (no links) and up again: every pair with an appointment is linked, with the patient's names."""
    doctor = factories.doctor()
    for n in range(3):
        factories.appointment(factories.patient(last_name=f"Existing{n}"), doctor, status=AppointmentStatus.CANCELLED)
    db.session.remove()  # the migration needs the tables to itself (PostgreSQL's DDL waits for open transactions)

    downgrade(revision="0012")
    upgrade()

    assert sorted(name for _d, _p, name, _f, _t in links_in_step(db)) == ["Existing0", "Existing1", "Existing2"]


def test_a_booking_and_a_rename_at_once_leave_the_new_name(db):
    """PostgreSQL, two writers: a rename not yet committed while a booking links the patient to a new doctor. The
    booking waits for it and copies the new name (without the lock it copied the old one, which the rename's own
    update of the links could not see)."""
    doctor = factories.doctor()
    record = factories.patient(last_name="Oldname")
    service = factories.service()
    db.session.commit()
    # The thread below has no app context: it gets the engine and plain ids.
    engine, patient_id, doctor_id, service_id = db.engine, record.id, doctor.id, service.id
    renaming = engine.connect()
    renaming.begin()
    renaming.execute(
        sa.text("UPDATE patient_profile SET last_name = 'Newname', search_text = 'newname' WHERE id = :id"),
        {"id": patient_id},
    )

    def book_it():
        """Insert the appointment in its own transaction (it waits for the rename)."""
        starts = datetime.now(UTC) + timedelta(days=1)
        with engine.begin() as connection:
            connection.execute(
                sa.insert(Appointment.__table__).values(
                    public_id=uuid.uuid4(), patient_id=patient_id, doctor_id=doctor_id, service_id=service_id,
                    starts_at=starts, ends_at=starts + timedelta(minutes=30), status="booked", created_at=starts,
                    cancel_reason="",
                )
            )  # fmt: skip

    booking = threading.Thread(target=book_it)
    booking.start()
    booking.join(timeout=1)
    assert booking.is_alive()  # waiting on the patient's row
    renaming.commit()
    renaming.close()
    booking.join(timeout=10)
    assert not booking.is_alive()
    assert {(name, text) for _d, _p, name, _f, text in links_in_step(db)} == {("Newname", "newname")}


@pytest.mark.both_engines
def test_the_last_visit_is_the_latest_appointment_that_took_place(client, login_as, db):
    """A no-show, a cancellation and a booking nobody started are not visits: the list's "last visit" is the latest
    appointment the patient was seen at, and a patient never seen shows none."""
    doctor = factories.doctor()
    now = datetime.now(UTC)
    record = factories.patient(last_name="Seenonce")
    seen = factories.appointment(record, doctor, now - timedelta(days=20), status=AppointmentStatus.COMPLETED)
    missed = [
        factories.appointment(record, doctor, now - timedelta(days=days), status=status)
        for days, status in (
            (10, AppointmentStatus.NO_SHOW),
            (6, AppointmentStatus.CANCELLED),
            (3, AppointmentStatus.BOOKED),
        )
    ]
    never = factories.patient(last_name="Neverseen")
    factories.appointment(never, doctor, now - timedelta(days=2), status=AppointmentStatus.NO_SHOW)
    login_as(Role.DOCTOR, doctor)

    page = client.get("/doctor/patients").get_data(as_text=True)

    rows = {
        name: row
        for row in re.findall(r"<tr>.*?</tr>", page, re.S)
        for name in ("Seenonce", "Neverseen")
        if name in row
    }
    assert str(seen.public_id) in rows["Seenonce"]
    assert not any(str(appointment.public_id) in page for appointment in missed)
    assert rows["Neverseen"].count("—") == 2  # no next appointment and no visit
