"""Who may open an appointment and who may change its status."""

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from app.models import Appointment, Role, User
from app.permissions.lookup import _get_or_404, admits
from app.permissions.patient import represented_ids, treated_ids
from app.permissions.sensitive import open_appointments


def sees_colleagues_work(doctor: User) -> bool:
    """A doctor who may see other doctors' appointments and files of the patients they share (not restricted ones)."""
    profile = doctor.specialist_profile
    return profile is not None and not profile.restricted


def visible_appointments(user: User) -> ColumnElement[bool]:
    """The appointments the user may open, as a condition on Appointment (the twin of can_view_appointment): the
    patient's or guardian's, the doctor's own, a non-restricted doctor's shared patients' (but a sensitive specialty's
    only once the patient shares it), all for reception (whose pages show no reasons, chat or files)."""
    if user.role == Role.PATIENT:
        return Appointment.patient_id.in_(represented_ids(user))
    if user.role == Role.DOCTOR:
        own = Appointment.doctor_id == user.id
        # Restricted specialists see nothing of other specialists' work.
        if not sees_colleagues_work(user):
            return own
        return own | (Appointment.patient_id.in_(treated_ids(user)) & open_appointments())
    return sa.true() if user.role == Role.RECEPTION else sa.false()


def can_view_appointment(user: User, appointment: Appointment) -> bool:
    """May open the appointment: its patient or guardian, its doctor, a treating non-restricted doctor (a sensitive
    specialty's only when shared), reception."""
    if user.role == Role.DOCTOR and appointment.doctor_id == user.id:
        # The twin's first branch for doctors, answered without a query: their own appointment.
        return True
    return admits(Appointment, appointment, visible_appointments(user))


def can_change_status(user: User, appointment: Appointment) -> bool:
    """May take status actions on the appointment: its own doctor (colleagues only read it) or reception."""
    if user.role == Role.DOCTOR:
        return appointment.doctor_id == user.id
    return user.role == Role.RECEPTION


def get_appointment_or_404(public_id, user: User, audit: str | None = None) -> Appointment:
    """Load an appointment the user may see, auditing staff access under `audit`."""
    return _get_or_404(Appointment, public_id, user, can_view_appointment, audit, lambda appt: appt.patient)
