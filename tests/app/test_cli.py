"""The CLI: demo data and account creation."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app import demo
from app.models import ACTIVE_STATUSES, Appointment, Guardianship, Role, SpecialistProfile, Specialty, User


def _seed(runner):
    """Run `flask seed-demo` and return its output."""
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return result.output


def test_seed_demo_is_idempotent(runner, db):
    """Running seed-demo twice leaves the same row counts."""
    _seed(runner)
    first = demo.counts()
    _seed(runner)
    assert demo.counts() == first
    assert first["appointment"] > 100


def test_demo_clinic_is_believable(runner, db):
    """Enough specialists, specialties, patients of both languages, a restricted psychologist and a guardian."""
    _seed(runner)
    assert db.session.scalar(sa.select(sa.func.count(SpecialistProfile.id))) >= 8
    assert db.session.scalar(sa.select(sa.func.count(Specialty.id))) >= 5
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.role == Role.PATIENT)) >= 30
    psychologist = db.session.scalar(sa.select(User).filter_by(email="psychologist@demo.clinic"))
    assert psychologist.specialist_profile.restricted
    assert "psychology" in [s.slug for s in psychologist.specialist_profile.specialties]
    guardianship = db.session.scalars(sa.select(Guardianship)).one()
    assert guardianship.guardian.email == "patient@demo.clinic" and guardianship.patient.user_id is None
    names = [u.display_name for u in db.session.scalars(sa.select(User).where(User.role == Role.PATIENT))]
    assert any("а" <= ch <= "я" for n in names for ch in n.lower())  # Russian names
    assert any(n.isascii() for n in names)  # English names
    now = datetime.now(UTC)
    starts = db.session.scalars(sa.select(Appointment.starts_at)).all()
    assert min(starts) < now - timedelta(days=3) and max(starts) > now + timedelta(days=3)


def test_newcomer_can_try_chat_and_calls_at_once(runner, db):
    """patient@demo.clinic has an appointment with doctor@demo.clinic within two hours, and one next week."""
    _seed(runner)
    now = datetime.now(UTC)
    patient = db.session.scalar(sa.select(User).filter_by(email="patient@demo.clinic")).patient_profile
    doctor = db.session.scalar(sa.select(User).filter_by(email="doctor@demo.clinic"))
    starts = db.session.scalars(
        sa.select(Appointment.starts_at).where(
            Appointment.patient_id == patient.id,
            Appointment.doctor_id == doctor.id,
            Appointment.status.in_(ACTIVE_STATUSES),
        )
    ).all()
    assert any(now <= s <= now + timedelta(hours=2) for s in starts)
    assert any(now + timedelta(days=6) <= s <= now + timedelta(days=8) for s in starts)


def test_demo_accounts_land_in_their_cabinets(runner, client):
    """Every documented demo sign-in works with demo12345 and opens its cabinet."""
    _seed(runner)
    for email, role in demo.SIGN_INS.items():
        response = client.sign_in(email, demo.DEMO_PASSWORD)
        assert response.status_code == 302, email
        assert response.headers["Location"] == f"/{role.value}/"
        assert client.get(response.headers["Location"]).status_code == 200
        client.submit("/auth/logout")


def test_demo_doctor_sees_the_newcomers_appointment_today_or_soon(runner, client):
    """The doctor's day (or the next, near midnight) lists the newcomer's appointment."""
    _seed(runner)
    client.sign_in("doctor@demo.clinic", demo.DEMO_PASSWORD)
    # The doctor's pages show the doctor's own days (Moscow): near its midnight "soon" is already tomorrow there.
    soon = (datetime.now(ZoneInfo("Europe/Moscow")) + timedelta(hours=2)).date().isoformat()
    pages = client.get("/doctor/").get_data(as_text=True) + client.get(f"/doctor/?date={soon}").get_data(as_text=True)
    assert "Смирнова Анна" in pages


def test_users_create_makes_a_staff_account(runner, client, db):
    """`flask users create` prompts for the password and creates a working staff account."""
    result = runner.invoke(
        args=["users", "create", "--role", "reception", "--email", "Desk@Clinic.example", "--name", "Front Desk"],
        input="desk-password-1\ndesk-password-1\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).filter_by(email="desk@clinic.example"))
    assert user.role == Role.RECEPTION and user.full_name == "Front Desk"
    assert client.sign_in("desk@clinic.example", "desk-password-1").headers["Location"] == "/reception/"


def test_users_create_refuses_bad_input(runner, db):
    """Short passwords, unknown timezones, duplicates and the patient role are refused with a reason."""
    args = ["users", "create", "--role", "doctor", "--email", "x@clinic.example", "--name", "Иванов Иван"]
    short = runner.invoke(args=args, input="short\nshort\n")
    assert short.exit_code != 0 and "at least 8" in short.output
    bad_tz = runner.invoke(args=[*args, "--timezone", "Mars/Base"], input="long-enough-1\nlong-enough-1\n")
    assert bad_tz.exit_code != 0 and "unknown timezone" in bad_tz.output
    patient = runner.invoke(args=["users", "create", "--role", "patient", "--email", "p@clinic.example", "--name", "P"])
    assert patient.exit_code != 0
    ok = runner.invoke(args=args, input="long-enough-1\nlong-enough-1\n")
    assert ok.exit_code == 0
    doctor = db.session.scalar(sa.select(User).filter_by(email="x@clinic.example"))
    assert doctor.specialist_profile.full_name == "Иванов Иван"
    again = runner.invoke(args=args, input="long-enough-1\nlong-enough-1\n")
    assert again.exit_code != 0 and "already exists" in again.output
