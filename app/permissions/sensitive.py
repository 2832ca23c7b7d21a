"""Sensitive specialties: their appointments, chat and files stay with the specialist and the patient until shared.

A sensitive appointment is closed to everyone but its own doctor and the patient (or active guardian) while the
patient has not shared it. Every twin that lets a third person see an appointment's content adds one of the two
conditions below with `&`: `open_appointments()` on Appointment (visible_appointments), `open_appointment_files()` on
StoredFile (visible_files, the methodologist's queue). The chat needs neither: only the two parties ever join it.
"""

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from app.models import Appointment, Role, Service, Specialty, StoredFile, User
from app.permissions.patient import acts_for


def sensitive_services() -> sa.Select:
    """The ids of the services of sensitive specialties (a handful of rows of the small service table)."""
    return (
        sa.select(Service.id).join(Specialty, Service.specialty_id == Specialty.id).where(Specialty.sensitive.is_(True))
    )


def open_appointments() -> ColumnElement[bool]:
    """Appointments whose content other doctors may see, as a condition on Appointment: not of a sensitive
    specialty, or shared by the patient."""
    # Both arms read the appointment row itself; the subquery is hashed once over the few sensitive services.
    return Appointment.shared_at.is_not(None) | Appointment.service_id.not_in(sensitive_services())


def open_appointment_files() -> ColumnElement[bool]:
    """Files other people may see, as a condition on StoredFile: not attached to a sensitive appointment the patient
    has not shared (files of no appointment, like lab results sent from the cabinet, are open)."""
    # NOT EXISTS, not NOT IN: it probes the appointment's primary key once per file instead of reading every
    # sensitive appointment, and a file without an appointment (NULL) stays open.
    closed = sa.exists().where(
        Appointment.id == StoredFile.appointment_id,
        Appointment.shared_at.is_(None),
        Appointment.service_id.in_(sensitive_services()),
    )
    return ~closed


def is_sensitive(appointment: Appointment) -> bool:
    """The appointment is of a sensitive specialty (shared or not)."""
    return appointment.service.specialty.sensitive


def can_share_appointment(user: User, appointment: Appointment) -> bool:
    """May share a sensitive appointment with the patient's other doctors, or withdraw it: the patient or an active
    guardian only, never staff."""
    return user.role == Role.PATIENT and is_sensitive(appointment) and acts_for(user, appointment.patient)
