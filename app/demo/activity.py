"""The demo's activity: two years of appointments, and the newcomer's appointments and chat kept fresh on every seeding."""

import random
import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.demo.catalogue import CLINIC_TZ, PSYCHOLOGY_INTAKE
from app.extensions import db
from app.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    ChatMessage,
    ChatThread,
    Intake,
    PatientProfile,
    Service,
    User,
)


def add_history(now, doctors, patients, services, reception) -> None:
    """Appointments over the past two weeks, today and the coming week, inside clinic hours."""
    rng = random.Random(42)
    tz = ZoneInfo(CLINIC_TZ)
    today = now.astimezone(tz).date()
    by_specialty = {}
    for service in services.values():
        by_specialty.setdefault(service.specialty_id, []).append(service)
    for doctor in doctors:
        offered = [s for sp in doctor.specialist_profile.specialties for s in by_specialty.get(sp.id, [])]
        for offset in range(-14, 8):
            day = today + timedelta(days=offset)
            # Online consultations run every day; weekends are shorter.
            closing_hour = 14 if day.weekday() >= 5 else 18
            cursor = datetime.combine(day, time(9, 0), tzinfo=tz)
            closing = datetime.combine(day, time(closing_hour, 0), tzinfo=tz)
            while cursor < closing:
                service = rng.choice(offered)
                ends = cursor + timedelta(minutes=service.duration_minutes)
                # The doctor@demo.clinic's next hours stay free for the newcomer's appointment.
                keep_free = doctor is doctors[0] and cursor < now + timedelta(hours=3) and ends > now
                if rng.random() < 0.35 and ends <= closing and not keep_free:
                    patient = rng.choice(patients)
                    db.session.add(
                        Appointment(
                            patient=patient,
                            doctor=doctor,
                            service=service,
                            starts_at=cursor.astimezone(UTC),
                            ends_at=ends.astimezone(UTC),
                            status=_status_for(ends.astimezone(UTC), now, rng),
                            created_by=reception,
                        )
                    )
                cursor = ends + timedelta(minutes=15)


def _status_for(ends_at: datetime, now: datetime, rng: random.Random) -> AppointmentStatus:
    """Past appointments mostly completed, some missed or cancelled; future ones booked or confirmed."""
    roll = rng.random()
    if ends_at <= now:
        if roll < 0.8:
            return AppointmentStatus.COMPLETED
        return AppointmentStatus.NO_SHOW if roll < 0.9 else AppointmentStatus.CANCELLED
    if roll < 0.08:
        return AppointmentStatus.CANCELLED
    return AppointmentStatus.CONFIRMED if roll < 0.5 else AppointmentStatus.BOOKED


def keep_newcomer_appointments(now, doctor: User, patient: PatientProfile, first: Service, follow: Service) -> None:
    """patient@demo.clinic gets an appointment with doctor@demo.clinic starting within the hour, and one next week.

    Within the hour, so that the doctor can call the patient as soon as `make run` is up (calls open
    CALL_OPENS_BEFORE_MINUTES before the start and stay open until the appointment's chat closes)."""
    soon = now + timedelta(minutes=10)
    if not _has_active(doctor, patient, now, now + timedelta(hours=1)):
        _book_first_free(doctor, patient, first, soon, now + timedelta(hours=1))
    week_from, week_to = now + timedelta(days=6), now + timedelta(days=8)
    if not _has_active(doctor, patient, now + timedelta(days=5), now + timedelta(days=9)):
        _book_first_free(doctor, patient, follow, week_from, week_to)


def keep_newcomer_psychology(now, psychologist: User, patient: PatientProfile, session: Service) -> None:
    """patient@demo.clinic has an upcoming session with the psychologist, its questionnaire filled in and not shared:
    the demo endocrinologist, who treats her too, cannot open it until she shares it from her cabinet."""
    tz = ZoneInfo(CLINIC_TZ)
    if not _has_active(psychologist, patient, now, now + timedelta(days=14)):
        day = (now + timedelta(days=2)).astimezone(tz).date()
        start = datetime.combine(day, time(11, 0), tzinfo=tz).astimezone(UTC)
        _book_first_free(psychologist, patient, session, start, start + timedelta(days=2))
    upcoming = db.session.scalar(
        sa.select(Appointment)
        .where(
            Appointment.doctor_id == psychologist.id,
            Appointment.patient_id == patient.id,
            Appointment.starts_at > now,
            Appointment.status.in_(ACTIVE_STATUSES),
        )
        .order_by(Appointment.starts_at)
    )
    if upcoming is not None and upcoming.intake is None:
        reason, complaints, medication = PSYCHOLOGY_INTAKE
        db.session.add(
            Intake(appointment=upcoming, reason=reason, complaints=complaints, medication=medication, answered_at=now)
        )
        db.session.flush()


def keep_newcomer_chat(now, doctor: User, patient: PatientProfile) -> None:
    """A short exchange in the newcomer's chat with doctor@demo.clinic, so the chat pages show something."""
    if db.session.scalar(sa.select(ChatThread.id).filter_by(patient_id=patient.id, doctor_id=doctor.id)):
        return
    appointment = db.session.scalar(
        sa.select(Appointment)
        .where(Appointment.doctor_id == doctor.id, Appointment.patient_id == patient.id, Appointment.starts_at > now)
        .order_by(Appointment.starts_at)
    )
    if appointment is None:
        return
    thread = ChatThread(patient_id=patient.id, doctor_id=doctor.id)
    lines = [
        (doctor, "Good afternoon! Before we talk, please send your latest blood test, if you have one."),
        (patient.user, "Hello! I will attach it here shortly."),
    ]
    for minutes_ago, (author, text) in zip((20, 5), lines, strict=True):
        db.session.add(
            ChatMessage(
                thread=thread,
                appointment=appointment,
                author=author,
                client_id=uuid.uuid4(),
                text=text,
                sent_at=now - timedelta(minutes=minutes_ago),
            )
        )
    db.session.flush()


def _has_active(doctor: User, patient: PatientProfile, start: datetime, end: datetime) -> bool:
    """An active appointment of the pair starts within [start, end]."""
    return (
        db.session.scalar(
            sa.select(sa.func.count(Appointment.id)).where(
                Appointment.doctor_id == doctor.id,
                Appointment.patient_id == patient.id,
                Appointment.starts_at >= start,
                Appointment.starts_at <= end,
                Appointment.status.in_(ACTIVE_STATUSES),
            )
        )
        > 0
    )


def _book_first_free(
    doctor: User, patient: PatientProfile, service: Service, start: datetime, latest: datetime
) -> None:
    """Book the first five-minute-aligned start in [start, latest] at which doctor and patient are both free."""
    length = timedelta(minutes=service.duration_minutes)
    # Round up, never down, so the booking always falls inside the window the next run checks.
    cursor = start.replace(second=0, microsecond=0) + timedelta(minutes=5 - start.minute % 5)
    while cursor <= latest:
        busy = db.session.scalar(
            sa.select(sa.func.count(Appointment.id)).where(
                sa.or_(Appointment.doctor_id == doctor.id, Appointment.patient_id == patient.id),
                Appointment.status.in_(ACTIVE_STATUSES),
                Appointment.starts_at < cursor + length,
                Appointment.ends_at > cursor,
            )
        )
        if not busy:
            db.session.add(
                Appointment(
                    patient=patient,
                    doctor=doctor,
                    service=service,
                    starts_at=cursor,
                    ends_at=cursor + length,
                    status=AppointmentStatus.CONFIRMED,
                    created_by=doctor,
                )
            )
            db.session.flush()
            return
        cursor += timedelta(minutes=5)
