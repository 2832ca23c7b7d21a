"""A patient sharing a sensitive specialty's appointment with their other doctors, and withdrawing it."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import audit
from app.clock import utcnow
from app.extensions import db
from app.models import Appointment, User
from app.permissions import can_share_appointment
from app.refusals import Refusal


class SharingRefused(Refusal):
    """An appointment that cannot be shared or withdrawn by this user."""


def _check(user: User, appointment: Appointment) -> None:
    """Only the patient (or an active guardian) decides, and only about a sensitive specialty's appointment."""
    if not can_share_appointment(user, appointment):
        raise SharingRefused("not_sensitive", _l("Only a sensitive specialty's appointment can be shared."))


def share_appointment(user: User, appointment: Appointment, now: datetime | None = None) -> None:
    """Let the patient's other (non-restricted) doctors and the methodologist see the appointment, its questionnaire
    and its files as they would any appointment; audited. Sharing an already shared appointment changes nothing."""
    _check(user, appointment)
    # Conditional, so a second click (or a second tab) neither moves the time nor records a second event.
    changed = db.session.execute(
        sa.update(Appointment)
        .where(Appointment.id == appointment.id, Appointment.shared_at.is_(None))
        .values(shared_at=now or utcnow())
    ).rowcount
    db.session.commit()
    db.session.refresh(appointment)
    if changed:
        audit.record("share_appointment", appointment, appointment.patient, user, consent=True)


def stop_sharing_appointment(user: User, appointment: Appointment) -> None:
    """Keep the appointment with its specialist again: other doctors lose it at their next request; audited."""
    _check(user, appointment)
    changed = db.session.execute(
        sa.update(Appointment)
        .where(Appointment.id == appointment.id, Appointment.shared_at.is_not(None))
        .values(shared_at=None)
    ).rowcount
    db.session.commit()
    db.session.refresh(appointment)
    if changed:
        audit.record("stop_sharing_appointment", appointment, appointment.patient, user, consent=True)
