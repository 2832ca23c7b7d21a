"""Doctors' working time: a weekly template in the doctor's timezone, and exceptions to it."""

import enum
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.database import UTCDateTime, enum_column
from app.extensions import db


class WorkingInterval(db.Model):
    """One working stretch of a weekday (several per day; the gaps between them are breaks), in local time."""

    __tablename__ = "working_interval"
    __table_args__ = (
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        sa.CheckConstraint("ends > starts", name="ends_after_start"),
        sa.Index("ix_working_interval_doctor_weekday", "doctor_id", "weekday"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    doctor_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column()  # Monday is 0, as in date.weekday()
    starts: Mapped[time] = mapped_column(sa.Time)
    ends: Mapped[time] = mapped_column(sa.Time)


class ExceptionKind(enum.StrEnum):
    """How a date range departs from the weekly template."""

    DAY_OFF = "day_off"
    VACATION = "vacation"
    EXTRA_HOURS = "extra_hours"


class ScheduleException(db.Model):
    """Days off and vacations remove working time; extra hours add a stretch on each day of the range."""

    __tablename__ = "schedule_exception"
    __table_args__ = (
        sa.CheckConstraint("last_day >= first_day", name="range_order"),
        sa.Index("ix_schedule_exception_doctor_days", "doctor_id", "first_day", "last_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    doctor_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[ExceptionKind] = mapped_column(enum_column(ExceptionKind, "exception_kind"))
    first_day: Mapped[date] = mapped_column()
    last_day: Mapped[date] = mapped_column()
    starts: Mapped[time | None] = mapped_column(sa.Time)  # extra hours only
    ends: Mapped[time | None] = mapped_column(sa.Time)
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
