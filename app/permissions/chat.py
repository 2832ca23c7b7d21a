"""Who takes part in an appointment's chat and who may keep it open longer."""

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from app.models import Appointment, Role, User
from app.permissions.lookup import _get_or_404, admits
from app.permissions.patient import represented_ids


def joinable_chats(user: User) -> ColumnElement[bool]:
    """The appointments whose chat the user takes part in, as a condition on Appointment (the twin of
    can_join_chat): only the patient (or guardian) and the appointment's own doctor."""
    # These two are exactly who may see a sensitive specialty's appointment, so open_appointments() (see
    # app/permissions/sensitive.py) would add nothing here: no colleague, reception or methodologist ever joins.
    if user.role == Role.PATIENT:
        return Appointment.patient_id.in_(represented_ids(user))
    return Appointment.doctor_id == user.id if user.role == Role.DOCTOR else sa.false()


def can_join_chat(user: User, appointment: Appointment) -> bool:
    """May read and write the appointment's chat: only its patient (or guardian) and its own doctor."""
    if user.role == Role.DOCTOR:
        # The common case of every chat event answers without a query; joinable_chats says the same.
        return appointment.doctor_id == user.id
    return admits(Appointment, appointment, joinable_chats(user))


def has_chats(user: User) -> bool:
    """Takes part in chats at all: patients (and guardians) and doctors."""
    return user.is_authenticated and user.role in (Role.PATIENT, Role.DOCTOR)


def can_extend_chat(user: User, appointment: Appointment) -> bool:
    """May keep the appointment's chat open longer: only the appointment's own doctor."""
    return user.role == Role.DOCTOR and appointment.doctor_id == user.id


def get_chat_appointment_or_404(public_id, user: User, audit: str | None = None) -> Appointment:
    """Load an appointment whose chat the user takes part in, auditing staff access under `audit`."""
    return _get_or_404(Appointment, public_id, user, can_join_chat, audit, lambda appt: appt.patient)
