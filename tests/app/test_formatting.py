"""Dates read as Flask-Babel writes them: the cached formatters behind the `datetimeformat`, `dateformat` and
`timeformat` names (app/ui/dates.py), and the pages that print them, in both languages and the viewer's timezone."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import flask_babel
import pytest
from flask import render_template_string

from app import create_app
from app.extensions import db
from app.models import Role
from app.ui.dates import format_date, format_datetime, format_time
from tests import factories

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
                assert format_datetime(instant, fmt) == flask_babel.format_datetime(instant, fmt), (instant, fmt)
                assert format_date(instant, fmt) == flask_babel.format_date(instant, fmt), (instant, fmt)
                assert format_date(instant.date(), fmt) == flask_babel.format_date(instant.date(), fmt)
                assert format_time(instant, fmt) == flask_babel.format_time(instant, fmt), (instant, fmt)
            # The default formats, as Flask-Babel resolves them.
            assert format_datetime(instant) == flask_babel.format_datetime(instant), instant
            assert format_date(instant) == flask_babel.format_date(instant), instant
            assert format_time(instant) == flask_babel.format_time(instant), instant
        custom = "yyyy-MM-dd HH:mm"  # a pattern, not a named format: Flask-Babel's own path
        assert format_datetime(INSTANTS[0], custom) == flask_babel.format_datetime(INSTANTS[0], custom)
        assert format_date(date(1980, 12, 31)) == flask_babel.format_date(date(1980, 12, 31), "medium")


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
                assert format_datetime(instant, fmt) == flask_babel.format_datetime(instant, fmt), (instant, fmt)
                assert format_date(instant, fmt) == flask_babel.format_date(instant, fmt), (instant, fmt)
            assert format_time(instant, "short") == flask_babel.format_time(instant, "short"), instant


def test_templates_use_flask_babels_filter_names(bare_app):
    """Templates print dates through the standard filters `datetimeformat`, `dateformat` and `timeformat`."""
    bare_app.config["BABEL_DEFAULT_TIMEZONE"] = "Asia/Vladivostok"
    instant = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)
    template = '{{ t|datetimeformat("short") }}|{{ t|dateformat("full") }}|{{ t|timeformat("short") }}'
    for language in ("ru", "en"):
        with bare_app.test_request_context("/", headers={"Accept-Language": language}):
            expected = "|".join(
                (
                    flask_babel.format_datetime(instant, "short"),
                    flask_babel.format_date(instant, "full"),
                    flask_babel.format_time(instant, "short"),
                )
            )
            assert render_template_string(template, t=instant) == expected


def _as_flask_babel_writes(app, language: str, zone: str, write) -> str:
    """What `write` (a Flask-Babel call) gives for a viewer of this language and timezone."""
    saved = app.config["BABEL_DEFAULT_TIMEZONE"]
    app.config["BABEL_DEFAULT_TIMEZONE"] = zone
    try:
        with app.test_request_context("/", headers={"Accept-Language": language}):
            return write()
    finally:
        app.config["BABEL_DEFAULT_TIMEZONE"] = saved


@pytest.mark.parametrize("language", ["ru", "en"])
def test_doctor_pages_print_times_as_flask_babel_in_the_doctors_timezone(app, client, login_as, language):
    """The doctor's day, week and patient list print the appointment's start, the arrival time and the patient's
    birthday as Flask-Babel writes them in the doctor's language and timezone (Vladivostok, UTC+10: the local day
    differs from UTC's)."""
    zone = "Asia/Vladivostok"
    doctor = factories.doctor(timezone=zone)
    doctor.locale = language
    # 20:30 UTC is 06:30 the next day in Vladivostok.
    starts = datetime.now(UTC).replace(hour=20, minute=30, second=0, microsecond=0) + timedelta(days=2)
    record = factories.patient(last_name="Смирнова", date_of_birth=date(1987, 3, 9))
    visit = factories.appointment(record, doctor, starts_at=starts)
    visit.arrived_at = starts - timedelta(minutes=7)
    db.session.commit()
    login_as(Role.DOCTOR, doctor)
    local_day = starts.astimezone(ZoneInfo(zone)).date()

    day = client.get(f"/doctor/?date={local_day.isoformat()}").get_data(as_text=True)
    assert _as_flask_babel_writes(app, language, zone, lambda: flask_babel.format_datetime(starts, "short")) in day
    arrived = _as_flask_babel_writes(app, language, zone, lambda: flask_babel.format_time(visit.arrived_at, "short"))
    assert arrived in day
    assert _as_flask_babel_writes(app, language, zone, lambda: flask_babel.format_date(local_day, "full")) in day

    week = client.get(f"/doctor/week?date={local_day.isoformat()}").get_data(as_text=True)
    assert _as_flask_babel_writes(app, language, zone, lambda: flask_babel.format_time(starts, "short")) in week

    listing = client.get("/doctor/patients").get_data(as_text=True)
    assert _as_flask_babel_writes(app, language, zone, lambda: flask_babel.format_datetime(starts, "short")) in listing
    born = _as_flask_babel_writes(app, language, zone, lambda: flask_babel.format_date(date(1987, 3, 9), "medium"))
    assert born in listing


@pytest.mark.parametrize("language", ["ru", "en"])
def test_patient_cabinet_prints_times_as_flask_babel_in_the_patients_timezone(app, client, login_as, language):
    """The patient's cabinet prints the coming and the past appointment's start as Flask-Babel writes them in the
    patient's language and timezone (New York), whatever the doctor's."""
    zone = "America/New_York"
    record = factories.patient(timezone=zone)
    record.user.locale = language
    doctor = factories.doctor(timezone="Asia/Vladivostok")
    coming = datetime.now(UTC).replace(hour=3, minute=15, second=0, microsecond=0) + timedelta(days=3)
    past = datetime.now(UTC).replace(hour=23, minute=45, second=0, microsecond=0) - timedelta(days=5)
    factories.appointment(record, doctor, starts_at=coming)
    factories.appointment(record, doctor, starts_at=past)
    login_as(Role.PATIENT, record.user)

    cabinet = client.get("/patient/").get_data(as_text=True)
    for starts in (coming, past):
        assert (
            _as_flask_babel_writes(app, language, zone, lambda s=starts: flask_babel.format_datetime(s, "short"))
            in cabinet
        )


def test_each_viewer_of_a_shared_table_gets_their_own_language_and_timezone(app, client, login_as):
    """Two patients, one after the other in the same process: each cabinet's appointment table (a macro imported
    from another template) prints the chat link, the status and the start in its own viewer's language and
    timezone, not in the first viewer's (Jinja keeps an imported template's context for the process; a cache kept
    there once printed the first viewer's to everyone)."""
    starts = datetime.now(UTC).replace(hour=3, minute=15, second=0, microsecond=0) + timedelta(days=3)
    viewers = [("ru", "Asia/Vladivostok", "Чат", "Запланирован"), ("en", "America/New_York", "Chat", "Booked")]
    for language, zone, chat, booked in viewers + viewers[::-1]:
        record = factories.patient(timezone=zone)
        record.user.locale = language
        factories.appointment(record, factories.doctor(), starts_at=starts)
        login_as(Role.PATIENT, record.user)
        cabinet = client.get("/patient/").get_data(as_text=True)
        client.submit("/auth/logout")
        with app.app_context():  # its own `g`, where Flask-Babel keeps the locale it found
            written = _as_flask_babel_writes(app, language, zone, lambda: flask_babel.format_datetime(starts, "short"))
        assert f">{written}</a>" in cabinet
        assert f'">{chat}</a>' in cabinet and f">{booked}</span>" in cabinet


@pytest.mark.parametrize(
    ("language", "listed", "page"),
    [
        # English the British way: day before month, a 24-hour clock; no seconds anywhere.
        ("en", "07/12/2026, 15:05", "Monday, 7 December 2026, 15:05"),
        ("ru", "07.12.2026, 15:05", "понедельник, 7 декабря 2026\u202fг., 15:05"),
    ],
)
def test_appointment_times_read_day_first_and_to_the_minute(app, client, login_as, language, listed, page):
    """A patient reading in English sees 07/12/2026, 15:05 (not the US 12/7/26, 3:05 PM) in lists and the day
    written out with the time to the minute on the appointment's page; in Russian the same in Russian."""
    record = factories.patient(timezone="Europe/Moscow")
    record.user.locale = language
    starts = datetime(2026, 12, 7, 12, 5, tzinfo=UTC)  # 15:05 in Moscow
    appointment = factories.appointment(record, factories.doctor(), starts_at=starts)
    login_as(Role.PATIENT, record.user)

    cabinet = client.get("/patient/").get_data(as_text=True)
    own = client.get(f"/patient/appointments/{appointment.public_id}").get_data(as_text=True)

    assert listed in cabinet
    assert page in own
    assert "15:05:00" not in cabinet + own
