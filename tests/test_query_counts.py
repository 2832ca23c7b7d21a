"""Pages run a bounded number of SQL queries, the same for a small and a larger clinic (no N+1)."""

from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.extensions import db as _db
from app.models import AppointmentStatus, Role
from tests import factories

MOSCOW = ZoneInfo("Europe/Moscow")

pytestmark = pytest.mark.both_engines  # engine-dependent: runs on SQLite and PostgreSQL


@contextmanager
def counting(engine):
    """Count the statements sent to the database inside the block."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def _clinic(size: int, doctor, service, me, first: int = 0):
    """`size` appointments today for the doctor and `size` for the patient, with distinct people and doctors."""
    now = datetime.now(UTC)
    # From three hours ago, but never before the start of today where the staff are (Moscow, the factories'
    # default): the day's pages must show the first appointments whatever the hour of the run.
    local_midnight = datetime.combine(now.astimezone(MOSCOW).date(), time(), MOSCOW).astimezone(UTC)
    first_start = max(now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=3), local_midnight)
    for n in range(first, first + size):
        colleague, colleague_service = factories.offering_doctor()
        factories.appointment(doctor_user=colleague, starts_at=now + timedelta(days=1), of_service=colleague_service)
        start = first_start + timedelta(minutes=40 * n)
        factories.appointment(factories.patient(last_name=f"Crowd{n}"), doctor, start, of_service=service)
        factories.appointment(
            me.patient_profile,
            factories.doctor(),
            now + timedelta(days=n + 1) if n % 2 else now - timedelta(days=n + 1),
            status=AppointmentStatus.BOOKED if n % 2 else AppointmentStatus.COMPLETED,
        )


def _queries(client, url: str) -> int:
    """Statements one page view runs."""
    with counting(_db.engine) as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


@pytest.mark.parametrize(
    ("role", "url"),
    [
        (Role.DOCTOR, "/doctor/"),
        (Role.PATIENT, "/patient/"),
        (Role.RECEPTION, "/reception/"),
        (Role.RECEPTION, "/reception/patients/search?q=crowd"),
        (None, "/specialists"),
        (None, "/specialists/{card}"),
    ],
)
def test_query_count_does_not_grow_with_data(client, login_as, role, url):
    """The same page runs the same number of queries with 2 and with 12 appointments per list."""
    doctor, service = factories.offering_doctor()
    me = factories.user(Role.PATIENT)
    url = url.format(card=doctor.specialist_profile.public_id)
    viewer = {Role.DOCTOR: doctor, Role.PATIENT: me}.get(role) or (factories.user(role) if role else None)
    if viewer is not None:
        login_as(role, viewer)
    _clinic(2, doctor, service, me)
    small = _queries(client, url)
    _clinic(10, doctor, service, me, first=2)
    large = _queries(client, url)
    assert large == small, (url, small, large)
    assert small <= 25, (url, small)
