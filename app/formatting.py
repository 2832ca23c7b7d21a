"""Dates and times in the viewer's language and timezone, without Flask-Babel's per-call lookups.

Flask-Babel's format_datetime re-resolves the locale, converts through pytz and looks up the CLDR patterns on every
call: about 80 µs, several milliseconds on a page of fifty rows. Here a formatter per (locale, timezone, format)
holds the patterns and the zone, and Babel itself applies them to the same local wall-clock time, so the text is
Babel's. Formats that print a timezone name, and calls outside a request, keep going through Flask-Babel.
"""

from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache

from babel import Locale, dates
from flask_babel import format_date, format_datetime, format_time, get_locale, get_timezone

from app.i18n import zone_or_default

NAMED_FORMATS = ("short", "medium", "long", "full")

# Pattern letters that print a timezone; those formats depend on more than the wall-clock time.
_ZONE_FIELDS = frozenset("zZvVOXx")

Formatter = Callable[[datetime], str]


@lru_cache(maxsize=256)
def _formatter(locale: Locale, zone_name: str, kind: str, fmt: str) -> Formatter | None:
    """Format aware datetimes as `kind` ("datetime", "date" or "time") in a locale and zone; None when the format
    prints a timezone name, which Flask-Babel handles."""
    zone = zone_or_default(zone_name)
    date_pattern = dates.get_date_format(fmt, locale=locale)
    time_pattern = dates.get_time_format(fmt, locale=locale)
    if kind == "date":
        return lambda value: date_pattern.apply(value.astimezone(zone).date(), locale)
    if _ZONE_FIELDS & set(time_pattern.pattern):
        return None
    if kind == "time":
        # Babel takes the reference date before converting; it only matters to zone names, kept for fidelity.
        return lambda value: time_pattern.apply(value.astimezone(zone).timetz(), locale, reference_date=value.date())
    # How the locale joins the two ("{1}, {0}"), quotes removed as Babel does.
    glue = dates.get_datetime_format(fmt, locale=locale).replace("'", "")

    def both(value: datetime) -> str:
        """Date and time of one instant, as babel.dates.format_datetime joins them."""
        moment = value.astimezone(zone)
        day = moment.date()
        time_text = time_pattern.apply(moment.timetz(), locale, reference_date=day)
        return glue.replace("{0}", time_text).replace("{1}", date_pattern.apply(day, locale))

    return both


def viewer_formatter(kind: str, fmt: str) -> Formatter | None:
    """The formatter for this request's language and timezone (for loops: look it up once), or None when only
    Flask-Babel can write the format."""
    locale = get_locale()
    if locale is None or fmt not in NAMED_FORMATS:
        return None
    tz = get_timezone()
    # zoneinfo like the rest of the app: Flask-Babel's pytz gives the same wall clock, five times slower.
    return _formatter(locale, getattr(tz, "zone", None) or str(tz), kind, fmt)


def date_formatter(fmt: str) -> Callable[[date], str] | None:
    """A formatter of plain dates (no timezone: birthdays) in this request's language, or None when only
    Flask-Babel can write the format."""
    locale = get_locale()
    if locale is None or fmt not in NAMED_FORMATS:
        return None
    pattern = _date_pattern(locale, fmt)
    return lambda value: pattern.apply(value, locale)


def local_datetime(value: datetime, fmt: str) -> str:
    """A UTC datetime as date and time in the viewer's timezone, as flask_babel.format_datetime writes it."""
    formatter = viewer_formatter("datetime", fmt) if value.tzinfo is not None else None
    return format_datetime(value, fmt) if formatter is None else formatter(value)


def local_time(value: datetime, fmt: str) -> str:
    """Only the time of day in the viewer's timezone, as flask_babel.format_time writes it."""
    formatter = viewer_formatter("time", fmt) if value.tzinfo is not None else None
    return format_time(value, fmt) if formatter is None else formatter(value)


def local_date(value: date | datetime, fmt: str) -> str:
    """A date, or the viewer's local date of a datetime, as flask_babel.format_date writes it."""
    if not isinstance(value, datetime):
        formatter = date_formatter(fmt)
        return format_date(value, fmt) if formatter is None else formatter(value)
    formatter = viewer_formatter("date", fmt) if value.tzinfo is not None else None
    return format_date(value, fmt) if formatter is None else formatter(value)


@lru_cache(maxsize=64)
def _date_pattern(locale: Locale, fmt: str) -> dates.DateTimePattern:
    """The locale's date pattern of a named format."""
    return dates.get_date_format(fmt, locale=locale)
