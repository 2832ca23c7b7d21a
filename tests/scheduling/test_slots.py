"""Free slots: working template, breaks, exceptions, buffers, notice, horizon and daylight-saving time."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.models import AppointmentStatus, ExceptionKind, ScheduleException
from app.scheduling.slots import Rules, free_slots
from tests import factories

RULES = Rules(buffer=timedelta(minutes=10), horizon=timedelta(days=30), min_notice=timedelta(hours=2))
MOSCOW = ZoneInfo("Europe/Moscow")


def _moscow(day: date, hour: int, minute: int = 0) -> datetime:
    """A Moscow wall-clock time as UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=MOSCOW).astimezone(UTC)


def _day_slots(doctor, service, day, now):
    """Local start times of one day's free slots."""
    slots = free_slots(doctor, service, now, RULES, first_day=day, last_day=day)
    return [s.starts_at.astimezone(ZoneInfo(doctor.timezone)).strftime("%H:%M") for s in slots]


def test_grid_follows_working_hours_breaks_and_buffer(app):
    """30-minute service, 10-minute buffer: 09:00, 09:40, ... and nothing across the 13:00-14:00 break."""
    doctor, service = factories.offering_doctor(minutes=30)
    day = date(2031, 3, 10)
    times = _day_slots(doctor, service, day, now=_moscow(day, 0))
    assert times[:4] == ["09:00", "09:40", "10:20", "11:00"]
    assert "12:20" in times and "12:40" not in times  # 12:20-12:50 fits before the break, 13:00 would not
    assert "14:00" in times and "17:20" in times and "17:40" not in times
    assert not any("13:00" <= t < "14:00" for t in times)


def test_appointments_and_their_buffer_are_not_offered(app):
    """An appointment at 09:35 (booked by reception off the grid) blocks 09:00 and 09:40 with its buffer; a cancelled one frees the time."""
    doctor, service = factories.offering_doctor(minutes=30)
    day = date(2031, 3, 10)
    factories.appointment(doctor_user=doctor, starts_at=_moscow(day, 9, 35), of_service=service)
    cancelled = factories.appointment(
        doctor_user=doctor, starts_at=_moscow(day, 11, 0), of_service=service, status=AppointmentStatus.CANCELLED
    )
    times = _day_slots(doctor, service, day, now=_moscow(day, 0))
    assert "09:00" not in times  # 09:30 + 10 min buffer runs past 09:35
    assert "09:40" not in times and "10:20" in times  # 10:05 + 10 min buffer ends just before 10:20
    assert cancelled.status == AppointmentStatus.CANCELLED and "11:00" in times


def test_minimum_notice_and_horizon(app):
    """Nothing sooner than the minimum notice, nothing beyond the horizon."""
    doctor, service = factories.offering_doctor()
    day = date(2031, 3, 10)
    now = _moscow(day, 10, 5)
    times = _day_slots(doctor, service, day, now)
    assert times[0] == "12:20"  # 10:20 and 11:00, 11:40 are inside the two-hour notice
    far = now + timedelta(days=40)
    assert free_slots(doctor, service, now, RULES, first_day=far.date(), last_day=far.date()) == []


def test_day_off_vacation_and_extra_hours(app, db):
    """Days off and vacations remove the day; extra hours add time on a day without template hours."""
    doctor, service = factories.offering_doctor()
    monday = date(2031, 3, 10)
    db.session.add_all(
        [
            ScheduleException(doctor_id=doctor.id, kind=ExceptionKind.DAY_OFF, first_day=monday, last_day=monday),
            ScheduleException(
                doctor_id=doctor.id, kind=ExceptionKind.VACATION, first_day=monday + timedelta(days=2),
                last_day=monday + timedelta(days=4),
            ),
            ScheduleException(
                doctor_id=doctor.id, kind=ExceptionKind.EXTRA_HOURS, first_day=monday + timedelta(days=1),
                last_day=monday + timedelta(days=1), starts=time(19), ends=time(20),
            ),
        ]
    )  # fmt: skip
    db.session.commit()
    now = _moscow(monday - timedelta(days=1), 0)
    assert _day_slots(doctor, service, monday, now) == []
    assert _day_slots(doctor, service, monday + timedelta(days=3), now) == []
    tuesday = _day_slots(doctor, service, monday + timedelta(days=1), now)
    assert "19:00" in tuesday and "19:40" not in tuesday and "09:00" in tuesday


def test_daylight_saving_keeps_local_times(app):
    """In Berlin a 09:00 slot is 08:00 UTC in winter and 07:00 UTC in summer, around the March change."""
    doctor, service = factories.offering_doctor(timezone="Europe/Berlin")
    before, after = date(2031, 3, 29), date(2031, 3, 31)  # clocks go forward on Sunday 30 March 2031
    now = datetime(2031, 3, 20, tzinfo=UTC)
    first_before = free_slots(doctor, service, now, RULES, first_day=before, last_day=before)[0].starts_at
    first_after = free_slots(doctor, service, now, RULES, first_day=after, last_day=after)[0].starts_at
    assert (first_before.hour, first_after.hour) == (8, 7)
    assert _day_slots(doctor, service, after, now)[0] == "09:00"
