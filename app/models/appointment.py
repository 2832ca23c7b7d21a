"""Appointments: the event that chat, calls and documents hang on."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.database import LabelledEnum, UTCDateTime, enum_column, label_enum, new_public_id
from app.extensions import db


class AppointmentStatus(LabelledEnum):
    """Where an appointment is in its life."""

    BOOKED = "booked"
    CONFIRMED = "confirmed"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


label_enum(
    {
        AppointmentStatus.BOOKED: _l("Booked"),
        AppointmentStatus.CONFIRMED: _l("Confirmed"),
        AppointmentStatus.IN_PROGRESS: _l("In progress"),
        AppointmentStatus.COMPLETED: _l("Completed"),
        AppointmentStatus.CANCELLED: _l("Cancelled"),
        AppointmentStatus.NO_SHOW: _l("No-show"),
    }
)


ACTIVE_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED, AppointmentStatus.IN_PROGRESS)

# The cancel_reason of an appointment that was cancelled because it moved to another time (a reschedule).
RESCHEDULED = "rescheduled"


class Appointment(db.Model):
    """A patient's booked time with a doctor for a service."""

    __tablename__ = "appointment"
    __table_args__ = (
        sa.Index("ix_appointment_doctor_starts", "doctor_id", "starts_at"),
        sa.Index("ix_appointment_patient_starts", "patient_id", "starts_at"),
        # The doctor's patient list looks up each patient's next and latest appointment with this doctor.
        sa.Index("ix_appointment_doctor_patient_starts", "doctor_id", "patient_id", "starts_at"),
        # The services a doctor has appointments for (the patient list's filter): one probe per service.
        sa.Index("ix_appointment_doctor_service", "doctor_id", "service_id"),
        # A doctor's active appointments not yet over: the patient list's "next appointment" reads them alone
        # instead of looking one up per patient. Partial, so it holds the few active rows, not the history.
        sa.Index(
            "ix_appointment_doctor_active_ends",
            "doctor_id",
            "ends_at",
            "patient_id",
            "starts_at",
            postgresql_where=sa.text("status IN ('booked', 'confirmed', 'in_progress')"),
            sqlite_where=sa.text("status IN ('booked', 'confirmed', 'in_progress')"),
        ),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        # On PostgreSQL the database itself refuses overlapping active appointments of one doctor (migration 0003
        # creates it with btree_gist); SQLite serialises writers and the booking service re-checks under its lock.
        ExcludeConstraint(
            (sa.column("doctor_id"), "="),
            (sa.func.tstzrange(sa.column("starts_at"), sa.column("ends_at")), "&&"),
            where=sa.text("status IN ('booked', 'confirmed', 'in_progress')"),
            name="ex_appointment_doctor_overlap",
            using="gist",
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, unique=True, default=new_public_id)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient_profile.id", ondelete="RESTRICT"))
    doctor_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="RESTRICT"))
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("service.id", ondelete="RESTRICT"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[AppointmentStatus] = mapped_column(
        enum_column(AppointmentStatus, "appointment_status"), default=AppointmentStatus.BOOKED
    )
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    cancel_reason: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    # Set when the doctor extends the chat past its usual closing time.
    chat_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When reception saw the patient arrive; kept apart from the status, which stays booked or confirmed.
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the patient (or a guardian) shared a sensitive specialty's appointment with their other doctors; None
    # while it stays with its own specialist (app/permissions/sensitive.py). Who shared or withdrew it, and when, is
    # in the audit trail (app/patients/sharing.py).
    shared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    patient = db.relationship("PatientProfile")
    doctor = db.relationship("User", foreign_keys=[doctor_id])
    service = db.relationship("Service")
    created_by = db.relationship("User", foreign_keys=[created_by_id])
    cancelled_by = db.relationship("User", foreign_keys=[cancelled_by_id])
    intake = db.relationship("Intake", back_populates="appointment", uselist=False)
    # The patient–doctor chat thread this appointment writes into (shared by all the pair's appointments).
    chat_thread = db.relationship(
        "ChatThread",
        primaryjoin="and_(foreign(Appointment.patient_id) == ChatThread.patient_id, "
        "foreign(Appointment.doctor_id) == ChatThread.doctor_id)",
        viewonly=True,
        uselist=False,
    )

    @property
    def is_active(self) -> bool:
        """True while the appointment still takes the doctor's time."""
        return self.status in ACTIVE_STATUSES

    @property
    def moved(self) -> bool:
        """Cancelled because it moved to another time."""
        return self.status == AppointmentStatus.CANCELLED and self.cancel_reason == RESCHEDULED


class Intake(db.Model):
    """The patient's short questionnaire for an appointment, answered at booking or later, shown to the doctor."""

    __tablename__ = "intake"

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(sa.ForeignKey("appointment.id", ondelete="CASCADE"), unique=True)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    complaints: Mapped[str] = mapped_column(sa.Text, default="")
    medication: Mapped[str] = mapped_column(sa.Text, default="")
    remote_consent: Mapped[bool] = mapped_column(default=False)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    appointment = db.relationship("Appointment", back_populates="intake")
