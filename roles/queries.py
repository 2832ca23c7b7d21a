"""Appointment queries shared by the cabinets, with eager loading so pages run a fixed number of queries."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from app.models import ACTIVE_STATUSES, Appointment, PatientProfile, Service, StoredFile, User


def _with_people(stmt):
    """Load patient, doctor (with profile) and service alongside each appointment."""
    return stmt.options(
        joinedload(Appointment.patient),
        joinedload(Appointment.doctor).joinedload(User.specialist_profile),
        joinedload(Appointment.service).joinedload(Service.specialty),
    )


def appointments_between(start: datetime, end: datetime, doctor_id: int | None = None):
    """Appointments starting in [start, end), optionally of one doctor, in time order."""
    stmt = sa.select(Appointment).where(Appointment.starts_at >= start, Appointment.starts_at < end)
    if doctor_id is not None:
        stmt = stmt.where(Appointment.doctor_id == doctor_id)
    return _with_people(stmt.order_by(Appointment.starts_at, Appointment.id))


def upcoming_for_patient(patient: PatientProfile, now: datetime):
    """The patient's appointments not yet over and still active, soonest first."""
    stmt = sa.select(Appointment).where(
        Appointment.patient_id == patient.id,
        Appointment.ends_at > now,
        Appointment.status.in_(ACTIVE_STATUSES),
    )
    return _with_people(stmt.order_by(Appointment.starts_at))


def past_for_patient(patient: PatientProfile, now: datetime, limit: int = 50):
    """The patient's finished, cancelled or missed appointments, latest first."""
    stmt = sa.select(Appointment).where(
        Appointment.patient_id == patient.id,
        sa.or_(Appointment.ends_at <= now, Appointment.status.not_in(ACTIVE_STATUSES)),
    )
    return _with_people(stmt.order_by(Appointment.starts_at.desc()).limit(limit))


def patient_history_with(doctor_id: int, patient_id: int, exclude_id: int, limit: int = 20):
    """Other appointments of this patient with this doctor, latest first."""
    stmt = sa.select(Appointment).where(
        Appointment.doctor_id == doctor_id, Appointment.patient_id == patient_id, Appointment.id != exclude_id
    )
    return stmt.options(selectinload(Appointment.service)).order_by(Appointment.starts_at.desc()).limit(limit)


def patient_files(patient_id: int, limit: int = 100):
    """A patient's stored files, newest first, with their appointments (for permission checks)."""
    stmt = sa.select(StoredFile).where(StoredFile.patient_id == patient_id, StoredFile.deleted_at.is_(None))
    return stmt.options(joinedload(StoredFile.appointment)).order_by(StoredFile.created_at.desc()).limit(limit)
