"""The embedded demo path on SQLite, as `make run` takes it: migrate, seed the demo, every demo user opens their
cabinet. The rest of the suite runs on PostgreSQL, so this is what keeps the demo working on SQLite."""

import pytest
import sqlalchemy as sa
from flask import url_for

from app.auth.views import LANDING
from app.demo import DEMO_PASSWORD, SIGN_INS
from app.demo.catalogue import PSYCHOLOGY_INTAKE
from app.extensions import db
from app.models import Appointment, PatientProfile, User

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def database_url(tmp_path):
    """An empty SQLite file, not the migrated template: the demo path migrates it itself."""
    return f"sqlite:///{tmp_path / 'demo.sqlite3'}"


def test_demo_on_sqlite_migrates_seeds_and_opens_every_cabinet(app, runner):
    """`flask db upgrade`, `flask storage init` and `flask seed-demo` succeed on an empty SQLite file, and each demo
    account signs in with the documented password and lands on its own cabinet page (200, signed in)."""
    for command in (["db", "upgrade"], ["storage", "init"], ["seed-demo"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 0, (command, result.output, result.exception)
    assert "Demo clinic ready" in result.output
    for email, role in SIGN_INS.items():
        client = app.test_client()
        signed_in = client.sign_in(email, DEMO_PASSWORD)
        assert signed_in.status_code == 302, (email, signed_in.get_data(as_text=True))
        with app.test_request_context():
            assert signed_in.headers["Location"] == url_for(LANDING[role])  # their own cabinet, not the login page
        cabinet = client.get(signed_in.headers["Location"])
        assert cabinet.status_code == 200, (email, signed_in.headers["Location"])
        assert 'action="/auth/logout"' in cabinet.get_data(as_text=True)  # shown signed in


def test_demo_psychologist_appointment_is_closed_to_the_endocrinologist_until_shared(app, runner):
    """The demo patient's psychology session, questionnaire filled in, answers 404 to the demo endocrinologist who
    also treats her; once she shares it from her cabinet he opens it and reads the reason; withdrawn, 404 again."""
    for command in (["db", "upgrade"], ["seed-demo"], ["seed-demo"]):  # seeding twice keeps one session
        result = runner.invoke(args=command)
        assert result.exit_code == 0, (command, result.output, result.exception)
    with app.app_context():
        psychologist = db.session.scalar(sa.select(User).filter_by(email="psychologist@demo.clinic"))
        newcomer = db.session.scalar(sa.select(PatientProfile).join(User).where(User.email == "patient@demo.clinic"))
        session = db.session.scalars(
            sa.select(Appointment)
            .where(Appointment.doctor_id == psychologist.id, Appointment.patient_id == newcomer.id)
            .where(Appointment.intake.has())
        ).one()
        url = f"/doctor/appointments/{session.public_id}"
    reason = PSYCHOLOGY_INTAKE[0]
    doctor, patient = app.test_client(), app.test_client()
    assert doctor.sign_in("doctor@demo.clinic", DEMO_PASSWORD).status_code == 302
    assert patient.sign_in("patient@demo.clinic", DEMO_PASSWORD).status_code == 302
    assert doctor.get(url).status_code == 404
    own_page = patient.get(f"/patient/appointments/{session.public_id}").get_data(as_text=True)
    assert reason in own_page and "Share with my other doctors" in own_page
    shared = patient.submit(f"/patient/appointments/{session.public_id}/share", {"confirm": "y"})
    assert shared.status_code == 303
    opened = doctor.get(url)
    assert opened.status_code == 200 and reason in opened.get_data(as_text=True)
    patient.submit(f"/patient/appointments/{session.public_id}/stop-sharing")
    assert doctor.get(url).status_code == 404


def test_demo_doctor_can_call_the_demo_patient_right_after_seeding(app, runner):
    """`make run`'s demo has one appointment of patient@demo.clinic with doctor@demo.clinic starting within the hour
    (seeding twice adds no second one), and its doctor may call her from the moment calls open."""
    from datetime import UTC, datetime, timedelta

    from app.calls.states import start_refusal
    from app.models import ACTIVE_STATUSES

    for command in (["db", "upgrade"], ["seed-demo"], ["seed-demo"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 0, (command, result.output, result.exception)
    with app.app_context():
        doctor = db.session.scalar(sa.select(User).filter_by(email="doctor@demo.clinic"))
        newcomer = db.session.scalar(sa.select(PatientProfile).join(User).where(User.email == "patient@demo.clinic"))
        now = datetime.now(UTC)
        soon = db.session.scalars(
            sa.select(Appointment).where(
                Appointment.doctor_id == doctor.id,
                Appointment.patient_id == newcomer.id,
                Appointment.status.in_(ACTIVE_STATUSES),
                Appointment.starts_at.between(now, now + timedelta(hours=1)),
            )
        ).all()
        assert len(soon) == 1
        # Callable now, or (when the demo's history kept the patient busy right now) from 15 minutes before it starts.
        opens = max(now, soon[0].starts_at - timedelta(minutes=app.config["CALL_OPENS_BEFORE_MINUTES"]))
        assert start_refusal(doctor, soon[0], opens) is None
