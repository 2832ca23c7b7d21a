"""Appointment queries shared by the cabinets, feeds and reminders, with eager loading so pages run a fixed number of queries.

The statements the busiest pages run are built once per process with their values as parameters (`@cache`):
building a select with eager loads and computing its cache key costs about a millisecond of CPU, as much as
running it.
"""

import uuid
from datetime import datetime
from functools import cache
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.models import (
    ACTIVE_STATUSES,
    RESCHEDULED,
    Appointment,
    AppointmentStatus,
    PatientProfile,
    Service,
    SpecialistProfile,
    User,
)
from app.models.names import person_name, shown_name


def active_condition(negate: bool = False) -> sa.ColumnElement[bool]:
    """The appointment's status is active (or, negated, not), the statuses written into the SQL as literals.

    Bound values would do for a single run, but psycopg prepares a statement run often and PostgreSQL then plans it
    once for any values: it can no longer tell that the partial index on active appointments applies, so it kept
    planning the statement afresh on every run instead (about a millisecond for the patient list).
    """
    statuses = sa.bindparam(
        "active", [s.value for s in ACTIVE_STATUSES], expanding=True, literal_execute=True, unique=True
    )
    return Appointment.status.not_in(statuses) if negate else Appointment.status.in_(statuses)


def _with_people(stmt, patient: bool = True, doctor: bool = True):
    """Load what appointment lists show alongside each appointment: patient, doctor (with profile) and service.

    A list of one doctor's or one patient's appointments leaves that side out: it is the same object on every row,
    already in the session (or loaded once), and joining it again cost a third of the query's time.
    """
    options = [joinedload(Appointment.service)]
    if patient:
        options.append(joinedload(Appointment.patient))
    if doctor:
        options.append(joinedload(Appointment.doctor).joinedload(User.specialist_profile))
    return stmt.options(*options)


def appointments_between(start: datetime, end: datetime, doctor_id: int | None = None):
    """Appointments starting in [start, end), optionally of one doctor, in time order."""
    stmt = sa.select(Appointment).where(Appointment.starts_at >= start, Appointment.starts_at < end)
    if doctor_id is not None:
        stmt = stmt.where(Appointment.doctor_id == doctor_id)
    return _with_people(stmt.order_by(Appointment.starts_at, Appointment.id), doctor=doctor_id is None)


class AppointmentLine(NamedTuple):
    """An appointment as a list row shows it (templates/_partials/appointment_rows.html), read as plain columns:
    building ORM objects with their patient, doctor and service cost more than rendering the row."""

    public_id: uuid.UUID
    starts_at: datetime
    status: AppointmentStatus
    arrived_at: datetime | None
    service_en: str
    service_ru: str
    doctor_name: str
    patient_name: str
    cancel_reason: str = ""  # why it was cancelled, as the person who cancelled it wrote it

    def service_name(self, language: str) -> str:
        """The service's name in the given interface language, as Service.name gives it."""
        return self.service_ru if language == "ru" else self.service_en

    @property
    def moved(self) -> bool:
        """Cancelled because it moved to another time (Appointment.moved)."""
        return self.status == AppointmentStatus.CANCELLED and self.cancel_reason == RESCHEDULED


def _lines(*conditions, doctor: bool, patient: bool):
    """Appointment columns for list rows matching `conditions`, labelled as _line reads them: the doctor's name
    parts (specialist profile, then the account's name and e-mail) and the patient's, when asked for."""
    specialist = sa.orm.aliased(SpecialistProfile)
    account = sa.orm.aliased(User)
    columns = [Appointment.public_id, Appointment.starts_at, Appointment.status, Appointment.arrived_at]
    columns += [Service.name_en.label("service_en"), Service.name_ru.label("service_ru"), Appointment.cancel_reason]
    if doctor:
        columns += [
            specialist.last_name.label("doctor_last"),
            specialist.first_name.label("doctor_first"),
            specialist.middle_name.label("doctor_middle"),
            account.full_name.label("account_name"),
            account.email.label("account_email"),
        ]
    if patient:
        columns += [
            PatientProfile.last_name.label("patient_last"),
            PatientProfile.first_name.label("patient_first"),
            PatientProfile.middle_name.label("patient_middle"),
        ]
    stmt = sa.select(*columns).join(Service, Service.id == Appointment.service_id)
    if doctor:
        stmt = stmt.join(account, account.id == Appointment.doctor_id).outerjoin(
            specialist, specialist.user_id == Appointment.doctor_id
        )
    if patient:
        stmt = stmt.join(PatientProfile, PatientProfile.id == Appointment.patient_id)
    return stmt.where(*conditions)


def _line(row, doctor: bool, patient: bool) -> AppointmentLine:
    """An AppointmentLine from a row of _lines; the doctor's name by the rule User.display_name follows."""
    doctor_name = patient_name = ""
    if doctor:
        as_specialist = person_name(row.doctor_last, row.doctor_first, row.doctor_middle) or None
        doctor_name = shown_name(as_specialist, None, row.account_name, row.account_email)
    if patient:
        patient_name = person_name(row.patient_last, row.patient_first, row.patient_middle)
    return AppointmentLine(
        public_id=row.public_id,
        starts_at=row.starts_at,
        status=row.status,
        arrived_at=row.arrived_at,
        service_en=row.service_en,
        service_ru=row.service_ru,
        doctor_name=doctor_name,
        patient_name=patient_name,
        cancel_reason=row.cancel_reason,
    )


@cache
def _doctor_day_lines():
    """One doctor's appointments starting in [:start, :end) (parameter :doctor_id), in time order."""
    stmt = _lines(
        Appointment.doctor_id == sa.bindparam("doctor_id"),
        Appointment.starts_at >= sa.bindparam("start"),
        Appointment.starts_at < sa.bindparam("end"),
        doctor=False,
        patient=True,
    )
    return stmt.order_by(Appointment.starts_at, Appointment.id)


def doctor_day(doctor_id: int, start: datetime, end: datetime) -> list[AppointmentLine]:
    """One doctor's appointments starting in [start, end), in time order."""
    params = {"start": start, "end": end, "doctor_id": doctor_id}
    return [_line(row, doctor=False, patient=True) for row in db.session.execute(_doctor_day_lines(), params)]


def _upcoming_conditions():
    """Active appointments of :patient_id not yet over at :now."""
    return (
        Appointment.patient_id == sa.bindparam("patient_id"),
        Appointment.ends_at > sa.bindparam("now"),
        active_condition(),
    )


@cache
def _upcoming_for_patient():
    """The statement of upcoming_for_patient, with parameters :patient_id and :now."""
    stmt = sa.select(Appointment).where(*_upcoming_conditions())
    return _with_people(stmt.order_by(Appointment.starts_at), patient=False)


def upcoming_for_patient(patient: PatientProfile, now: datetime) -> list[Appointment]:
    """The patient's appointments not yet over and still active, soonest first (objects, for pages that act on
    them)."""
    return db.session.scalars(_upcoming_for_patient(), {"patient_id": patient.id, "now": now}).unique().all()


@cache
def _upcoming_lines():
    """The statement of upcoming_lines, with parameters :patient_id and :now."""
    coming = (Appointment.patient_id == sa.bindparam("patient_id"), Appointment.ends_at > sa.bindparam("now"))
    return _lines(*coming, doctor=True, patient=False).order_by(Appointment.starts_at, Appointment.id)


def upcoming_lines(patient: PatientProfile, now: datetime) -> list[AppointmentLine]:
    """The patient's appointments not yet over as list rows, soonest first: the active ones and those cancelled
    (or missed) meanwhile, so a patient sees that the clinic cancelled a coming visit, and why."""
    params = {"patient_id": patient.id, "now": now}
    return [_line(row, doctor=True, patient=False) for row in db.session.execute(_upcoming_lines(), params)]


@cache
def _past_for_patient(limit: int):
    """The statement of past_for_patient, with parameters :patient_id, :now and :skip."""
    stmt = _lines(
        Appointment.patient_id == sa.bindparam("patient_id"),
        Appointment.ends_at <= sa.bindparam("now"),
        doctor=True,
        patient=False,
    )
    return stmt.order_by(Appointment.starts_at.desc(), Appointment.id.desc()).limit(limit).offset(sa.bindparam("skip"))


def past_for_patient(patient: PatientProfile, now: datetime, limit: int = 50, skip: int = 0) -> list[AppointmentLine]:
    """The patient's appointments that are over, whatever became of them, latest first, as list rows (`skip` for
    pages); a coming appointment cancelled meanwhile is not past (upcoming_lines)."""
    params = {"patient_id": patient.id, "now": now, "skip": skip}
    rows = db.session.execute(_past_for_patient(limit), params)
    return [_line(row, doctor=True, patient=False) for row in rows]


def patient_history_with(doctor_id: int, patient_id: int, exclude_id: int, limit: int = 20):
    """Other appointments of this patient with this doctor, latest first."""
    stmt = sa.select(Appointment).where(
        Appointment.doctor_id == doctor_id, Appointment.patient_id == patient_id, Appointment.id != exclude_id
    )
    return stmt.options(selectinload(Appointment.service)).order_by(Appointment.starts_at.desc()).limit(limit)
