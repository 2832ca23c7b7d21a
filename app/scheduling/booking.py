"""Booking and cancelling under the clinic's rules; the database has the last word on double booking."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from app import audit
from app.clock import utcnow
from app.extensions import db
from app.models import (
    ACTIVE_STATUSES,
    RESCHEDULED,
    Appointment,
    AppointmentStatus,
    Intake,
    PatientProfile,
    Role,
    Service,
    User,
)
from app.refusals import CONFLICT, UNPROCESSABLE, Refusal
from app.scheduling.slots import free_slots
from app.scheduling.status import StatusChangeRefused, refusal, stage_action

# PostgreSQL's deadlock_detected and serialization_failure: another transaction competed for the same rows.
CONTESTED = frozenset({"40P01", "40001"})

# Refusals caused by the current state of the slot or the appointment, not by the request: answered with 409.
CONFLICTS = frozenset({"slot_taken", "status", "changed"})


class BookingError(Refusal):
    """A booking, cancellation or move the rules refuse: 409 when someone else's change stands in the way, 422 when
    the request itself cannot be met."""

    def __init__(self, code: str, message) -> None:
        super().__init__(code, message, CONFLICT if code in CONFLICTS else UNPROCESSABLE)


@dataclass
class IntakeAnswers:
    """The questionnaire as submitted."""

    reason: str = ""
    complaints: str = ""
    medication: str = ""
    remote_consent: bool = False


def offers(doctor: User, service: Service) -> bool:
    """The doctor practises the service's specialty and the service is on sale."""
    profile = doctor.specialist_profile
    return bool(
        service.active and profile is not None and any(s.id == service.specialty_id for s in profile.specialties)
    )


def _slot_taken() -> BookingError:
    """The answer when someone else got the slot first."""
    return BookingError("slot_taken", _l("This time was just taken. Please choose another slot."))


def book(
    patient: PatientProfile,
    doctor: User,
    service: Service,
    starts_at: datetime,
    created_by: User,
    intake: IntakeAnswers | None = None,
    now: datetime | None = None,
    audit_action: str = "book_appointment",
) -> Appointment:
    """Book a free slot; refuses anything outside the doctor's working time and never stores two overlapping. A
    booking made by staff is audited under `audit_action` once it is stored."""
    now = now or utcnow()
    if doctor.role != Role.DOCTOR or not doctor.active or not offers(doctor, service):
        raise BookingError("service_not_offered", _l("This specialist does not provide this service."))
    day = starts_at.astimezone(ZoneInfo(doctor.timezone)).date()
    slots = free_slots(doctor, service, now, first_day=day, last_day=day)
    if not any(slot.starts_at == starts_at for slot in slots):
        if starts_at <= now:
            raise BookingError("past", _l("This time has already passed."))
        raise BookingError("slot_unavailable", _l("This time is not available for booking. Please choose a free slot."))
    ends_at = starts_at + timedelta(minutes=service.duration_minutes)
    if _overlapping(Appointment.patient_id == patient.id, starts_at, ends_at):
        raise BookingError("patient_busy", _l("The patient already has an appointment at this time."))
    appointment = Appointment(
        patient=patient,
        doctor=doctor,
        service=service,
        starts_at=starts_at,
        ends_at=ends_at,
        status=AppointmentStatus.BOOKED,
        created_by=created_by,
    )
    if intake is not None:
        appointment.intake = Intake(**vars(intake))
    db.session.add(appointment)
    try:
        db.session.flush()
        # On SQLite the insert above holds the write lock, so this re-check sees every committed booking;
        # on PostgreSQL the exclusion constraint refuses the overlap itself.
        if _overlapping(Appointment.doctor_id == doctor.id, starts_at, ends_at, exclude=appointment.id):
            raise _slot_taken()
        db.session.commit()
    except sa.exc.IntegrityError as exc:
        db.session.rollback()
        raise _slot_taken() from exc
    except sa.exc.OperationalError as exc:
        # Two bookings of one slot that check the exclusion constraint at the same moment each wait for the other:
        # PostgreSQL breaks the deadlock by aborting one of them, whose slot the other is taking.
        if getattr(exc.orig, "sqlstate", None) not in CONTESTED:
            raise
        db.session.rollback()
        raise _slot_taken() from exc
    except BookingError:
        db.session.rollback()
        raise
    audit.record(audit_action, appointment, patient, created_by)
    return appointment


def _overlapping(condition, starts_at: datetime, ends_at: datetime, exclude: int | None = None) -> bool:
    """An active appointment matching `condition` overlaps [starts_at, ends_at)."""
    stmt = sa.select(
        sa.exists().where(
            condition,
            Appointment.status.in_(ACTIVE_STATUSES),
            Appointment.starts_at < ends_at,
            Appointment.ends_at > starts_at,
            Appointment.id != (exclude or 0),
        )
    )
    return bool(db.session.scalar(stmt))


def cancel_refusal(appointment: Appointment, by: User, now: datetime | None = None) -> BookingError | None:
    """Why `by` cannot cancel or move the appointment as loaded (the shared status rules), or None when they can;
    the patients' cut-off is can_patient_cancel()'s."""
    refused = refusal(appointment, "cancel", by.role, now or utcnow())
    return None if refused is None else BookingError(refused.code, refused.message)


def can_patient_cancel(appointment: Appointment, now: datetime | None = None) -> bool:
    """Patients cancel their own appointments that have not started up to the clinic's cut-off before the start."""
    now = now or utcnow()
    cutoff = timedelta(hours=current_app.config["CANCEL_CUTOFF_HOURS"])
    return refusal(appointment, "cancel", Role.PATIENT, now) is None and appointment.starts_at - now >= cutoff


def _stage_cancel(appointment: Appointment, by: User, reason: str, now: datetime) -> None:
    """Run the cancellation's conditional UPDATE (app.scheduling.status) without committing; when the appointment
    is not cancellable or was changed since it was loaded, nothing is written and the refusal is a BookingError."""
    try:
        stage_action(
            appointment,
            "cancel",
            by.role,
            now,
            cancelled_at=now,
            cancelled_by_id=by.id,
            cancel_reason=reason.strip()[:300],
        )
    except StatusChangeRefused as refused:
        raise BookingError(refused.code, refused.message) from refused


def cancel(appointment: Appointment, by: User, reason: str, now: datetime | None = None) -> None:
    """Cancel an appointment that has not started, recording who did it and why; its time becomes free again.

    Refused (BookingError) when the appointment is in progress or over, or when another request changed it since it
    was loaded (a doctor's start, say): that change stands.
    """
    _stage_cancel(appointment, by, reason, now or utcnow())
    db.session.commit()
    db.session.refresh(appointment)
    audit.record("cancel_appointment", appointment, appointment.patient, by)


def reschedule(appointment: Appointment, new_starts_at: datetime, by: User, now: datetime | None = None) -> Appointment:
    """Move an appointment that has not started to another free slot of the same doctor and service; returns the
    new one. Refused like cancel() when the original cannot be cancelled or was changed meanwhile."""
    old_intake = appointment.intake
    answers = (
        IntakeAnswers(old_intake.reason, old_intake.complaints, old_intake.medication, old_intake.remote_consent)
        if old_intake is not None
        else None
    )
    # Cancel-then-book inside one uncommitted transaction rather than book-then-cancel: with the original still
    # active, a move to a slot overlapping its own time (say 15 minutes later) would be refused as a clash with
    # itself. The cancellation's conditional UPDATE runs first (refused, with nothing written, if the original was
    # changed since it was loaded; on PostgreSQL it also locks the row, so a concurrent start waits and is then
    # refused), and book() commits it together with the new row, so the database never holds two overlapping
    # active appointments; any refusal rolls the whole transaction back and the original stays as it was.
    shared_at = appointment.shared_at
    _stage_cancel(appointment, by, RESCHEDULED, utcnow())
    try:
        moved = book(
            appointment.patient,
            appointment.doctor,
            appointment.service,
            new_starts_at,
            by,
            answers,
            now,
            audit_action="reschedule_appointment",
        )
    except BookingError:
        # book() rolls back only the refusals it detects after inserting; the earlier ones leave our change pending.
        db.session.rollback()
        raise
    if shared_at is not None:
        # The patient shared this visit with their other doctors; moving it in time does not take that back.
        moved.shared_at = shared_at
        db.session.commit()
    return moved
