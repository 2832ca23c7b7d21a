"""Audit where access is granted and where a change succeeds: one row for a granted view, none for a refusal."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from app.models import AppointmentStatus, AuditEvent, Role
from app.permissions import get_appointment_or_404, get_file_or_404, get_patient_or_404
from tests import factories


def _audit_rows(db) -> list[tuple[str, int, int | None]]:
    """Every audit row as (action, actor id, patient id), in order."""
    return [
        tuple(row)
        for row in db.session.execute(
            sa.select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.patient_id).order_by(AuditEvent.id)
        )
    ]


def test_a_granted_lookup_records_exactly_one_row_and_a_refused_one_none(clinic, db):
    """get_*_or_404 audits staff access it grants, once; a 404 records nothing; patients are not audited."""
    own_doctor, other_doctor = clinic.users["own_doctor"], clinic.users["other_doctor"]
    appointment, record = clinic.appointments["own"], clinic.patients["own"]
    assert get_appointment_or_404(appointment.public_id, own_doctor, audit="view_appointment") == appointment
    with pytest.raises(NotFound):
        get_appointment_or_404(appointment.public_id, other_doctor, audit="view_appointment")
    with pytest.raises(NotFound):
        get_patient_or_404(record.public_id, clinic.users["admin"], audit="view_patient")
    with pytest.raises(NotFound):
        get_file_or_404(
            clinic.files["doctors_chat_file"].public_id, clinic.users["methodologist"], audit="download_file"
        )
    get_patient_or_404(record.public_id, clinic.users["patient"], audit="view_patient")
    assert _audit_rows(db) == [("view_appointment", own_doctor.id, record.id)]


def test_the_appointment_page_is_audited_once_and_a_foreign_one_not_at_all(client, login_as, db):
    """A doctor opening their appointment leaves one row; another doctor gets 404 and leaves none."""
    doctor = factories.doctor()
    appointment = factories.appointment(doctor_user=doctor)
    login_as(Role.DOCTOR)
    assert client.get(f"/doctor/appointments/{appointment.public_id}").status_code == 404
    assert _audit_rows(db) == []
    client.submit("/auth/logout")
    login_as(Role.DOCTOR, doctor)
    assert client.get(f"/doctor/appointments/{appointment.public_id}").status_code == 200
    assert _audit_rows(db) == [("view_appointment", doctor.id, appointment.patient_id)]


def test_refused_status_changes_record_nothing_and_a_done_one_records_one_row(client, login_as, db):
    """Reception's no-show before the start is refused (409) and a colleague's start is forbidden (403): no rows;
    reception's arrival is recorded once."""
    doctor = factories.doctor()
    appointment = factories.appointment(doctor_user=doctor, starts_at=datetime.now(UTC) + timedelta(hours=2))
    colleague = factories.doctor()
    factories.appointment(appointment.patient, colleague)
    login_as(Role.DOCTOR, colleague)
    started = client.submit(f"/doctor/appointments/{appointment.public_id}/status", {"action": "start"})
    assert started.status_code == 403
    client.submit("/auth/logout")
    reception = login_as(Role.RECEPTION)
    assert client.submit(f"/reception/appointments/{appointment.public_id}/no-show").status_code == 409
    assert _audit_rows(db) == []
    assert client.submit(f"/reception/appointments/{appointment.public_id}/arrived").status_code == 302
    assert _audit_rows(db) == [("mark_arrived", reception.id, appointment.patient_id)]


def test_a_refused_chat_extension_records_nothing(client, login_as, db):
    """Extending the chat of a cancelled appointment is refused and not audited; a granted one is audited once."""
    doctor = factories.doctor()
    cancelled = factories.appointment(doctor_user=doctor, status=AppointmentStatus.CANCELLED)
    booked = factories.appointment(doctor_user=doctor)
    login_as(Role.DOCTOR, doctor)
    client.submit(f"/doctor/appointments/{cancelled.public_id}/chat/extend", {"minutes": "60"})
    assert _audit_rows(db) == []
    client.submit(f"/doctor/appointments/{booked.public_id}/chat/extend", {"minutes": "60"})
    assert _audit_rows(db) == [("extend_chat", doctor.id, booked.patient_id)]
