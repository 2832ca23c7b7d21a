"""The admin area: staff accounts and the audit log."""

import sqlalchemy as sa

from app.models import AuditEvent, Role, User
from tests import factories


def _staff_form(**overrides):
    """A valid new-staff form."""
    form = {
        "email": "New.Doctor@Clinic.example",
        "last_name": "Орлова",
        "first_name": "Вера",
        "middle_name": "",
        "role": "doctor",
        "timezone": "Asia/Yekaterinburg",
        "password": "initial-pass-1",
    }
    form.update(overrides)
    return form


def test_admin_creates_a_doctor_who_can_sign_in(app, client, login_as, db):
    """A doctor created by the admin gets a profile with specialties and lands in the doctor cabinet."""
    login_as(Role.ADMIN)
    endo = factories.specialty("endocrinology")
    response = client.submit("/admin/staff/new", _staff_form(specialties=str(endo.id), restricted="y"))
    assert response.status_code == 302, response.get_data(as_text=True)
    created = db.session.scalar(sa.select(User).filter_by(email="new.doctor@clinic.example"))
    assert created.role == Role.DOCTOR and created.timezone == "Asia/Yekaterinburg"
    assert created.specialist_profile.restricted is True
    assert [s.slug for s in created.specialist_profile.specialties] == ["endocrinology"]
    assert "Орлова Вера" in client.get("/admin/").get_data(as_text=True)
    assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.object_id == str(created.public_id)))
    client.submit("/auth/logout")
    landing = client.sign_in("NEW.DOCTOR@clinic.example", "initial-pass-1")
    assert landing.headers["Location"] == "/doctor/"


def test_form_errors_are_shown_and_nothing_is_stored(client, login_as, db):
    """Bad timezone, missing specialty and duplicate e-mail are explained; no account appears."""
    admin = login_as(Role.ADMIN)
    before = db.session.scalar(sa.select(sa.func.count(User.id)))
    response = client.submit("/admin/staff/new", _staff_form(timezone="Mars/Olympus"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Unknown timezone" in page and "Choose at least one specialty" in page
    duplicate = client.submit("/admin/staff/new", _staff_form(email=admin.email.upper(), role="reception"))
    assert duplicate.status_code == 422
    assert "already exists" in duplicate.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == before


def test_staff_cannot_be_given_the_patient_role(client, login_as, db):
    """The role list offers staff roles only; a forged 'patient' is refused."""
    login_as(Role.ADMIN)
    response = client.submit("/admin/staff/new", _staff_form(role="patient"))
    assert response.status_code == 422
    assert db.session.scalar(sa.select(User).filter_by(email="new.doctor@clinic.example")) is None


def test_audit_log_shows_staff_access(client, login_as):
    """What reception opened appears in the admin's audit log."""
    patient = factories.patient(last_name="Watched")
    login_as(Role.RECEPTION)
    client.get(f"/reception/patients/{patient.public_id}")
    client.submit("/auth/logout")
    login_as(Role.ADMIN)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "view_patient" in page and "Watched" in page
