"""Editing a doctor's working time: weekly stretches and exceptions, with the checks every editor shares.

Doctors edit their own hours today; reception will call the same functions for any doctor, so nothing here reads
the request or the signed-in user.
"""

from dataclasses import dataclass
from datetime import date, time

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import ExceptionKind, ScheduleException, User, WorkingInterval
from app.refusals import Refusal


class ScheduleError(Refusal):
    """A change to working time that the rules refuse, blamed on the form field it concerns."""

    def __init__(self, code: str, message, field: str) -> None:
        super().__init__(code, message, field=field)


@dataclass(frozen=True)
class WeekdayRow:
    """One weekday of the template with its stretches in time order (the gaps are breaks)."""

    weekday: int
    stretches: list[WorkingInterval]


def _lock_doctor(doctor: User) -> None:
    """Serialise edits of one doctor's hours on PostgreSQL so two overlapping additions cannot both pass the check."""
    # SQLite ignores FOR UPDATE, but it serialises writers anyway.
    db.session.execute(sa.select(User.id).where(User.id == doctor.id).with_for_update())


def weekly_template(doctor: User) -> list[WeekdayRow]:
    """The doctor's weekly template as seven rows, Monday first."""
    intervals = db.session.scalars(
        sa.select(WorkingInterval)
        .where(WorkingInterval.doctor_id == doctor.id)
        .order_by(WorkingInterval.weekday, WorkingInterval.starts)
    ).all()
    return [WeekdayRow(day, [i for i in intervals if i.weekday == day]) for day in range(7)]


def add_stretch(doctor: User, weekday: int, starts: time, ends: time) -> WorkingInterval:
    """Add a working stretch to a weekday of the template; refuses empty or overlapping stretches."""
    if not 0 <= weekday <= 6:
        raise ScheduleError("no_weekday", _l("Choose a day of the week."), "weekday")
    if ends <= starts:
        raise ScheduleError("ends_before_start", _l("The end must be later than the start."), "ends")
    _lock_doctor(doctor)
    clash = db.session.scalar(
        sa.select(WorkingInterval).where(
            WorkingInterval.doctor_id == doctor.id,
            WorkingInterval.weekday == weekday,
            # Touching stretches (09-13 and 13-15) are allowed: slots simply run on.
            WorkingInterval.starts < ends,
            WorkingInterval.ends > starts,
        )
    )
    if clash is not None:
        clash_starts, clash_ends = clash.starts.strftime("%H:%M"), clash.ends.strftime("%H:%M")
        db.session.rollback()  # release the row lock before answering
        raise ScheduleError(
            "overlap",
            _l("This overlaps the stretch %(starts)s–%(ends)s on that day.", starts=clash_starts, ends=clash_ends),
            "starts",
        )
    interval = WorkingInterval(doctor_id=doctor.id, weekday=weekday, starts=starts, ends=ends)
    db.session.add(interval)
    db.session.commit()
    return interval


def delete_stretch(doctor: User, interval_id: int) -> bool:
    """Remove one of the doctor's stretches; False when the doctor has no such stretch."""
    interval = db.session.scalar(
        sa.select(WorkingInterval).where(WorkingInterval.id == interval_id, WorkingInterval.doctor_id == doctor.id)
    )
    if interval is None:
        return False
    db.session.delete(interval)
    db.session.commit()
    return True


def upcoming_exceptions(doctor: User, today: date) -> list[ScheduleException]:
    """The doctor's exceptions that have not ended before `today`, in date order."""
    return list(
        db.session.scalars(
            sa.select(ScheduleException)
            .where(ScheduleException.doctor_id == doctor.id, ScheduleException.last_day >= today)
            .order_by(ScheduleException.first_day, ScheduleException.id)
        )
    )


def add_exception(
    doctor: User,
    kind: ExceptionKind,
    first_day: date,
    last_day: date,
    starts: time | None = None,
    ends: time | None = None,
    note: str = "",
    created_by: User | None = None,
) -> ScheduleException:
    """Add a day off, vacation or extra hours over a date range; refuses reversed or overlapping ranges."""
    if last_day < first_day:
        raise ScheduleError("reversed_days", _l("The last day must not be before the first day."), "last_day")
    if kind == ExceptionKind.EXTRA_HOURS:
        if starts is None or ends is None:
            raise ScheduleError("no_times", _l("Extra hours need a start and an end time."), "starts")
        if ends <= starts:
            raise ScheduleError("ends_before_start", _l("The end must be later than the start."), "ends")
    else:
        # Times mean nothing for days away; dropping them keeps stale values out of the slot calculation.
        starts = ends = None
    _lock_doctor(doctor)
    clash = db.session.scalar(
        sa.select(ScheduleException).where(
            ScheduleException.doctor_id == doctor.id,
            ScheduleException.first_day <= last_day,
            ScheduleException.last_day >= first_day,
        )
    )
    if clash is not None:
        db.session.rollback()  # release the row lock before answering
        raise ScheduleError(
            "overlap",
            _l("Overlapping exceptions: these dates overlap another day off, vacation or extra hours."),
            "first_day",
        )
    exception = ScheduleException(
        doctor_id=doctor.id,
        kind=kind,
        first_day=first_day,
        last_day=last_day,
        starts=starts,
        ends=ends,
        note=note.strip(),
        created_by_id=created_by.id if created_by is not None else None,
    )
    db.session.add(exception)
    db.session.commit()
    return exception


def delete_exception(doctor: User, exception_id: int) -> bool:
    """Remove one of the doctor's exceptions; False when the doctor has no such exception."""
    exception = db.session.scalar(
        sa.select(ScheduleException).where(
            ScheduleException.id == exception_id, ScheduleException.doctor_id == doctor.id
        )
    )
    if exception is None:
        return False
    db.session.delete(exception)
    db.session.commit()
    return True
