"""A specialist card's first slots, loaded a week at first, equal the first slots of the whole horizon."""

from datetime import UTC, datetime, time, timedelta

import pytest

from app.extensions import db
from app.models import ExceptionKind, ScheduleException
from app.scheduling.slots import Rules, first_free_slots, free_slots
from tests import factories

RULES = Rules(buffer=timedelta(minutes=10), horizon=timedelta(days=30), min_notice=timedelta(hours=2))


@pytest.mark.parametrize("timezone", ["Europe/Moscow", "Asia/Vladivostok", "America/Los_Angeles"])
@pytest.mark.parametrize("away_days", [0, 6, 8, 29])
def test_first_slots_equal_the_whole_horizons(app, timezone, away_days):
    """Free this week, away for most of it, away past it, or away nearly the whole horizon: the same slots."""
    doctor, short = factories.offering_doctor(minutes=30, timezone=timezone)
    long = factories.service(of=doctor.specialist_profile.specialties[0], minutes=240)
    now = datetime(2031, 3, 10, 23, 30, tzinfo=UTC)  # near midnight: the doctor's day differs from UTC's
    today = now.date()
    if away_days:
        db.session.add(
            ScheduleException(
                doctor_id=doctor.id, kind=ExceptionKind.VACATION, first_day=today, last_day=today + timedelta(away_days)
            )
        )
    db.session.add(
        ScheduleException(
            doctor_id=doctor.id, kind=ExceptionKind.EXTRA_HOURS, first_day=today + timedelta(away_days + 1),
            last_day=today + timedelta(away_days + 1), starts=time(19), ends=time(21),
        )
    )  # fmt: skip
    db.session.commit()
    for n in range(12):
        factories.appointment(doctor_user=doctor, starts_at=now + timedelta(hours=8 + 5 * n), of_service=short)

    found = first_free_slots(doctor, [short, long], now, RULES, limit=6)

    assert found == {s.id: free_slots(doctor, s, now, RULES, limit=6) for s in (short, long)}
    assert all(len(slots) == 6 for slots in found.values()) or away_days == 29
