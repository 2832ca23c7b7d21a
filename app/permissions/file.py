"""Who may download a stored file and who may add one to a patient's record."""

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.sql.elements import ColumnElement

from app.models import Appointment, ChatMessage, ChatThread, FileKind, PatientProfile, Role, StoredFile, User
from app.permissions.appointment import sees_colleagues_work
from app.permissions.lookup import _get_or_404, admits
from app.permissions.patient import acts_for, represented_ids, treated_ids, treats
from app.permissions.sensitive import open_appointment_files


def lab_results() -> ColumnElement[bool]:
    """Files that count as lab results: uploaded as one, or a chat attachment marked as one (by the patient when
    sending, or by the appointment's doctor); an unmarked chat file is part of a conversation, not a result."""
    marked = (StoredFile.kind == FileKind.CHAT_ATTACHMENT) & StoredFile.lab_result_marked_at.is_not(None)
    return (StoredFile.kind == FileKind.LAB_RESULT) | marked


def methodologist_files() -> ColumnElement[bool]:
    """What the methodologists' queue holds and what a methodologist may open: lab results, nothing else, and
    nothing of a sensitive specialty's appointment the patient has not shared."""
    return lab_results() & open_appointment_files()


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


def markable_files(user: User) -> ColumnElement[bool]:
    """Chat attachments the user may mark or unmark as lab results: a doctor's, of their own appointments or sent
    in their own chats (the twin of can_mark_lab_result)."""
    if user.role != Role.DOCTOR:
        return sa.false()
    own_appointments = sa.select(Appointment.id).where(Appointment.doctor_id == user.id)
    # A pair's thread spans its appointments: a file uploaded under one may be sent under another of the same pair.
    sent_in_own_chats = (
        sa.select(ChatMessage.file_id)
        .join(ChatThread, ChatThread.id == ChatMessage.thread_id)
        .where(ChatThread.doctor_id == user.id, ChatMessage.file_id.is_not(None))
    )
    ours = StoredFile.appointment_id.in_(own_appointments) | StoredFile.id.in_(sent_in_own_chats)
    return StoredFile.deleted_at.is_(None) & (StoredFile.kind == FileKind.CHAT_ATTACHMENT) & ours


def can_mark_lab_result(user: User, stored: StoredFile) -> bool:
    """May mark or unmark the chat attachment as a lab result (see markable_files)."""
    return admits(StoredFile, stored, markable_files(user))


def get_markable_file_or_404(public_id, user: User) -> StoredFile:
    """Load a chat attachment the user may mark; anything else is 404 (the change itself is audited)."""
    return _get_or_404(StoredFile, public_id, user, can_mark_lab_result)


def get_file_or_404(public_id, user: User, audit: str | None = None) -> StoredFile:
    """Load a file the user may download, auditing staff access under `audit`."""
    return _get_or_404(StoredFile, public_id, user, can_view_file, audit, lambda stored: stored.patient)
