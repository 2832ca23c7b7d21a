"""Logic of the doctor's cabinet that outgrew the views: timezone differences, weeks (status changes follow
app.scheduling.status, the rules both cabinets share)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _


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
