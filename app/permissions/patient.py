"""Who may see and act for a patient: the patient, their active guardians, their doctors and the front office."""

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from app.extensions import db
from app.models import Appointment, Guardianship, PatientProfile, Role, User
from app.permissions.lookup import _get_or_404, admits


def represented_ids(user: User) -> sa.Select:
    """The ids of the patients a patient-role user acts for: their own record and their active dependants'."""
    if user.role != Role.PATIENT:
        return sa.select(PatientProfile.id).where(sa.false())
    dependants = sa.select(Guardianship.patient_id).where(
        Guardianship.guardian_id == user.id, Guardianship.active.is_(True)
    )
    # A union, not `user_id = :me OR id IN (...)`: PostgreSQL answers the OR by reading every patient (10 ms of its
    # CPU per cabinet page on the 20,000-patient benchmark clinic); each arm of the union is one index lookup.
    return sa.union(sa.select(PatientProfile.id).where(PatientProfile.user_id == user.id), dependants)


def treated_ids(doctor: User) -> sa.Select:
    """The ids of the patients a doctor has, had or will have an appointment with."""
    return sa.select(Appointment.patient_id).where(Appointment.doctor_id == doctor.id)


def visible_patients(user: User) -> ColumnElement[bool]:
    """The patient records the user may see, as a condition on PatientProfile (the twin of can_view_patient)."""
    if user.role == Role.PATIENT:
        return PatientProfile.id.in_(represented_ids(user))
    if user.role == Role.DOCTOR:
        return PatientProfile.id.in_(treated_ids(user))
    return sa.true() if user.role in (Role.RECEPTION, Role.METHODOLOGIST) else sa.false()


def acts_for(user: User, patient: PatientProfile) -> bool:
    """The user is this patient, or an active guardian of them."""
    if user.role != Role.PATIENT:
        return False
    # One's own record needs no query.
    return patient.user_id == user.id or admits(PatientProfile, patient, PatientProfile.id.in_(represented_ids(user)))


def represented_patients(user: User) -> list[PatientProfile]:
    """The patients a patient-role user may act for: themselves first, then their dependants, youngest first."""
    if user.role != Role.PATIENT:
        return []
    own = [user.patient_profile] if user.patient_profile is not None else []
    dependants = db.session.scalars(
        sa.select(PatientProfile)
        .join(Guardianship, Guardianship.patient_id == PatientProfile.id)
        .where(Guardianship.guardian_id == user.id, Guardianship.active.is_(True))
        .order_by(PatientProfile.date_of_birth.desc())
    ).all()
    return own + [p for p in dependants if p not in own]


def treats(doctor: User, patient: PatientProfile) -> bool:
    """The doctor has, had or will have an appointment with this patient."""
    return admits(PatientProfile, patient, PatientProfile.id.in_(treated_ids(doctor)))


def can_view_patient(user: User, patient: PatientProfile) -> bool:
    """May see the patient's record: the patient or guardian, their doctors, reception and methodologists."""
    return admits(PatientProfile, patient, visible_patients(user))


def default_upload_patient(user: User) -> PatientProfile | None:
    """Whose record an upload goes to when none is named: a patient's own, nobody else's."""
    return user.patient_profile if user.role == Role.PATIENT else None


def get_patient_or_404(public_id, user: User, audit: str | None = None) -> PatientProfile:
    """Load a patient record the user may see, auditing staff access under `audit`."""
    return _get_or_404(PatientProfile, public_id, user, can_view_patient, audit, lambda record: record)
