"""Video calls: one row per attempt by an appointment's doctor to call its patient (app/calls/states.py)."""

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.database import LabelledEnum, UTCDateTime, enum_column, label_enum, new_public_id
from app.extensions import db


class CallState(LabelledEnum):
    """Where a call is: live while ringing, accepted or connected; every other state is final."""

    RINGING = "ringing"
    ACCEPTED = "accepted"
    CONNECTED = "connected"
    ENDED = "ended"
    DECLINED = "declined"
    MISSED = "missed"
    CANCELLED = "cancelled"
    FAILED = "failed"


label_enum(
    {
        CallState.RINGING: _l("Ringing"),
        CallState.ACCEPTED: _l("Answered"),
        CallState.CONNECTED: _l("In progress"),
        CallState.ENDED: _l("Ended"),
        CallState.DECLINED: _l("Declined"),
        CallState.MISSED: _l("Missed"),
        CallState.CANCELLED: _l("Cancelled"),
        CallState.FAILED: _l("Failed"),
    }
)

LIVE_STATES = (CallState.RINGING, CallState.ACCEPTED, CallState.CONNECTED)
# The same, as SQL for the partial indexes (kept in step with LIVE_STATES by tests/calls/test_model.py).
LIVE_SQL = "state IN ('ringing', 'accepted', 'connected')"


class Call(db.Model):
    """One call of an appointment: who called, who answered on which connection, how and when it ended."""

    __tablename__ = "video_call"
    __table_args__ = (
        # At most one live call per appointment, enforced by the database on both engines; also how the live call
        # of an appointment is found.
        sa.Index(
            "uq_video_call_live_appointment",
            "appointment_id",
            unique=True,
            postgresql_where=sa.text(LIVE_SQL),
            sqlite_where=sa.text(LIVE_SQL),
        ),
        # The appointment pages list an appointment's calls, newest first.
        sa.Index("ix_video_call_appointment_created", "appointment_id", "created_at"),
        # The sweeper reads only live calls (a handful), by state and deadline.
        sa.Index(
            "ix_video_call_live_state",
            "state",
            "ring_until",
            postgresql_where=sa.text(LIVE_SQL),
            sqlite_where=sa.text(LIVE_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, unique=True, default=new_public_id)
    appointment_id: Mapped[int] = mapped_column(sa.ForeignKey("appointment.id", ondelete="RESTRICT"))
    caller_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="RESTRICT"))
    state: Mapped[CallState] = mapped_column(enum_column(CallState, "call_state"), default=CallState.RINGING)
    # Why it ended, a short stable code (hung_up, declined, timeout, no_media, replaced, dropped, max_length...).
    reason: Mapped[str] = mapped_column(sa.String(32), default="", server_default="")
    ended_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    # The patient or guardian whose accept won, and the socket it came from: only that socket gets the signals.
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    answered_connection: Mapped[str | None] = mapped_column(sa.String(64))
    # The doctor's socket in the call (the one that started it, or the one that returned after a reload).
    caller_connection: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ring_until: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When a side's socket left the call (a reload, a lost network); cleared when it returns. Past the rejoin window
    # the sweeper ends the call.
    caller_left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answerer_left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    appointment = db.relationship("Appointment")
    caller = db.relationship("User", foreign_keys=[caller_id])
    answered_by = db.relationship("User", foreign_keys=[answered_by_id])
    ended_by = db.relationship("User", foreign_keys=[ended_by_id])

    @property
    def is_live(self) -> bool:
        """Still ringing, answered or in progress."""
        return self.state in LIVE_STATES

    @property
    def duration(self) -> timedelta | None:
        """How long media flowed: from connected to ended (None if it never connected or has not ended)."""
        if self.connected_at is None or self.ended_at is None:
            return None
        return self.ended_at - self.connected_at

    @property
    def minutes(self) -> int:
        """The duration in whole minutes as people count a call: any call that connected lasted at least one."""
        duration = self.duration
        if duration is None:
            return 0
        return max(1, round(duration.total_seconds() / 60))
