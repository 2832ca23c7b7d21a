"""Local-day arithmetic for cabinet pages: days are the viewer's, storage is UTC."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def day_bounds_utc(day: date, tz_name: str) -> tuple[datetime, datetime]:
    """The UTC instants at which the local day starts and the next one starts (DST-safe)."""
    tz = ZoneInfo(tz_name)
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def local_today(tz_name: str) -> date:
    """Today's date where the viewer is."""
    return datetime.now(ZoneInfo(tz_name)).date()


def parse_day(value: str | None, tz_name: str) -> tuple[date, bool]:
    """A YYYY-MM-DD query value, or today; the flag says whether the value was malformed."""
    if not value:
        return local_today(tz_name), False
    try:
        return date.fromisoformat(value), False
    except ValueError:
        return local_today(tz_name), True


def parse_instant(value: str | None) -> datetime | None:
    """An aware ISO 8601 instant (as slot buttons and links carry), in UTC; None when malformed or naive."""
    try:
        parsed = datetime.fromisoformat(value or "")
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo is not None else None
