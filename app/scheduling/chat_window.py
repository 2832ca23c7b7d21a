"""The chat window: when an appointment's chat is open for writing, and how the doctor extends it."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from app import audit
from app.clock import iso, utcnow
from app.extensions import db
from app.models import Appointment, AppointmentStatus, User
from app.refusals import CONFLICT, Refusal


class ExtensionRefused(Refusal):
    """The extension asked for is not allowed."""


@dataclass(frozen=True)
class ChatWindow:
    """Opening and closing time of one appointment's chat; a cancelled appointment's chat never opens."""

    opens_at: datetime
    closes_at: datetime
    cancelled: bool

    def is_open(self, now: datetime | None = None) -> bool:
        """Writing is allowed right now."""
        now = now or utcnow()
        return not self.cancelled and self.opens_at <= now < self.closes_at

    def not_yet_open(self, now: datetime | None = None) -> bool:
        """The window lies ahead (the page says when it opens)."""
        return not self.cancelled and (now or utcnow()) < self.opens_at

    def as_dict(self, now: datetime | None = None) -> dict:
        """The window as the realtime contract sends it: ISO 8601 UTC instants and whether it is open."""
        return {
            "opens_at": iso(self.opens_at),
            "closes_at": iso(self.closes_at),
            "open": self.is_open(now),
        }


def window_for(appointment: Appointment) -> ChatWindow:
    """The chat window of an appointment under the clinic's settings and any extension by the doctor."""
    config = current_app.config
    opens_at = appointment.starts_at - timedelta(minutes=config["CHAT_OPENS_BEFORE"])
    closes_at = appointment.ends_at + timedelta(minutes=config["CHAT_CLOSES_AFTER"])
    if appointment.chat_closes_at is not None and appointment.chat_closes_at > closes_at:
        closes_at = appointment.chat_closes_at
    return ChatWindow(opens_at, closes_at, appointment.status == AppointmentStatus.CANCELLED)


def extend_window(
    appointment: Appointment, minutes: int, now: datetime | None = None, by: User | None = None
) -> ChatWindow:
    """Move the closing time `minutes` past the later of now and the current closing time; commit, audit the
    extension by staff member `by`, and return the new window."""
    now = now or utcnow()
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
        raise ExtensionRefused("bad_request", _l("Choose how long to extend the chat."))
    days = current_app.config["CHAT_MAX_EXTENSION_DAYS"]
    if minutes > days * 24 * 60:
        raise ExtensionRefused("too_long", _l("An extension can be at most %(days)s days.", days=days))
    current = window_for(appointment)
    if current.cancelled:
        raise ExtensionRefused("cancelled", _l("The appointment was cancelled; its chat cannot be extended."), CONFLICT)
    # Extending a chat that has not opened yet would not make it open sooner; only its end moves.
    closes_at = max(current.closes_at, now) + timedelta(minutes=minutes)
    # Repeated extensions must not keep an old appointment's chat open for ever.
    latest_days = current_app.config["CHAT_LATEST_CLOSE_DAYS"]
    if closes_at > appointment.ends_at + timedelta(days=latest_days):
        raise ExtensionRefused(
            "bad_request",
            _l("A chat can stay open at most %(days)s days after its appointment.", days=latest_days),
        )
    appointment.chat_closes_at = closes_at
    db.session.commit()
    audit.record("extend_chat", appointment, appointment.patient, by)
    return window_for(appointment)
