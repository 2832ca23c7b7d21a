"""Free slots: the doctor's weekly template and exceptions, in the doctor's timezone, minus busy time.

Local wall-clock times are turned into UTC day by day with zoneinfo, so a slot at 09:00 stays at 09:00 local
across daylight-saving changes; everything returned is aware UTC.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.models import ACTIVE_STATUSES, Appointment, ExceptionKind, ScheduleException, Service, User, WorkingInterval


@dataclass(frozen=True)
class Slot:
    """A bookable start and end, in UTC."""

    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Rules:
    """The clinic's booking rules, read from configuration."""

    buffer: timedelta
    horizon: timedelta
    min_notice: timedelta

    @classmethod
    def from_config(cls) -> "Rules":
        """The rules configured for this clinic."""
        config = current_app.config
        return cls(
            buffer=timedelta(minutes=config["SLOT_BUFFER_MINUTES"]),
            horizon=timedelta(days=config["BOOKING_HORIZON_DAYS"]),
            min_notice=timedelta(minutes=config["BOOKING_MIN_NOTICE_MINUTES"]),
        )


def _local(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """A local wall-clock time on a day, as an aware UTC instant."""
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


@dataclass
class Calendar:
    """What slot computation needs to know of one doctor: template, exceptions and busy times."""

    intervals: list = field(default_factory=list)
    exceptions: list = field(default_factory=list)
    busy: list[tuple[datetime, datetime]] = field(default_factory=list)


@cache
def _calendar_statements():
    """Working template, exceptions and busy times of doctors (parameters :doctor_ids, :first_day, :last_day,
    :start, :end), built once: building and keying the three statements cost more than running them."""
    doctor_ids = sa.bindparam("doctor_ids", expanding=True)
    intervals = sa.select(WorkingInterval).where(WorkingInterval.doctor_id.in_(doctor_ids))
    exceptions = sa.select(ScheduleException).where(
        ScheduleException.doctor_id.in_(doctor_ids),
        ScheduleException.first_day <= sa.bindparam("last_day"),
        ScheduleException.last_day >= sa.bindparam("first_day"),
    )
    busy = (
        sa.select(Appointment.doctor_id, Appointment.starts_at, Appointment.ends_at)
        .where(
            Appointment.doctor_id.in_(doctor_ids),
            Appointment.status.in_(ACTIVE_STATUSES),
            Appointment.starts_at < sa.bindparam("end"),
            Appointment.ends_at > sa.bindparam("start"),
        )
        .order_by(Appointment.starts_at)
    )
    return intervals, exceptions, busy


def load_calendars(doctor_ids: list[int], first_day: date, last_day: date) -> dict[int, Calendar]:
    """Templates, exceptions and active appointments of many doctors in three queries, whatever their number."""
    calendars = {doctor_id: Calendar() for doctor_id in doctor_ids}
    if not doctor_ids:
        return calendars
    intervals, exceptions, busy = _calendar_statements()
    # A day either side covers every timezone's local days.
    params = {
        "doctor_ids": list(doctor_ids),
        "first_day": first_day,
        "last_day": last_day,
        "start": datetime.combine(first_day - timedelta(days=1), time.min, tzinfo=UTC),
        "end": datetime.combine(last_day + timedelta(days=2), time.min, tzinfo=UTC),
    }
    for interval in db.session.scalars(intervals, params):
        calendars[interval.doctor_id].intervals.append(interval)
    for exception in db.session.scalars(exceptions, params):
        calendars[exception.doctor_id].exceptions.append(exception)
    for row in db.session.execute(busy, params):
        calendars[row.doctor_id].busy.append((row.starts_at, row.ends_at))
    return calendars


def working_windows(
    doctor: User, first_day: date, last_day: date, calendar: Calendar | None = None
) -> list[tuple[datetime, datetime]]:
    """The doctor's working stretches between two local days (inclusive), in UTC, in time order."""
    calendar = calendar or load_calendars([doctor.id], first_day, last_day)[doctor.id]
    tz = ZoneInfo(doctor.timezone)
    by_weekday: dict[int, list[WorkingInterval]] = {}
    for interval in calendar.intervals:
        by_weekday.setdefault(interval.weekday, []).append(interval)
    windows = []
    day = first_day
    while day <= last_day:
        covering = [e for e in calendar.exceptions if e.first_day <= day <= e.last_day]
        away = any(e.kind in (ExceptionKind.DAY_OFF, ExceptionKind.VACATION) for e in covering)
        stretches = [] if away else [(i.starts, i.ends) for i in by_weekday.get(day.weekday(), [])]
        stretches += [(e.starts, e.ends) for e in covering if e.kind == ExceptionKind.EXTRA_HOURS and e.starts]
        windows += [(_local(day, start, tz), _local(day, end, tz)) for start, end in stretches]
        day += timedelta(days=1)
    return _merge(sorted(windows))


def _merge(windows: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Join overlapping or touching stretches (extra hours next to template hours)."""
    merged: list[tuple[datetime, datetime]] = []
    for start, end in windows:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def free_slots(
    doctor: User,
    service: Service,
    now: datetime,
    rules: Rules | None = None,
    limit: int | None = None,
    first_day: date | None = None,
    last_day: date | None = None,
    calendar: Calendar | None = None,
) -> list[Slot]:
    """Starts at which `service` fits in the doctor's working time, keeping the buffer around other appointments.

    Slots lie between now + minimum notice and now + horizon; a grid of duration + buffer from the start of each
    working stretch keeps times tidy, and a grid point that collides with an appointment moves past it.
    """
    rules = rules or Rules.from_config()
    tz = ZoneInfo(doctor.timezone)
    earliest, latest = now + rules.min_notice, now + rules.horizon
    first_day = max(first_day or earliest.astimezone(tz).date(), earliest.astimezone(tz).date())
    last_day = min(last_day or latest.astimezone(tz).date(), latest.astimezone(tz).date())
    if first_day > last_day:
        return []
    calendar = calendar or load_calendars([doctor.id], first_day, last_day)[doctor.id]
    windows = working_windows(doctor, first_day, last_day, calendar)
    if not windows:
        return []
    length = timedelta(minutes=service.duration_minutes)
    step = length + rules.buffer
    busy = calendar.busy
    slots = []
    for window_start, window_end in windows:
        cursor = window_start
        while cursor + length <= window_end:
            clash = next(
                (b for b in busy if b[0] < cursor + length + rules.buffer and b[1] + rules.buffer > cursor), None
            )
            if clash is not None:
                # Jump along the grid past the appointment and its buffer.
                while cursor < clash[1] + rules.buffer:
                    cursor += step
                continue
            if earliest <= cursor and cursor + length <= latest:
                slots.append(Slot(cursor, cursor + length))
                if limit is not None and len(slots) >= limit:
                    return slots
            cursor += step
    return slots


# A card's first slots are nearly always in the coming week: loading that much first spares reading a month of
# appointments (270 rows, most of the card's time); a fully booked week costs a second load of the whole horizon.
FIRST_LOOK = timedelta(days=7)


def first_free_slots(doctor: User, services: list[Service], now: datetime, rules: Rules, limit: int) -> dict:
    """The first `limit` free slots of each service (by id), the same as free_slots over the whole horizon."""
    first_day = (now - timedelta(days=1)).date()
    slots: dict[int, list[Slot]] = {}
    for last_day in ((now + FIRST_LOOK).date(), (now + rules.horizon).date()):
        calendar = load_calendars([doctor.id], first_day, last_day)[doctor.id]
        slots = {
            service.id: free_slots(doctor, service, now, rules, limit=limit, last_day=last_day, calendar=calendar)
            for service in services
        }
        # Slots come in time order, so `limit` of them within the first days are the first of the horizon too.
        if all(len(found) >= limit for found in slots.values()):
            break
    return slots


def nearest_slots(pairs: list[tuple[User, Service]], now: datetime, rules: Rules | None = None) -> list[Slot | None]:
    """The first free slot of each (doctor, service) pair, loading all the doctors' calendars at once."""
    rules = rules or Rules.from_config()
    first_day = (now + rules.min_notice).date() - timedelta(days=1)
    last_day = (now + rules.horizon).date() + timedelta(days=1)
    calendars = load_calendars(sorted({doctor.id for doctor, _ in pairs}), first_day, last_day)
    found = []
    for doctor, service in pairs:
        slots = free_slots(doctor, service, now, rules, limit=1, calendar=calendars[doctor.id])
        found.append(slots[0] if slots else None)
    return found
