"""Logic of the doctor's cabinet that outgrew the views: status changes, timezone differences, weeks."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import Appointment, AppointmentStatus
from app.presentation import status_label

# action -> (statuses it may start from, status it leads to)
TRANSITIONS = {
    "start": ((AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED), AppointmentStatus.IN_PROGRESS),
    "complete": ((AppointmentStatus.IN_PROGRESS,), AppointmentStatus.COMPLETED),
    "no_show": ((AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED), AppointmentStatus.NO_SHOW),
}


class StatusChangeRefused(ValueError):
    """The requested status change does not apply to the appointment as it is now."""


def available_actions(appointment: Appointment, now: datetime) -> list[str]:
    """The status actions the appointment's doctor may take right now, in display order."""
    actions = [a for a, (sources, _target) in TRANSITIONS.items() if appointment.status in sources]
    if appointment.starts_at > now and "no_show" in actions:
        actions.remove("no_show")  # nobody can miss an appointment that has not begun
    return actions


def change_status(appointment: Appointment, action: str, now: datetime) -> AppointmentStatus:
    """Apply a status action, refusing transitions that do not fit; the update is conditional, so a concurrent
    change (a cancellation in another tab) wins instead of being overwritten."""
    if action not in TRANSITIONS:
        raise StatusChangeRefused(_("Unknown action."))
    sources, target = TRANSITIONS[action]
    if appointment.status not in sources:
        raise StatusChangeRefused(
            _("This cannot be done to an appointment that is %(status)s.", status=_status(appointment))
        )
    if action == "no_show" and appointment.starts_at > now:
        raise StatusChangeRefused(_("A no-show can be recorded only after the appointment's start time."))
    result = db.session.execute(
        sa.update(Appointment)
        .where(Appointment.id == appointment.id, Appointment.status.in_(sources))
        .values(status=target)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise StatusChangeRefused(_("The appointment was changed meanwhile; please look again."))
    db.session.commit()
    db.session.refresh(appointment)
    return target


def _status(appointment: Appointment) -> str:
    """The appointment's status in the current language, lower-cased to sit inside a sentence."""
    return status_label(appointment.status).lower()


def timezone_difference(patient_tz: ZoneInfo, doctor_tz: ZoneInfo, at: datetime) -> str:
    """How far the patient's clock is ahead of the doctor's at an instant: "+3 h", "−1 h 30 min" or "same"."""
    delta = at.astimezone(patient_tz).utcoffset() - at.astimezone(doctor_tz).utcoffset()
    minutes = int(delta.total_seconds() // 60)
    if minutes == 0:
        return _("same")
    sign = "+" if minutes > 0 else "\u2212"  # a true minus sign, as typeset
    hours, rest = divmod(abs(minutes), 60)
    if hours and rest:
        return _("%(sign)s%(hours)d h %(minutes)d min", sign=sign, hours=hours, minutes=rest)
    if hours:
        return _("%(sign)s%(hours)d h", sign=sign, hours=hours)
    return _("%(sign)s%(minutes)d min", sign=sign, minutes=rest)


def week_days(day: date) -> list[date]:
    """The seven days, Monday first, of the week containing `day`."""
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=n) for n in range(7)]
