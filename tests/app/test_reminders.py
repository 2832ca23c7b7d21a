"""E-mail reminders: once per offset, in the recipient's language and timezone, to the right people, never late."""

import logging
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.models import AppointmentStatus, Guardianship, PatientProfile, ReminderDelivery, Role
from app.reminders import send_due_reminders
from tests import factories
from tests.services.smtp import SMTPServer

PUBLIC_URL = "https://clinic.example"


@pytest.fixture
def app_config(app_config, smtp):
    """The app sends its mail to the throwaway server and links to a public address."""
    app_config.update(
        SMTP_HOST=smtp.host,
        SMTP_PORT=smtp.port,
        MAIL_FROM="reminders@clinic.example",
        CLINIC_NAME="Test Clinic",
        PUBLIC_URL=PUBLIC_URL,
        REMINDER_MINUTES_BEFORE=(1440, 60),
        BABEL_DEFAULT_LOCALE="en",
        BABEL_DEFAULT_TIMEZONE="Europe/Moscow",
    )
    return app_config


@pytest.fixture
def reminder_log(caplog):
    """What app.reminders logs during the test."""
    # migrations/env.py calls logging.config.fileConfig, which disables every logger that existed before the
    # migrations ran in this process (app.reminders, imported at collection), so turn it back on.
    logger = logging.getLogger("app.reminders")
    was_disabled, logger.disabled = logger.disabled, False
    yield caplog
    logger.disabled = was_disabled


def _soon(**delta) -> datetime:
    """A start time this far from now, on a whole minute."""
    return (datetime.now(UTC) + timedelta(**delta)).replace(second=0, microsecond=0)


def _send(runner):
    """Run `flask reminders send` as cron would."""
    return runner.invoke(args=["reminders", "send"])


def _recorded(db) -> list[tuple[int, int]]:
    """The (appointment id, offset) pairs recorded as sent."""
    rows = db.session.execute(sa.select(ReminderDelivery.appointment_id, ReminderDelivery.minutes_before)).all()
    return sorted(tuple(row) for row in rows)


def _body(message) -> str:
    """The plain-text body of a received message."""
    return message.get_body(preferencelist=("plain",)).get_content()


def test_each_reminder_arrives_once(runner, smtp, db):
    """Running the command again sends nothing new; the day-before and the hour-before reminder come once each."""
    patient = factories.patient(last_name="Onceonly")
    doctor = factories.doctor(last_name="Housecall", first_name="Gregory")
    appt = factories.appointment(patient, doctor, _soon(hours=23))

    first = _send(runner)
    assert first.exit_code == 0, first.output
    assert "Sent 1 reminder" in first.output
    again = _send(runner)
    assert again.exit_code == 0 and "Sent 0 reminder" in again.output
    assert len(smtp.messages) == 1

    # An hour before the start the second reminder is due, and again only once.
    hour_before = appt.starts_at - timedelta(minutes=45)
    assert send_due_reminders(hour_before) == 1
    assert send_due_reminders(hour_before) == 0
    assert len(smtp.messages) == 2
    assert _recorded(db) == [(appt.id, 60), (appt.id, 1440)]

    message = smtp.messages[0]
    assert message["To"] == patient.email
    assert message["From"].addresses[0].addr_spec == "reminders@clinic.example"
    # A subject longer than a mail line is folded right after "Subject:"; readers drop the folding space.
    assert message["Subject"].strip().startswith("Appointment reminder")
    body = _body(message)
    moscow = appt.starts_at.astimezone(ZoneInfo("Europe/Moscow")).strftime("%H:%M")
    assert f"{moscow} (Europe/Moscow)" in body
    assert "Housecall Gregory" in body
    assert appt.service.name_en in body
    assert f"{PUBLIC_URL}/patient/appointments/{appt.public_id}" in body
    assert f"check your camera, microphone and connection: {PUBLIC_URL}/call/check" in body


def test_reminder_in_the_patients_language_and_timezone(app, smtp, db):
    """A Russian-speaking patient in Yekaterinburg reads Russian text and the local wall-clock time."""
    patient = factories.patient(last_name="Уральская", first_name="Ольга", timezone="Asia/Yekaterinburg")
    patient.user.locale = "ru"
    db.session.commit()
    starts = datetime(2026, 11, 24, 10, 30, tzinfo=UTC)  # 15:30 in Yekaterinburg (UTC+5)
    appt = factories.appointment(patient, factories.doctor(), starts)

    assert send_due_reminders(starts - timedelta(hours=20)) == 1
    body = _body(smtp.messages[0])
    assert "вторник, 24 ноября 2026, 15:30 (Asia/Yekaterinburg)" in body
    assert "Врач:" in body and "Услуга:" in body and "Начало:" in body
    assert appt.service.name_ru in body
    assert "15:30 (Asia/Yekaterinburg)" in smtp.messages[0]["Subject"]


def test_guardian_receives_the_dependants_reminder(runner, smtp, db):
    """A child without an account: the active guardian is reminded, a former guardian is not."""
    guardian = factories.user(Role.PATIENT)
    child = factories.dependant(guardian, first_name="Misha", last_name="Little")
    former = factories.user(Role.PATIENT)
    db.session.add(Guardianship(guardian=former, patient=child, legal_basis="Court order", active=False))
    db.session.commit()
    factories.appointment(child, factories.doctor(), _soon(hours=2))

    result = _send(runner)
    assert result.exit_code == 0 and "Sent 1 reminder" in result.output
    assert [m["To"] for m in smtp.messages] == [guardian.email]
    assert "an appointment for Little Misha" in _body(smtp.messages[0])


def test_patient_without_account_is_written_to_at_the_records_address(runner, smtp, db):
    """A record with only an e-mail address gets the reminder there, without a link it could not open."""
    record = PatientProfile(
        last_name="Paperonly", first_name="Pat", date_of_birth=date(1970, 1, 1), email="pat@example.net"
    )
    db.session.add(record)
    db.session.commit()
    factories.appointment(record, factories.doctor(), _soon(hours=2))

    assert _send(runner).exit_code == 0
    assert [m["To"] for m in smtp.messages] == ["pat@example.net"]
    body = _body(smtp.messages[0])
    assert "Hello, Paperonly Pat!" in body
    assert "/patient/appointments/" not in body


def test_cancelled_appointments_get_no_reminder(runner, smtp, db):
    """A cancelled appointment in the reminder window produces no e-mail and no record."""
    factories.appointment(factories.patient(), factories.doctor(), _soon(hours=3), status=AppointmentStatus.CANCELLED)
    result = _send(runner)
    assert result.exit_code == 0 and "Sent 0 reminder" in result.output
    assert smtp.messages == []
    assert _recorded(db) == []


def test_late_booking_gets_only_the_hour_reminder(runner, smtp, db):
    """Booked 30 minutes ahead: the one-hour reminder only, never a 'tomorrow' reminder arriving late."""
    appt = factories.appointment(factories.patient(), factories.doctor(), _soon(minutes=30))
    assert "Sent 1 reminder" in _send(runner).output
    assert "Sent 0 reminder" in _send(runner).output
    assert len(smtp.messages) == 1
    assert _recorded(db) == [(appt.id, 60)]


def test_smtp_outage_is_reported_and_retried(runner, smtp, db, reminder_log):
    """With the mail server down the command fails loudly and records nothing; once it is back, the reminder goes."""
    appt = factories.appointment(factories.patient(), factories.doctor(), _soon(hours=5))
    smtp.stop()

    failed = _send(runner)
    assert failed.exit_code != 0
    assert "could not be sent" in failed.output
    assert f"appointment {appt.public_id} could not be sent" in reminder_log.text
    assert _recorded(db) == []

    back = SMTPServer(port=smtp.port).start()
    try:
        result = _send(runner)
        assert result.exit_code == 0 and "Sent 1 reminder" in result.output
        assert len(back.messages) == 1
        assert _recorded(db) == [(appt.id, 1440)]
    finally:
        back.stop()
