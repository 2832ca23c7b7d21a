"""The fast date helpers and URL builder write exactly what Flask-Babel and url_for write."""

import uuid
from datetime import UTC, date, datetime, timedelta

import flask_babel
import pytest
from flask import url_for

from app import create_app
from app.ui.filters import localclock, localday, localtime, url_builder

ZONES = ("Europe/Moscow", "Asia/Vladivostok", "America/New_York", "Europe/London", "Asia/Kolkata", "UTC")
# Around both 2026 DST changes in New York and London, midnight crossings, and leap day.
INSTANTS = [
    datetime(2026, 3, 8, 6, 0, tzinfo=UTC) + timedelta(minutes=25 * n) for n in range(12)
] + [
    datetime(2026, 10, 25, 0, 0, tzinfo=UTC) + timedelta(minutes=40 * n) for n in range(6)
] + [datetime(2028, 2, 29, 21, 30, tzinfo=UTC), datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)]  # fmt: skip


@pytest.fixture(scope="module")
def bare_app(tmp_path_factory):
    """The app without a database: formatting needs only the request's language and timezone."""
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "SECRET_KEY": "formatting-tests",
            "RATELIMIT_STORAGE_URI": "memory://",
            "REDIS_URL": "",
            "STORAGE_LOCAL_PATH": str(tmp_path_factory.mktemp("storage")),
        }
    )


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("zone", ZONES)
def test_dates_match_flask_babel(bare_app, language, zone):
    """Every named format, in both languages and across DST changes, reads as Flask-Babel writes it."""
    bare_app.config["BABEL_DEFAULT_TIMEZONE"] = zone
    with bare_app.test_request_context("/", headers={"Accept-Language": language}):
        for instant in INSTANTS:
            for fmt in ("short", "medium", "long", "full"):
                assert localtime(instant, fmt) == flask_babel.format_datetime(instant, fmt), (instant, fmt)
                assert localday(instant, fmt) == flask_babel.format_date(instant, fmt), (instant, fmt)
                assert localday(instant.date(), fmt) == flask_babel.format_date(instant.date(), fmt)
            assert localclock(instant) == flask_babel.format_time(instant, "short"), instant
        custom = "yyyy-MM-dd HH:mm"  # a pattern, not a named format: Flask-Babel's own path
        assert localtime(INSTANTS[0], custom) == flask_babel.format_datetime(INSTANTS[0], custom)
        assert localday(date(1980, 12, 31)) == flask_babel.format_date(date(1980, 12, 31), "medium")
        assert localtime(None) == localday(None) == localclock(None) == ""


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_hour_month_and_weekday_match_flask_babel(bare_app, language):
    """The fields written without Babel (numbers, 12-hour clock, am/pm, month and weekday names) agree with it at
    every hour of the day, in every month and on every weekday."""
    bare_app.config["BABEL_DEFAULT_TIMEZONE"] = "UTC"
    instants = [datetime(2027, month, 1, tzinfo=UTC) + timedelta(days=month, hours=hour, minutes=7 * hour, seconds=hour)
                for month in range(1, 13) for hour in range(24)]  # fmt: skip
    with bare_app.test_request_context("/", headers={"Accept-Language": language}):
        for instant in instants:
            for fmt in ("short", "medium", "long", "full"):
                assert localtime(instant, fmt) == flask_babel.format_datetime(instant, fmt), (instant, fmt)
                assert localday(instant, fmt) == flask_babel.format_date(instant, fmt), (instant, fmt)
            assert localclock(instant) == flask_babel.format_time(instant, "short"), instant


def test_url_builder_matches_url_for(bare_app):
    """Built URLs equal url_for's, for path segments and query values alike, quoting included."""
    ids = [uuid.uuid4(), "a b/c?d&e=f+g:h", "Ж", 42]
    starts = ["2026-11-22T09:00:00+00:00", "x y&z=1/2?", "Ж"]
    with bare_app.test_request_context("/"):
        open_appointment = url_builder("doctor.appointment", "appointment_id")
        open_chat = url_builder("patient.chat", "appointment_id")
        book = url_builder("patient.book_slot", "at", doctor="d-1", service="svc 1")
        for value in ids:
            assert open_appointment(value) == url_for("doctor.appointment", appointment_id=value)
            assert open_chat(value) == url_for("patient.chat", appointment_id=value)
        for value in starts:
            assert book(value) == url_for("patient.book_slot", doctor="d-1", service="svc 1", at=value)
