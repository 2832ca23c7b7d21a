"""E-mail reminders of upcoming appointments, each sent at most once per appointment and offset.

Delivery is recorded before the e-mail goes out (the unique ReminderDelivery row is the claim). A crash between
that commit and the send loses one reminder rather than doubling it: for a patient, a second identical reminder
looks like a fault of the clinic, while a missing one is covered by the other offset. A send that fails outright
gives the claim back, so the next run retries it.
"""

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_datetime
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.clock import zone_or_default
from app.extensions import db
from app.i18n import LANGUAGES, formatting_locale
from app.mail import deliver, plain_message
from app.models import ACTIVE_STATUSES, Appointment, Guardianship, ReminderDelivery, User
from app.urls import public_base_url

logger = logging.getLogger(__name__)

# Day before month and a 24-hour clock read naturally in both languages: "Monday, 24 November 2026, 15:30".
WHEN_PATTERN = "EEEE, d MMMM y, HH:mm"


class ReminderError(Exception):
    """Reminders could not be (fully) sent; the message says why."""


class RemindersFailed(ReminderError):
    """Some e-mails failed; reminders nobody received stay due and the next run retries them."""

    def __init__(self, sent: int, failed: int) -> None:
        self.sent = sent
        self.failed = failed
        super().__init__(
            f"{failed} reminder e-mail(s) could not be sent ({sent} sent); see the log. "
            "Reminders that reached nobody are retried on the next run."
        )


@dataclass(frozen=True)
class Recipient:
    """Who receives a reminder, in which language and timezone, and whether they can sign in to open it."""

    email: str
    name: str
    locale: str
    timezone: str
    has_account: bool
    for_someone_else: bool


def public_url(endpoint: str, **values) -> str:
    """An absolute URL to an endpoint, built from PUBLIC_URL rather than a request (there is none in cron)."""
    base = urlsplit(public_base_url())
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def local_time(value: datetime, timezone: str, locale: str) -> str:
    """A start time as the recipient reads it, naming the timezone so nobody joins an hour off."""
    return f"{format_datetime(value, WHEN_PATTERN, tzinfo=ZoneInfo(timezone), locale=locale)} ({timezone})"


def _language(user: User | None) -> str:
    """The recipient's interface language, else the clinic's default."""
    if user is not None and user.locale in LANGUAGES:
        return user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _timezone(name: str | None) -> str:
    """The recipient's timezone if it is a real one, else the clinic's."""
    return zone_or_default(name).key


def _from_account(user: User, for_someone_else: bool) -> Recipient:
    """A recipient who has an account, with its language and timezone."""
    return Recipient(user.email, user.display_name, _language(user), _timezone(user.timezone), True, for_someone_else)


def recipients(appointment: Appointment) -> list[Recipient]:
    """The patient's own account; for a dependant without one, each active guardian; else the record's e-mail."""
    patient = appointment.patient
    if patient.user is not None:
        return [_from_account(patient.user, for_someone_else=False)]
    guardians = db.session.scalars(
        sa.select(User)
        .join(Guardianship, Guardianship.guardian_id == User.id)
        .where(Guardianship.patient_id == patient.id, Guardianship.active.is_(True))
        .order_by(User.id)
    ).all()
    if guardians:
        return [_from_account(guardian, for_someone_else=True) for guardian in guardians]
    if patient.email:
        # Without an account there is no page to link to and no saved preferences: the clinic's defaults.
        default_tz = current_app.config["BABEL_DEFAULT_TIMEZONE"]
        return [Recipient(patient.email, patient.full_name, _language(None), default_tz, False, False)]
    return []


def due_reminders(now: datetime) -> list[tuple[int, int]]:
    """(appointment id, offset) pairs due now and not yet recorded."""
    # Each offset owns the window from its own lead time up to the next shorter one, so an appointment booked
    # 30 minutes ahead gets only the 60-minute reminder, never a 24-hour one that would arrive late.
    offsets = sorted({m for m in current_app.config["REMINDER_MINUTES_BEFORE"] if m > 0})
    due: list[tuple[int, int]] = []
    shorter = 0
    for offset in offsets:
        already_sent = sa.exists().where(
            ReminderDelivery.appointment_id == Appointment.id, ReminderDelivery.minutes_before == offset
        )
        ids = db.session.scalars(
            sa.select(Appointment.id)
            .where(
                Appointment.status.in_(ACTIVE_STATUSES),
                Appointment.starts_at > now + timedelta(minutes=shorter),
                Appointment.starts_at <= now + timedelta(minutes=offset),
                ~already_sent,
            )
            .order_by(Appointment.starts_at, Appointment.id)
        ).all()
        due += [(appointment_id, offset) for appointment_id in ids]
        shorter = offset
    return due


def compose(appointment: Appointment, recipient: Recipient) -> EmailMessage:
    """The reminder e-mail in the recipient's language, with times in their timezone."""
    config = current_app.config
    with force_locale(formatting_locale(recipient.locale)):
        when = local_time(appointment.starts_at, recipient.timezone, recipient.locale)
        link = public_url("patient.appointment", appointment_id=str(appointment.public_id))
        body = render_template(
            "email/reminder.txt",
            recipient=recipient,
            patient_name=appointment.patient.full_name,
            doctor_name=appointment.doctor.display_name,
            service_name=appointment.service.name(recipient.locale),
            when=when,
            link=link if recipient.has_account else None,
            # The pre-call check is a signed-in page too: offered only with the appointment's own link.
            check_link=public_url("video.check") if recipient.has_account else None,
            clinic_name=config["CLINIC_NAME"],
        )
        subject = _("Appointment reminder: %(when)s", when=when)
    return plain_message(recipient.email, subject, body)


def _claim(appointment_id: int, offset: int) -> bool:
    """Record the reminder as sent; False when another run recorded it first."""
    db.session.add(ReminderDelivery(appointment_id=appointment_id, minutes_before=offset))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def _release(appointment_id: int, offset: int) -> None:
    """Forget a claimed reminder that reached nobody, so the next run tries again."""
    db.session.execute(
        sa.delete(ReminderDelivery).where(
            ReminderDelivery.appointment_id == appointment_id, ReminderDelivery.minutes_before == offset
        )
    )
    db.session.commit()


def send_due_reminders(now: datetime) -> int:
    """Send every reminder due at `now` and return how many e-mails went out; raise RemindersFailed after failures."""
    if not current_app.config["SMTP_HOST"]:
        raise ReminderError("SMTP_HOST is not set: no reminders can be sent.")
    sent = failed = 0
    for appointment_id, offset in due_reminders(now):
        appointment = db.session.get(Appointment, appointment_id)
        people = recipients(appointment) if appointment is not None else []
        if not people:
            continue  # Nobody to write to; should an address appear before the window closes, it is still due.
        # Composed before the claim: a template or configuration error must not cost anyone their reminder.
        messages = [compose(appointment, person) for person in people]
        if not _claim(appointment_id, offset):
            continue
        # Cancelled between the query and the claim: the claim must not pretend a reminder went out.
        if not appointment.is_active:
            _release(appointment_id, offset)
            continue
        delivered = 0
        for message in messages:
            try:
                deliver(message)
                delivered += 1
            except (smtplib.SMTPException, OSError):
                failed += 1
                logger.exception(
                    "Reminder %s min before appointment %s could not be sent", offset, appointment.public_id
                )
        sent += delivered
        # One guardian reached keeps the claim: retrying would send the others' copies twice.
        if delivered == 0:
            _release(appointment_id, offset)
    if failed:
        raise RemindersFailed(sent, failed)
    return sent
