"""Reception edits doctors' working hours with the doctor's own editor and rules."""

import re
from datetime import date, timedelta

import sqlalchemy as sa

from app.models import AuditEvent, ExceptionKind, Role, ScheduleException, WorkingInterval
from tests import factories


def test_reception_adds_and_removes_working_time(client, login_as, db):
    """A stretch and a vacation added by reception change the doctor's schedule and are audited."""
    me = login_as(Role.RECEPTION)
    doctor = factories.doctor(last_name="Scheduled", timezone="Asia/Yekaterinburg")
    base = f"/reception/doctors/{doctor.specialist_profile.public_id}/schedule"
    assert "Scheduled" in client.get("/reception/doctors").get_data(as_text=True)
    page = client.get(base).get_data(as_text=True)
    assert "Asia/Yekaterinburg" in page
    assert client.submit(f"{base}/stretches", {"weekday": "0", "starts": "09:00", "ends": "13:00"}).status_code == 302
    first = date.today() + timedelta(days=10)
    vacation = {"kind": "vacation", "first_day": first.isoformat(), "last_day": (first + timedelta(days=6)).isoformat()}
    assert client.submit(f"{base}/exceptions", vacation).status_code == 302
    stretch = db.session.scalars(sa.select(WorkingInterval).filter_by(doctor_id=doctor.id)).one()
    exception = db.session.scalars(sa.select(ScheduleException).filter_by(doctor_id=doctor.id)).one()
    assert (stretch.weekday, stretch.starts.hour, exception.kind, exception.created_by_id) == (
        0,
        9,
        ExceptionKind.VACATION,
        me.id,
    )
    overlapping = client.submit(f"{base}/exceptions", {**vacation, "kind": "day_off"})
    assert overlapping.status_code == 422 and "Overlapping exceptions" in overlapping.get_data(as_text=True)
    assert client.submit(f"{base}/stretches/{stretch.id}/delete").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(WorkingInterval.id)).filter_by(doctor_id=doctor.id)) == 0
    audited = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.actor_id == me.id)).all()
    # Three changes were saved; the refused overlapping exception left no audit row.
    assert audited.count("edit_schedule") == 3


def test_unknown_doctor_and_foreign_rows_are_404(client, login_as, db):
    """A made-up doctor id, or another doctor's stretch id, is a page that does not exist."""
    login_as(Role.RECEPTION)
    doctor, other = factories.doctor(), factories.doctor()
    factories.working_week(other, weekdays=[1])
    foreign = db.session.scalars(sa.select(WorkingInterval).filter_by(doctor_id=other.id)).first()
    assert client.get("/reception/doctors/00000000-0000-0000-0000-000000000000/schedule").status_code == 404
    base = f"/reception/doctors/{doctor.specialist_profile.public_id}/schedule"
    assert client.submit(f"{base}/stretches/{foreign.id}/delete").status_code == 404
    page = client.get(base).get_data(as_text=True)
    assert not re.search(r"stretches/\d+/delete", page)
