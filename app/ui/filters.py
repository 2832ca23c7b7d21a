"""Template filters and globals: local times, money, names in the current language."""

import uuid
from collections.abc import Callable
from contextlib import nullcontext
from datetime import datetime
from functools import lru_cache
from urllib.parse import quote, quote_plus

from flask import Flask, current_app, request, url_for
from flask_babel import force_locale, format_currency, format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import generate_csrf

from app.i18n import LANGUAGES, current_language, install_template_gettext
from app.models import AppointmentStatus, User
from app.ui.dates import local_date, local_datetime, local_time


def localtime(value: datetime | None, fmt: str = "medium") -> str:
    """A UTC datetime shown in the viewer's timezone."""
    return "" if value is None else local_datetime(value, fmt)


def localclock(value: datetime | None) -> str:
    """Only the local time of day."""
    return "" if value is None else local_time(value, "short")


def localday(value, fmt: str = "medium") -> str:
    """A date (or the local date of a datetime)."""
    return "" if value is None else local_date(value, fmt)


def money(value) -> str:
    """A price in the clinic's currency."""
    return format_currency(value, current_app.config["CLINIC_CURRENCY"])


def localized(obj) -> str:
    """The name of a specialty or service in the current language."""
    return obj.name(current_language())


def filesize(size: int) -> str:
    """A byte count as KB or MB in the current language."""
    if size < 1024 * 1024:
        return str(_l("%(n)s KB", n=format_decimal(max(1, round(size / 1024)))))
    return str(_l("%(n)s MB", n=format_decimal(round(size / 1024 / 1024, 1))))


def status_labels() -> dict[AppointmentStatus, str]:
    """Every status's label in the current language: lists look them up once and print a handful of statuses on
    every row (a gettext costs ~20 µs, and finding the request's locale again each time about as much)."""
    return _status_labels(get_locale())


@lru_cache(maxsize=16)
def _status_labels(locale) -> dict[AppointmentStatus, str]:
    """The labels for one locale (catalogs do not change while the app runs); computed with that locale in force."""
    with force_locale(str(locale)) if locale is not None else nullcontext():
        return {status: status.label for status in AppointmentStatus}


# Werkzeug's quoting of a path segment and of a query value (routing converters, urls._urlencode).
_QUOTE_PATH = "!$&'()*+,/:;=@"
_QUOTE_QUERY = "!$'()*,/:;?@"
_SLOT = "ROWVALUE"  # letters only, so no quoting changes it


def url_builder(endpoint: str, key: str, **values) -> Callable[[object], str]:
    """`url_for(endpoint, key=value, **values)` for many values of `key`, routing once: url_for costs ~20 µs, so
    a list with a link per row (50 rows, two links) spent 2 ms on it."""
    template = url_for(endpoint, **values, **{key: _SLOT})
    before, _slot, after = template.partition(_SLOT)
    if "?" in before:
        return lambda value: f"{before}{quote_plus(str(value), safe=_QUOTE_QUERY)}{after}"

    def build(value) -> str:
        """The URL for one value; public ids are UUIDs, whose text needs no quoting."""
        segment = str(value) if isinstance(value, uuid.UUID) else quote(str(value), safe=_QUOTE_PATH)
        return f"{before}{segment}{after}"

    return build


def asset_url(filename: str) -> str:
    """url_for('static', filename=...), worked out once per file and mount point: every page's head links eight
    assets (~25 µs a url_for), and their addresses never change while the app runs."""
    return _asset_url(request.script_root, filename)


@lru_cache(maxsize=64)
def _asset_url(_script_root: str, filename: str) -> str:
    """The static file's URL under one mount point (the argument keys the cache)."""
    return url_for("static", filename=filename)


def cabinet_endpoint(user: User) -> str:
    """The dashboard endpoint of the user's own cabinet."""
    return f"{user.role.value}.dashboard"


def register(app: Flask) -> None:
    """Install the filters and globals."""
    install_template_gettext(app)
    app.add_template_filter(localtime)
    app.add_template_filter(localclock)
    app.add_template_filter(localday)
    app.add_template_filter(money)
    app.add_template_filter(localized)
    app.add_template_filter(filesize)
    app.add_template_global(current_language)
    app.add_template_global(cabinet_endpoint)
    app.add_template_global(url_builder)
    app.add_template_global(asset_url)
    from app.ui.tables import appointment_cells

    app.add_template_global(appointment_cells)
    app.add_template_global(generate_csrf, "csrf_token")
    app.add_template_global(LANGUAGES, "LANGUAGES")

    @app.context_processor
    def clinic():
        """The clinic's name for every page."""
        return {"clinic_name": app.config["CLINIC_NAME"]}
