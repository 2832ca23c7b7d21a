"""Logic of the doctor's cabinet that outgrew the views: status changes, timezone differences, weeks."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from app.models import Appointment, Role
from app.scheduling.status import StatusChangeRefused as StatusChangeRefused  # the doctor's views catch it from here
from app.scheduling.status import apply_action
from app.scheduling.status import available_actions as _available_actions


def available_actions(appointment: Appointment, now: datetime) -> list[str]:
    """The status actions the appointment's doctor may take right now, in display order."""
    return _available_actions(appointment, Role.DOCTOR, now)


def change_status(appointment: Appointment, action: str, now: datetime) -> None:
    """Apply a doctor's status action under the rules both cabinets share (app.scheduling.status); a concurrent
    change wins and the action is refused."""
    apply_action(appointment, action, Role.DOCTOR, now)


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
