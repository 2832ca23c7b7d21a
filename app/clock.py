"""Time for the whole app: now in UTC, the viewer's day and its UTC bounds, timezones by name.

Storage is UTC; people's days are in their own timezone. Everything that turns one into the other lives here.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.refusals import Refusal


def utcnow() -> datetime:
    """Current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z and milliseconds, the one timestamp format of the realtime API."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def is_valid_timezone(name: str) -> bool:
    """True for IANA timezone names zoneinfo knows."""
    return name in available_timezones()


def zone_or_default(name: str | None) -> ZoneInfo:
    """The named timezone, or the clinic's default when the name is missing or unknown to zoneinfo."""
    try:
        return ZoneInfo(name) if name else ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def day_bounds_utc(day: date, tz_name: str) -> tuple[datetime, datetime]:
    """The UTC instants at which the local day starts and the next one starts (DST-safe)."""
    tz = ZoneInfo(tz_name)
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def local_today(tz_name: str) -> date:
    """Today's date where the viewer is."""
    return datetime.now(ZoneInfo(tz_name)).date()


# The days the calendars can show and the forms accept. Far wider than any real appointment or birth, and far
# inside what `date` and `datetime` can hold, so a week or month stepped from either end never overflows.
CALENDAR_FIRST_DAY = date(1900, 1, 1)
CALENDAR_LAST_DAY = date(2200, 12, 31)


class OutsideCalendar(Refusal):
    """A date or instant the calendar cannot show: a bad request, whatever asked for it."""

    status = 400

    def __init__(self) -> None:
        message = _l(
            "Choose a date between %(first)s and %(last)s.",
            first=CALENDAR_FIRST_DAY.isoformat(),
            last=CALENDAR_LAST_DAY.isoformat(),
        )
        super().__init__("date_out_of_range", message)


def within_calendar(day: date) -> bool:
    """True for the days the calendar shows."""
    return CALENDAR_FIRST_DAY <= day <= CALENDAR_LAST_DAY


def calendar_day(day: date) -> date:
    """The day itself if the calendar shows it; otherwise OutsideCalendar."""
    if not within_calendar(day):
        raise OutsideCalendar()
    return day
