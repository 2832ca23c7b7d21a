"""Named permission predicates, used alike by pages, JSON, sockets and file links."""

import uuid

import sqlalchemy as sa
from flask import abort, current_app

from app.extensions import db
from app.models import Appointment, FileKind, Guardianship, PatientProfile, Role, StoredFile, User


def _exists(*conditions) -> bool:
    """True when some row satisfies all the conditions."""
    return bool(db.session.scalar(sa.select(sa.exists().where(*conditions))))


def acts_for(user: User, patient: PatientProfile) -> bool:
    """The user is this patient, or an active guardian of them."""
    if user.role != Role.PATIENT:
        return False
    if patient.user_id == user.id:
        return True
    return _exists(
        Guardianship.guardian_id == user.id,
        Guardianship.patient_id == patient.id,
        Guardianship.active.is_(True),
    )


def represented_patients(user: User) -> list[PatientProfile]:
    """The patients a patient-role user may act for: themselves first, then their dependants."""
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
    return _exists(Appointment.doctor_id == doctor.id, Appointment.patient_id == patient.id)


def can_view_patient(user: User, patient: PatientProfile) -> bool:
    """May see the patient's record: the patient or guardian, their doctors, reception and methodologists."""
    if user.role == Role.PATIENT:
        return acts_for(user, patient)
    if user.role == Role.DOCTOR:
        return treats(user, patient)
    return user.role in (Role.RECEPTION, Role.METHODOLOGIST)


def can_view_appointment(user: User, appointment: Appointment) -> bool:
    """May open the appointment: its patient or guardian, its doctor, a treating non-restricted doctor, reception."""
    if user.role == Role.PATIENT:
        return acts_for(user, appointment.patient)
    if user.role == Role.DOCTOR:
        if appointment.doctor_id == user.id:
            return True
        profile = user.specialist_profile
        # Restricted specialists see nothing of other specialists' work.
        return profile is not None and not profile.restricted and treats(user, appointment.patient)
    return user.role == Role.RECEPTION


def can_join_chat(user: User, appointment: Appointment) -> bool:
    """May read and write the appointment's chat: only its patient (or guardian) and its own doctor."""
    if user.role == Role.PATIENT:
        return acts_for(user, appointment.patient)
    return user.role == Role.DOCTOR and appointment.doctor_id == user.id


def parse_uuid(value: str) -> uuid.UUID:
    """Parse a public id from a URL, answering 404 when it is malformed."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        abort(404)


def _get_or_404(model, public_id, user: User, predicate):
    """Load a row by public id if the predicate lets the user see it; anything else is 404, as if it did not exist."""
    row = db.session.scalar(sa.select(model).filter_by(public_id=parse_uuid(public_id)))
    if row is None or not predicate(user, row):
        abort(404)
    return row


def get_appointment_or_404(public_id, user: User) -> Appointment:
    """Load an appointment the user may see."""
    return _get_or_404(Appointment, public_id, user, can_view_appointment)


def get_chat_appointment_or_404(public_id, user: User) -> Appointment:
    """Load an appointment whose chat the user takes part in."""
    return _get_or_404(Appointment, public_id, user, can_join_chat)


def get_patient_or_404(public_id, user: User) -> PatientProfile:
    """Load a patient record the user may see."""
    return _get_or_404(PatientProfile, public_id, user, can_view_patient)


def can_view_file(user: User, stored: StoredFile) -> bool:
    """May download a file: the patient or guardian, treating doctors, methodologists for lab files, reception if allowed."""
    if stored.deleted_at is not None:
        return False
    if stored.patient is None:
        return stored.kind == FileKind.AVATAR
    if user.role == Role.PATIENT:
        return acts_for(user, stored.patient)
    if user.role == Role.DOCTOR:
        if stored.uploaded_by_id == user.id:
            return True
        if stored.appointment is not None and stored.appointment.doctor_id == user.id:
            return True
        profile = user.specialist_profile
        # Restricted specialists see only what belongs to their own appointments.
        return profile is not None and not profile.restricted and treats(user, stored.patient)
    if user.role == Role.METHODOLOGIST:
        return stored.kind in (FileKind.LAB_RESULT, FileKind.CHAT_ATTACHMENT)
    if user.role == Role.RECEPTION:
        return bool(current_app.config["RECEPTION_CAN_DOWNLOAD_FILES"])
    return False


def can_upload_file(user: User, patient: PatientProfile, kind: FileKind) -> bool:
    """May add a file of this kind to the patient's record: patients send lab results, doctors add documents."""
    if kind == FileKind.LAB_RESULT:
        return acts_for(user, patient) or user.role == Role.METHODOLOGIST
    if kind == FileKind.DOCUMENT:
        return user.role == Role.DOCTOR and treats(user, patient)
    return False


def get_file_or_404(public_id, user: User) -> StoredFile:
    """Load a file the user may download."""
    return _get_or_404(StoredFile, public_id, user, can_view_file)
