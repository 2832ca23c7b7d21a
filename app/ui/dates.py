"""Flask-Babel's date filters and functions (`datetimeformat`, `dateformat`, `timeformat`), made cheap for lists.

Why: Flask-Babel's format_datetime converts through pytz and builds Babel's DateTimeFormat on every call, 32 µs
against 15 µs here (measured in a request, 2026-12-03); the doctor's patient list prints 75 dates, the day and the
cabinet dozens, so about a millisecond of CPU a page (bench/RESULTS.md). The functions below keep Flask-Babel's names, signatures and text: a
formatter per (locale, timezone, named format) holds the patterns and the zone, and writes the local wall-clock time
with Babel's patterns and names (numbers, month and weekday names, am/pm filled in directly, any other field by
Babel itself). Formats that print a timezone name, pattern strings, naive or missing values and calls outside a
request go to Flask-Babel itself. `register` installs them as the template filters under Flask-Babel's own names;
tests/app/test_formatting.py checks pages print what Flask-Babel writes.
"""

import re
from collections.abc import Callable
from datetime import datetime, time
from functools import lru_cache

import flask_babel
from babel import Locale, dates
from flask import Flask
from flask_babel import get_locale, get_timezone
from jinja2 import pass_context

from app.clock import zone_or_default
from app.extensions import babel
from app.ui.rendering import rendering_cache

NAMED_FORMATS = ("short", "medium", "long", "full")

# Pattern letters that print a timezone; those formats depend on more than the wall-clock time.
_ZONE_FIELDS = frozenset("zZvVOXx")

Formatter = Callable[[datetime], str]

_FIELD = re.compile(r"%\((\w+)\)s")


def _field_getter(name: str, locale: Locale) -> Callable | None:
    """How to print one pattern field of a date or time as Babel's DateTimeFormat prints it, or None for the fields
    left to Babel (week numbers, eras, quarters...)."""
    numbers = {"d": "day", "M": "month", "y": "year", "H": "hour", "m": "minute", "s": "second"}
    char, width = name[0], len(name)
    if name in ("yy",):
        return lambda value: f"{value.year % 100:02d}"
    if char in numbers and (width <= 2 or char == "y"):
        attribute = numbers[char]
        if width == 1:
            return lambda value: str(getattr(value, attribute))
        return lambda value: f"{getattr(value, attribute):0{width}d}"
    if char == "h" and width <= 2:
        return lambda value: f"{value.hour % 12 or 12:0{width}d}"
    if char == "M" and width in (3, 4):
        months = dates.get_month_names("abbreviated" if width == 3 else "wide", "format", locale)
        return lambda value: months[value.month]
    if char == "E" and width <= 4:
        days = dates.get_day_names("wide" if width == 4 else "abbreviated", "format", locale)
        return lambda value: days[value.weekday()]
    if name == "a":
        morning, afternoon = (dates.DateTimeFormat(time(hour), locale)["a"] for hour in (1, 13))
        return lambda value: afternoon if value.hour >= 12 else morning
    return None


@lru_cache(maxsize=256)
def _applier(pattern: dates.DateTimePattern, locale: Locale) -> Callable:
    """pattern.apply(value, locale) without building a DateTimeFormat per call (~15 µs): each field's printer is
    worked out once; a pattern with a field Babel alone prints goes through Babel."""
    getters = [_field_getter(name, locale) for name in _FIELD.findall(pattern.format)]
    if None in getters:
        return lambda value: pattern.apply(value, locale)
    # The pattern's literal text already has its own % doubled by Babel.
    positional = _FIELD.sub("%s", pattern.format)
    return lambda value: positional % tuple(getter(value) for getter in getters)


@lru_cache(maxsize=256)
def _formatter(locale: Locale, zone_name: str, kind: str, fmt: str) -> Formatter | None:
    """Format aware datetimes as `kind` ("datetime", "date" or "time") in a locale and zone; None when the format
    prints a timezone name, which Flask-Babel handles."""
    zone = zone_or_default(zone_name)
    date_pattern = dates.get_date_format(fmt, locale=locale)
    time_pattern = dates.get_time_format(fmt, locale=locale)
    write_date = _applier(date_pattern, locale)
    if kind == "date":
        return lambda value: write_date(value.astimezone(zone).date())
    if _ZONE_FIELDS & set(time_pattern.pattern):
        return None
    # Without zone fields the time depends on the wall clock alone (Babel's reference date only serves zone names).
    write_time = _applier(time_pattern, locale)
    if kind == "time":
        return lambda value: write_time(value.astimezone(zone))
    # How the locale joins the two ("{1}, {0}"), quotes removed as Babel does.
    before, middle, after, time_first = _glue(dates.get_datetime_format(fmt, locale=locale).replace("'", ""))

    def both(value: datetime) -> str:
        """Date and time of one instant, as babel.dates.format_datetime joins them."""
        moment = value.astimezone(zone)
        first, second = (
            (write_time(moment), write_date(moment.date()))
            if time_first
            else (write_date(moment.date()), write_time(moment))
        )
        return before + first + middle + second + after

    return both


def _glue(joined: str) -> tuple[str, str, str, bool]:
    """A "{1}, {0}" joining pattern as the text before, between and after the parts, and whether the time ({0})
    comes first."""
    time_at, date_at = joined.index("{0}"), joined.index("{1}")
    first_at, second_at = sorted((time_at, date_at))
    return joined[:first_at], joined[first_at + 3 : second_at], joined[second_at + 3 :], time_at < date_at


def _viewer_formatter(kind: str, value, format: str | None) -> Callable | None:
    """The cached formatter of `kind` for this request's language and timezone, or None when the value or the
    format is one only Flask-Babel writes."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        return None
    locale = get_locale()
    # One cache lookup a call, keyed by what Flask-Babel itself reads: about 15 µs a date against 23 µs when the
    # format and the zone's name were worked out on every call (75 dates on the patient list).
    return None if locale is None else _viewer_formatter_for(locale, get_timezone(), kind, format)


@lru_cache(maxsize=256)
def _viewer_formatter_for(locale: Locale, tz, kind: str, format: str | None) -> Formatter | None:
    """_viewer_formatter for one locale, Flask-Babel timezone, kind and requested format."""
    # Flask-Babel's own resolution of the format: the app's default, then a named format the app may redefine.
    named = babel.date_formats[kind] if format is None else format
    if named not in NAMED_FORMATS or babel.date_formats[f"{kind}.{named}"] is not None:
        return None
    # zoneinfo like the rest of the app: Flask-Babel's pytz gives the same wall clock, five times slower.
    return _formatter(locale, getattr(tz, "zone", None) or str(tz), kind, named)


def format_datetime(datetime=None, format=None, rebase=True) -> str:
    """flask_babel.format_datetime: date and time in the viewer's language and timezone."""
    formatter = _viewer_formatter("datetime", datetime, format) if rebase else None
    return flask_babel.format_datetime(datetime, format, rebase) if formatter is None else formatter(datetime)


def format_time(time=None, format=None, rebase=True) -> str:
    """flask_babel.format_time: the time of day in the viewer's language and timezone."""
    formatter = _viewer_formatter("time", time, format) if rebase else None
    return flask_babel.format_time(time, format, rebase) if formatter is None else formatter(time)


def format_date(date=None, format=None, rebase=True) -> str:
    """flask_babel.format_date: a date, or the viewer's local date of a datetime, in the viewer's language."""
    if isinstance(date, datetime):
        formatter = _viewer_formatter("date", date, format) if rebase else None
        return flask_babel.format_date(date, format, rebase) if formatter is None else formatter(date)
    formatter = None if date is None else _plain_date_formatter(format)
    return flask_babel.format_date(date, format, rebase) if formatter is None else formatter(date)


@lru_cache(maxsize=64)
def _date_pattern(locale: Locale, fmt: str) -> dates.DateTimePattern:
    """The locale's date pattern of a named format."""
    return dates.get_date_format(fmt, locale=locale)


def _template_filter(kind: str, function: Callable) -> Callable:
    """`function` as a template filter that looks the viewer's formatter up once per template rendering, not once
    per date. Why: each lookup reads the locale and timezone through Flask-Babel's context proxies (about 8 µs), and
    the doctor's day and patient list print dozens of dates in a loop (measured: the list's app CPU was 2 ms a
    request above the per-table formatter this replaced, bench/RESULTS.md 2026-12-03)."""

    @pass_context
    def apply(context, value=None, format=None, rebase=True):
        """Format like `function`, with the formatter kept on the template's context."""
        if not rebase or value is None:
            return function(value, format, rebase)
        cache = rendering_cache(context)
        plain = not isinstance(value, datetime)
        key = ("date formatter", kind, format, plain)
        if key not in cache:
            cache[key] = _plain_date_formatter(format) if plain else _viewer_formatter(kind, value, format)
        formatter = cache[key]
        if formatter is None or (not plain and value.tzinfo is None):
            return function(value, format, rebase)
        return formatter(value)

    return apply


def _plain_date_formatter(format: str | None) -> Callable | None:
    """The cached formatter of plain dates (birthdays) for this request's language, or None where only Flask-Babel
    writes the format."""
    locale = get_locale()
    named = babel.date_formats["date"] if format is None else format
    if locale is None or named not in NAMED_FORMATS or babel.date_formats[f"date.{named}"]:
        return None
    return _applier(_date_pattern(locale, named), locale)


def format_when(value: datetime, date_format: str = "medium") -> str:
    """A date in a named format and its time to the minute, in the viewer's language and timezone.

    Why not datetimeformat("medium"/"full"): those print seconds, and "full" the zone's long name, where people read
    an appointment's time to the minute (and the zone, when it matters, is shown beside it).
    """
    return f"{format_date(value, date_format)}, {format_time(value, 'short')}"


def register(app: Flask) -> None:
    """Install the functions above as Flask-Babel's filters of the same names (after babel.init_app, which
    installs its own)."""
    app.jinja_env.filters.update(
        datetimeformat=_template_filter("datetime", format_datetime),
        dateformat=_template_filter("date", format_date),
        timeformat=_template_filter("time", format_time),
        when=format_when,
    )
