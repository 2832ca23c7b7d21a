"""Who may call, who may answer, and who is told about a call.

Only an appointment's own doctor calls, and only its patient (their own account or an active guardian) answers.
These two are exactly who may see a sensitive specialty's unshared appointment (app/permissions/sensitive.py), so a
sensitive appointment needs no rule of its own here: no colleague, reception or methodologist ever takes part.
"""

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import abort, current_app
from sqlalchemy.orm import joinedload

from app import audit
from app.extensions import db
from app.models import Appointment, AppointmentStatus, Call, Guardianship, PatientProfile, Role, User
from app.permissions.patient import acts_for
from app.scheduling.chat_window import window_for

# A cancelled appointment or a no-show has nobody to call.
NOT_CALLABLE = (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW)


def call_opens_at(appointment: Appointment) -> datetime:
    """The first moment the doctor may call: CALL_OPENS_BEFORE_MINUTES before the start."""
    return appointment.starts_at - timedelta(minutes=current_app.config["CALL_OPENS_BEFORE_MINUTES"])


def call_closes_at(appointment: Appointment) -> datetime:
    """The moment calling stops: when the appointment's chat closes (including the doctor's extensions)."""
    return window_for(appointment).closes_at


def can_start_call(user: User, appointment: Appointment, now: datetime) -> bool:
    """May call the appointment's patient now: its own doctor, from shortly before the start until its chat closes,
    unless it was cancelled or missed."""
    return (
        user.role == Role.DOCTOR
        and appointment.doctor_id == user.id
        and appointment.status not in NOT_CALLABLE
        and call_opens_at(appointment) <= now < call_closes_at(appointment)
    )


def can_answer_call(user: User, call: Call) -> bool:
    """May accept or decline the call: the patient's own account or an active guardian."""
    return acts_for(user, call.appointment.patient)


def is_caller(user: User, call: Call) -> bool:
    """Is the doctor of the call (the appointment's own doctor, who placed it)."""
    return user.role == Role.DOCTOR and call.caller_id == user.id


def can_see_call(user: User, call: Call) -> bool:
    """Takes part in the call: its doctor or someone who may answer it. Everyone else is told it does not exist."""
    return is_caller(user, call) or can_answer_call(user, call)


def answering_side(appointment: Appointment) -> list[int]:
    """The ids of the users a call to the appointment's patient rings for: their own account and active guardians."""
    patient_id = appointment.patient_id
    guardians = sa.select(Guardianship.guardian_id).where(
        Guardianship.patient_id == patient_id, Guardianship.active.is_(True)
    )
    account = sa.select(PatientProfile.user_id).where(
        PatientProfile.id == patient_id, PatientProfile.user_id.isnot(None)
    )
    ids = db.session.scalars(sa.select(User.id).where(User.active.is_(True), User.id.in_(sa.union(account, guardians))))
    return sorted(ids)


def call_participants(call: Call) -> list[int]:
    """Everyone told of the call's changes: the doctor first, then the answering side."""
    return [call.caller_id, *(i for i in answering_side(call.appointment) if i != call.caller_id)]


def find_call(user: User, public_id: str) -> Call | None:
    """The call (a checked UUID string) with its appointment, if the user takes part in it; None for another
    person's call and for one that does not exist alike (sockets answer not_found)."""
    call = db.session.scalar(
        sa.select(Call)
        .options(joinedload(Call.appointment).joinedload(Appointment.patient))
        .where(Call.public_id == uuid.UUID(public_id))
    )
    if call is None or not can_see_call(user, call):
        return None
    return call


def get_call_or_404(public_id, user: User, audit_action: str | None = None) -> Call:
    """Load a call the user takes part in for a page, auditing staff access under `audit_action`; else 404."""
    try:
        key = str(uuid.UUID(str(public_id)))
    except ValueError:
        abort(404)
    call = find_call(user, key)
    if call is None:
        abort(404)
    if audit_action is not None:
        audit.record(audit_action, call, call.appointment.patient, user)
    return call
