"""Who may download a stored file and who may add one to a patient's record."""

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.sql.elements import ColumnElement

from app.models import Appointment, FileKind, PatientProfile, Role, StoredFile, User
from app.permissions.appointment import sees_colleagues_work
from app.permissions.lookup import _get_or_404, admits
from app.permissions.patient import acts_for, represented_ids, treated_ids, treats
from app.permissions.sensitive import open_appointment_files


def methodologist_files() -> ColumnElement[bool]:
    """What the methodologists' queue holds: lab results, and files patients (or guardians) sent in chat, which are
    often results too; what doctors send in chat is not theirs to open; nothing of a sensitive specialty's
    appointment the patient has not shared."""
    sent_by_patients = StoredFile.uploaded_by_id.in_(sa.select(User.id).where(User.role == Role.PATIENT))
    lab_results = (StoredFile.kind == FileKind.LAB_RESULT) | (
        (StoredFile.kind == FileKind.CHAT_ATTACHMENT) & sent_by_patients
    )
    return lab_results & open_appointment_files()


def _patient_files_for(user: User) -> ColumnElement[bool]:
    """Of the files concerning a patient, those the user may download."""
    if user.role == Role.PATIENT:
        return StoredFile.patient_id.in_(represented_ids(user))
    if user.role == Role.DOCTOR:
        own_appointments = sa.select(Appointment.id).where(Appointment.doctor_id == user.id)
        own = (StoredFile.uploaded_by_id == user.id) | StoredFile.appointment_id.in_(own_appointments)
        # Restricted specialists see only what belongs to their own appointments.
        if not sees_colleagues_work(user):
            return own
        return own | (StoredFile.patient_id.in_(treated_ids(user)) & open_appointment_files())
    if user.role == Role.METHODOLOGIST:
        return methodologist_files()
    if user.role == Role.RECEPTION and current_app.config["RECEPTION_CAN_DOWNLOAD_FILES"]:
        # Reception never opens a sensitive appointment's files, even where it may download the rest.
        return open_appointment_files()
    return sa.false()


def visible_files(user: User) -> ColumnElement[bool]:
    """The files the user may download, as a condition on StoredFile (the twin of can_view_file): never deleted
    ones; avatars for everyone; a patient's files for the patient or guardian, treating doctors, methodologists
    for the queue's files, reception if allowed; an unshared sensitive appointment's only for its two parties."""
    avatar = StoredFile.patient_id.is_(None) & (StoredFile.kind == FileKind.AVATAR)
    concerning_patient = StoredFile.patient_id.is_not(None) & _patient_files_for(user)
    return StoredFile.deleted_at.is_(None) & (avatar | concerning_patient)


def can_view_file(user: User, stored: StoredFile) -> bool:
    """May download the file (see visible_files)."""
    return admits(StoredFile, stored, visible_files(user))


def can_upload_file(user: User, patient: PatientProfile, kind: FileKind) -> bool:
    """May add a file of this kind to the patient's record: patients send lab results, doctors add documents."""
    if kind == FileKind.LAB_RESULT:
        return acts_for(user, patient) or user.role == Role.METHODOLOGIST
    if kind == FileKind.DOCUMENT:
        return user.role == Role.DOCTOR and treats(user, patient)
    return False


def get_file_or_404(public_id, user: User, audit: str | None = None) -> StoredFile:
    """Load a file the user may download, auditing staff access under `audit`."""
    return _get_or_404(StoredFile, public_id, user, can_view_file, audit, lambda stored: stored.patient)
