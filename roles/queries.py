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


def _nth_appointment_subquery(doctor_id: int, *conditions, order_by):
    """Per patient of the doctor, the id of the first appointment matching the conditions in `order_by` order."""
    rank = sa.func.row_number().over(partition_by=Appointment.patient_id, order_by=order_by).label("rank")
    inner = (
        sa.select(Appointment.id, Appointment.patient_id, rank)
        .where(Appointment.doctor_id == doctor_id, *conditions)
        .subquery()
    )
    return sa.select(inner.c.id, inner.c.patient_id).where(inner.c.rank == 1).subquery()


def doctor_patients(
    doctor_id: int,
    now: datetime,
    search: str = "",
    upcoming: bool = False,
    past: bool = False,
    service_id: int | None = None,
    limit: int = 200,
):
    """Rows (patient, next active appointment or None, latest begun visit or None) for every patient the
    doctor has an appointment with, in one query: patients with a coming appointment first, soonest first."""
    from app.models import AppointmentStatus  # imported here: additions to this shared module are appended

    next_ids = _nth_appointment_subquery(
        doctor_id,
        Appointment.status.in_(ACTIVE_STATUSES),
        Appointment.ends_at > now,
        order_by=(Appointment.starts_at, Appointment.id),
    )
    # The latest visit that began and was not cancelled: what "seen" means for the doctor.
    last_ids = _nth_appointment_subquery(
        doctor_id,
        Appointment.starts_at <= now,
        Appointment.status != AppointmentStatus.CANCELLED,
        order_by=(Appointment.starts_at.desc(), Appointment.id.desc()),
    )
    following = sa.orm.aliased(Appointment, name="following")
    latest = sa.orm.aliased(Appointment, name="latest")
    mine = sa.select(Appointment.id).where(
        Appointment.doctor_id == doctor_id, Appointment.patient_id == PatientProfile.id
    )
    if service_id is not None:
        mine = mine.where(Appointment.service_id == service_id)
    stmt = (
        sa.select(PatientProfile, following, latest)
        .where(mine.exists())
        .outerjoin(next_ids, next_ids.c.patient_id == PatientProfile.id)
        .outerjoin(following, following.id == next_ids.c.id)
        .outerjoin(last_ids, last_ids.c.patient_id == PatientProfile.id)
        .outerjoin(latest, latest.id == last_ids.c.id)
        .options(
            joinedload(PatientProfile.user),
            joinedload(following.service),
            joinedload(latest.service),
        )
    )
    if upcoming:
        stmt = stmt.where(following.id.is_not(None))
    if past:
        stmt = stmt.where(latest.id.is_not(None))
    for word in search.casefold().split():
        # search_text is folded in Python, so Cyrillic matches case-insensitively on SQLite too.
        stmt = stmt.where(PatientProfile.search_text.contains(word, autoescape=True))
    no_next_first = sa.case((following.id.is_(None), 1), else_=0)
    return stmt.order_by(
        no_next_first, following.starts_at, PatientProfile.last_name, PatientProfile.first_name, PatientProfile.id
    ).limit(limit)


def doctor_services(doctor_id: int):
    """The services the doctor has appointments for, to filter the patient list by."""
    used = sa.select(Appointment.service_id).where(Appointment.doctor_id == doctor_id).distinct()
    return sa.select(Service).where(Service.id.in_(used)).order_by(Service.code)
