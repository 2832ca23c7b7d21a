"""The doctor's week, patient list, appointment status actions and working-hours editor."""

import re
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.models import AppointmentStatus, AuditEvent, ExceptionKind, Role, ScheduleException, WorkingInterval
from tests import factories

FAR_EAST = "Asia/Vladivostok"  # UTC+10 all year: local midnight is the previous day in UTC


def _local(day: date, hour: int, minute: int, tz: str) -> datetime:
    """An aware datetime at a local wall-clock time."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(tz))


def _day_section(page: str, day: date) -> str:
    """The HTML of one day's card in the week view."""
    start = page.index(f'id="day-{day.isoformat()}"')
    following = page.find('id="day-', start + 1)
    return page[start : following if following != -1 else len(page)]


@contextmanager
def _counting_queries(db):
    """Count the SQL statements run inside the block."""
    statements = []

    def count(_conn, _cursor, statement, *_args):
        """Remember each statement."""
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


# --- Week view ---


def test_week_groups_by_the_doctors_local_days(client, login_as):
    """Appointments fall on the doctor's own Monday-to-Sunday days, shown in local time, with links to each."""
    doctor = login_as(Role.DOCTOR, factories.doctor(timezone=FAR_EAST))
    wednesday = date(2030, 1, 9)
    monday, sunday = date(2030, 1, 7), date(2030, 1, 13)
    # 00:30 Monday in Vladivostok is 14:30 Sunday in UTC; 23:30 Sunday local is 13:30 Sunday UTC.
    early = factories.appointment(factories.patient(last_name="Mondaymorning"), doctor, _local(monday, 0, 30, FAR_EAST))
    late = factories.appointment(factories.patient(last_name="Sundaynight"), doctor, _local(sunday, 23, 30, FAR_EAST))
    factories.appointment(
        factories.patient(last_name="Lastweek"), doctor, _local(monday, 0, 30, FAR_EAST) - timedelta(hours=1)
    )
    factories.appointment(
        factories.patient(last_name="Nextweek"), doctor, _local(sunday, 23, 59, FAR_EAST) + timedelta(minutes=31)
    )
    factories.appointment(
        factories.patient(last_name="Colleagues"), factories.doctor(), _local(wednesday, 10, 0, FAR_EAST)
    )

    response = client.get(f"/doctor/week?date={wednesday.isoformat()}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Lastweek" not in page and "Nextweek" not in page and "Colleagues" not in page
    monday_card, sunday_card = _day_section(page, monday), _day_section(page, sunday)
    assert "Mondaymorning" in monday_card and "00:30" in monday_card
    assert "Sundaynight" in sunday_card and "23:30" in sunday_card and "Mondaymorning" not in sunday_card
    assert f"/doctor/appointments/{early.public_id}" in monday_card
    assert f"/doctor/appointments/{late.public_id}#questionnaire" in sunday_card
    assert page.count('id="day-') == 7


def test_any_day_of_the_week_shows_the_same_week_and_a_bad_date_shows_this_week(client, login_as):
    """Sunday's week starts on the Monday before; a garbled date explains itself and shows the current week."""
    login_as(Role.DOCTOR)
    sunday_page = client.get("/doctor/week?date=2030-01-13").get_data(as_text=True)
    assert 'id="day-2030-01-07"' in sunday_page and 'id="day-2030-01-14"' not in sunday_page
    response = client.get("/doctor/week?date=2030-02-31")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "The date was not understood; showing this week." in page
    today = datetime.now(ZoneInfo("Europe/Moscow")).date()
    assert f'id="day-{today.isoformat()}"' in page


def test_day_view_links_to_its_week(client, login_as):
    """The day view offers the week containing the day shown."""
    login_as(Role.DOCTOR)
    page = client.get("/doctor/?date=2030-01-09").get_data(as_text=True)
    assert "/doctor/week?date=2030-01-09" in page


# --- Patient list ---


def test_patient_list_shows_next_appointment_and_timezone_difference(client, login_as, db):
    """Each of the doctor's patients appears once with their next appointment and clock difference."""
    doctor = login_as(Role.DOCTOR, factories.doctor(timezone="Europe/Moscow"))  # UTC+3, no DST
    now = datetime.now(UTC)
    east = factories.patient(last_name="Eastern", timezone=FAR_EAST)
    india = factories.patient(last_name="Kolkatan", timezone="Asia/Kolkata")
    iceland = factories.patient(last_name="Reykjavikan", timezone="Atlantic/Reykjavik")
    local = factories.patient(last_name="Muscovite", timezone="Europe/Moscow")
    child = factories.dependant(factories.user(Role.PATIENT, timezone=FAR_EAST), last_name="Dependantchild")
    soon = factories.appointment(east, doctor, now + timedelta(days=2))
    factories.appointment(east, doctor, now + timedelta(days=5))
    factories.appointment(east, doctor, now - timedelta(days=30), status=AppointmentStatus.COMPLETED)
    for record in (india, iceland, local):
        factories.appointment(record, doctor, now - timedelta(days=3), status=AppointmentStatus.COMPLETED)
    factories.appointment(child, doctor, now + timedelta(days=1))
    factories.appointment(factories.patient(last_name="Strangerpatient"), factories.doctor(), now + timedelta(days=1))

    page = client.get("/doctor/patients").get_data(as_text=True)
    assert "Strangerpatient" not in page
    rows = {
        name: row
        for row in re.findall(r"<tr>.*?</tr>", page, re.S)
        for name in ("Eastern", "Kolkatan", "Reykjavikan", "Muscovite", "Dependantchild")
        if name in row
    }
    assert len(rows) == 5
    assert page.count("Eastern") == 1  # one row per patient, however many appointments
    assert '<td class="tz-difference">+7 h</td>' in rows["Eastern"]
    assert '<td class="tz-difference">+2 h 30 min</td>' in rows["Kolkatan"]
    assert '<td class="tz-difference">\u22123 h</td>' in rows["Reykjavikan"]
    assert '<td class="tz-difference">same</td>' in rows["Muscovite"]
    # A dependant without an account is taken to be in the clinic's timezone.
    assert '<td class="tz-difference">same</td>' in rows["Dependantchild"]
    assert f"/doctor/appointments/{soon.public_id}" in rows["Eastern"]
    assert rows["Muscovite"].count("—") == 1  # no next appointment, but a last visit
    # Patients with a coming appointment are listed first, soonest first.
    assert page.index("Dependantchild") < page.index("Eastern") < page.index("Kolkatan")


@pytest.mark.both_engines
def test_patient_list_runs_a_fixed_number_of_queries(client, login_as, db):
    """Ten patients cost the same number of queries as two."""
    doctor = login_as(Role.DOCTOR)
    now = datetime.now(UTC)
    for n in range(2):
        factories.appointment(factories.patient(), doctor, now + timedelta(days=n + 1))
    with _counting_queries(db) as few:
        assert client.get("/doctor/patients/search").status_code == 200
    for n in range(8):
        factories.appointment(factories.patient(), doctor, now - timedelta(days=n + 1))
    with _counting_queries(db) as many:
        page = client.get("/doctor/patients/search").get_data(as_text=True)
    assert page.count('class="tz-difference"') == 10
    assert len(many) == len(few)


@pytest.mark.both_engines
def test_patient_search_and_filters(client, login_as):
    """Typing narrows the list by name; filters keep upcoming, past or one service's patients."""
    doctor = login_as(Role.DOCTOR)
    now = datetime.now(UTC)
    checkup, therapy = factories.service(), factories.service()
    ivanova = factories.patient(last_name="Иванова", first_name="Мария")
    petrov = factories.patient(last_name="Petrov")
    sidorov = factories.patient(last_name="Sidorov")
    factories.appointment(ivanova, doctor, now + timedelta(days=1), of_service=checkup)
    factories.appointment(
        petrov, doctor, now - timedelta(days=2), status=AppointmentStatus.COMPLETED, of_service=therapy
    )
    factories.appointment(
        sidorov, doctor, now - timedelta(days=9), status=AppointmentStatus.CANCELLED, of_service=therapy
    )

    def names(query: str) -> set[str]:
        """Patient surnames in the live-search fragment for the query string."""
        page = client.get(f"/doctor/patients/search?{query}").get_data(as_text=True)
        return {n for n in ("Иванова", "Petrov", "Sidorov") if n in page}

    assert names("") == {"Иванова", "Petrov", "Sidorov"}
    assert names("q=ива") == {"Иванова"}  # case-folded Cyrillic, on SQLite too
    assert names("q=petr") == {"Petrov"}
    assert names("q=nobody") == set()
    assert names("when=upcoming") == {"Иванова"}
    assert names("when=past") == {"Petrov"}  # a cancelled visit is not "seen"
    assert names(f"service={therapy.code}") == {"Petrov", "Sidorov"}
    assert names(f"service={checkup.code}&when=past") == set()
    assert names("service=no-such-code&when=nonsense") == {"Иванова", "Petrov", "Sidorov"}
    full = client.get("/doctor/patients?q=petr").get_data(as_text=True)
    assert 'hx-get="/doctor/patients/search"' in full and "Petrov" in full and "Sidorov" not in full


def test_restricted_specialist_lists_only_own_patients_and_appointments(client, login_as):
    """A psychologist sees only their own patients, and for a shared patient only their own appointments."""
    psychologist = factories.doctor(restricted=True)
    therapist = factories.doctor()
    now = datetime.now(UTC)
    shared = factories.patient(last_name="Sharedpatient")
    theirs_only = factories.patient(last_name="Therapistsonly")
    own = factories.appointment(shared, psychologist, now + timedelta(days=3))
    colleague = factories.appointment(shared, therapist, now + timedelta(days=1))
    factories.appointment(theirs_only, therapist, now + timedelta(days=2))
    login_as(Role.DOCTOR, psychologist)
    page = client.get("/doctor/patients").get_data(as_text=True)
    assert "Sharedpatient" in page and "Therapistsonly" not in page
    assert str(own.public_id) in page and str(colleague.public_id) not in page


# --- Status actions ---


def _status(client, appointment, action: str):
    """Press a status button on the appointment page."""
    return client.submit(f"/doctor/appointments/{appointment.public_id}/status", {"action": action})


def test_start_then_complete_is_recorded_and_audited(client, login_as, db):
    """Start moves a booked appointment to in progress, complete finishes it; both changes are audited."""
    doctor = login_as(Role.DOCTOR)
    appt = factories.appointment(factories.patient(), doctor, datetime.now(UTC) + timedelta(minutes=5))
    page = client.get(f"/doctor/appointments/{appt.public_id}").get_data(as_text=True)
    assert "Start the appointment" in page and "Mark as no-show" not in page  # not begun: nobody missed it yet

    response = _status(client, appt, "start")
    assert response.status_code == 302
    db.session.refresh(appt)
    assert appt.status == AppointmentStatus.IN_PROGRESS
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The appointment is now in progress." in page and "Complete the appointment" in page

    _status(client, appt, "complete")
    db.session.refresh(appt)
    assert appt.status == AppointmentStatus.COMPLETED
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "appointment_status")).all()
    assert [(e.actor_id, e.patient_id, e.object_id) for e in events] == [
        (doctor.id, appt.patient_id, str(appt.public_id))
    ] * 2


def test_invalid_transitions_change_nothing(client, login_as, db):
    """Completing a booked appointment, a no-show before the start or an unknown action only explain themselves."""
    doctor = login_as(Role.DOCTOR)
    future = factories.appointment(factories.patient(), doctor, datetime.now(UTC) + timedelta(hours=3))
    for action, message in (
        ("complete", "This cannot be done to an appointment that is booked."),
        ("no_show", "A no-show can be recorded only after the appointment&#39;s start time."),
        ("teleport", "That action is not available."),
    ):
        response = _status(client, future, action)
        assert response.status_code == 302
        assert message in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.refresh(future)
    assert future.status == AppointmentStatus.BOOKED
    cancelled = factories.appointment(factories.patient(), doctor, status=AppointmentStatus.CANCELLED)
    _status(client, cancelled, "start")
    db.session.refresh(cancelled)
    assert cancelled.status == AppointmentStatus.CANCELLED
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "appointment_status")
        )
        == 0
    )


def test_no_show_after_the_start_time(client, login_as, db):
    """A patient who did not come can be marked a no-show once the start time has passed."""
    doctor = login_as(Role.DOCTOR)
    missed = factories.appointment(factories.patient(), doctor, datetime.now(UTC) - timedelta(minutes=20))
    assert "Mark as no-show" in client.get(f"/doctor/appointments/{missed.public_id}").get_data(as_text=True)
    _status(client, missed, "no_show")
    db.session.refresh(missed)
    assert missed.status == AppointmentStatus.NO_SHOW


def test_no_show_is_refused_once_reception_recorded_the_arrival(client, login_as, db):
    """The patient arrived at reception: the doctor is offered start but no no-show, and a posted no-show is
    refused with the arrival time, unaudited."""
    doctor = login_as(Role.DOCTOR)
    appt = factories.appointment(factories.patient(), doctor, datetime.now(UTC) - timedelta(minutes=20))
    appt.arrived_at = datetime.now(UTC) - timedelta(minutes=25)
    db.session.commit()
    page = client.get(f"/doctor/appointments/{appt.public_id}").get_data(as_text=True)
    assert "Start the appointment" in page and "Mark as no-show" not in page
    response = _status(client, appt, "no_show")
    assert response.status_code == 302
    assert "so this is not a no-show." in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.refresh(appt)
    assert appt.status == AppointmentStatus.BOOKED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 2  # the two page views only


def test_only_the_appointments_own_doctor_changes_its_status(client, login_as, db):
    """A treating colleague may read the appointment but not run it; a stranger does not even see it."""
    patient = factories.patient()
    owner = factories.doctor()
    appt = factories.appointment(patient, owner)
    colleague = factories.doctor()
    factories.appointment(patient, colleague)
    login_as(Role.DOCTOR, colleague)
    page = client.get(f"/doctor/appointments/{appt.public_id}").get_data(as_text=True)
    assert "Start the appointment" not in page
    assert _status(client, appt, "start").status_code == 403
    client.submit("/auth/logout")
    login_as(Role.DOCTOR)
    assert _status(client, appt, "start").status_code == 404
    db.session.refresh(appt)
    assert appt.status == AppointmentStatus.BOOKED


def test_status_change_needs_the_csrf_token(client, login_as, db):
    """A forged cross-site POST changes nothing."""
    doctor = login_as(Role.DOCTOR)
    appt = factories.appointment(factories.patient(), doctor)
    assert client.post(f"/doctor/appointments/{appt.public_id}/status", data={"action": "start"}).status_code == 400
    db.session.refresh(appt)
    assert appt.status == AppointmentStatus.BOOKED


# --- Working hours ---


def _stretches(db, doctor) -> list[tuple[int, time, time]]:
    """The doctor's stored template."""
    rows = db.session.scalars(sa.select(WorkingInterval).where(WorkingInterval.doctor_id == doctor.id)).all()
    return sorted((r.weekday, r.starts, r.ends) for r in rows)


def test_adding_and_deleting_stretches(client, login_as, db):
    """A stretch shows on its weekday; overlaps, reversed times and garbage answer 422 with the reason."""
    doctor = login_as(Role.DOCTOR)
    response = client.submit("/doctor/schedule/stretches", {"weekday": "1", "starts": "09:00", "ends": "13:00"})
    assert response.status_code == 302
    client.submit("/doctor/schedule/stretches", {"weekday": "1", "starts": "14:00", "ends": "18:00"})
    page = client.get("/doctor/schedule").get_data(as_text=True)
    tuesday = page[page.index("Tuesday") : page.index("Wednesday")]
    assert "09:00–13:00" in tuesday and "14:00–18:00" in tuesday

    for data, message in (
        ({"weekday": "1", "starts": "12:00", "ends": "15:00"}, "This overlaps the stretch 09:00–13:00 on that day."),
        ({"weekday": "2", "starts": "15:00", "ends": "10:00"}, "The end must be later than the start."),
        ({"weekday": "2", "starts": "9 o'clock", "ends": "10:00"}, "Not a valid time value."),
        ({"weekday": "9", "starts": "09:00", "ends": "10:00"}, "Not a valid choice."),
        ({"weekday": "Tuesday", "starts": "09:00", "ends": "10:00"}, "Invalid Choice: could not coerce."),
    ):
        response = client.submit("/doctor/schedule/stretches", data)
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True), data
    assert _stretches(db, doctor) == [(1, time(9), time(13)), (1, time(14), time(18))]

    # Touching stretches are fine: 13:00-14:00 fills the break.
    assert (
        client.submit("/doctor/schedule/stretches", {"weekday": "1", "starts": "13:00", "ends": "14:00"}).status_code
        == 302
    )
    first = db.session.scalar(sa.select(WorkingInterval).where(WorkingInterval.starts == time(9)))
    assert client.submit(f"/doctor/schedule/stretches/{first.id}/delete").status_code == 302
    assert _stretches(db, doctor) == [(1, time(13), time(14)), (1, time(14), time(18))]


def test_stretches_of_another_doctor_cannot_be_deleted(client, login_as, db):
    """Deleting someone else's stretch, or a nonsense id, is a 404 and deletes nothing."""
    other = factories.doctor()
    factories.working_week(other, weekdays=[0])
    theirs = db.session.scalar(sa.select(WorkingInterval).where(WorkingInterval.doctor_id == other.id))
    login_as(Role.DOCTOR)
    assert client.submit(f"/doctor/schedule/stretches/{theirs.id}/delete").status_code == 404
    assert client.submit("/doctor/schedule/stretches/99999999999999999/delete").status_code == 404
    assert client.submit("/doctor/schedule/exceptions/abc/delete").status_code == 404
    assert len(_stretches(db, other)) == 2


def test_adding_and_deleting_exceptions(client, login_as, db):
    """Days off, vacations and extra hours are stored; overlapping, reversed or malformed ranges answer 422."""
    doctor = login_as(Role.DOCTOR)
    vacation = {"kind": "vacation", "first_day": "2030-07-01", "last_day": "2030-07-14", "note": "Sea"}
    assert client.submit("/doctor/schedule/exceptions", vacation).status_code == 302
    extra = {
        "kind": "extra_hours",
        "first_day": "2030-07-20",
        "last_day": "2030-07-20",
        "starts": "10:00",
        "ends": "12:00",
    }
    assert client.submit("/doctor/schedule/exceptions", extra).status_code == 302
    page = client.get("/doctor/schedule").get_data(as_text=True)
    assert "Vacation" in page and "Sea" in page and "10:00–12:00" in page

    for data, message in (
        ({"kind": "day_off", "first_day": "2030-07-14", "last_day": "2030-07-15"}, "Overlapping exceptions"),
        ({"kind": "day_off", "first_day": "2030-06-20", "last_day": "2030-08-01"}, "Overlapping exceptions"),
        (
            {"kind": "day_off", "first_day": "2030-09-02", "last_day": "2030-09-01"},
            "The last day must not be before the first day.",
        ),
        ({"kind": "day_off", "first_day": "2030-02-31", "last_day": "2030-03-01"}, "Not a valid date value."),
        ({"kind": "day_off", "first_day": "yesterday", "last_day": "2030-03-01"}, "Not a valid date value."),
        (
            {"kind": "extra_hours", "first_day": "2030-09-05", "last_day": "2030-09-05"},
            "Extra hours need a start and an end time.",
        ),
        (
            {
                "kind": "extra_hours",
                "first_day": "2030-09-05",
                "last_day": "2030-09-05",
                "starts": "12:00",
                "ends": "11:00",
            },
            "The end must be later than the start.",
        ),
        ({"kind": "holiday", "first_day": "2030-09-05", "last_day": "2030-09-05"}, "Not a valid choice."),
    ):
        response = client.submit("/doctor/schedule/exceptions", data)
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True), data
    stored = db.session.scalars(sa.select(ScheduleException).order_by(ScheduleException.first_day)).all()
    assert [(e.kind, e.first_day, e.last_day) for e in stored] == [
        (ExceptionKind.VACATION, date(2030, 7, 1), date(2030, 7, 14)),
        (ExceptionKind.EXTRA_HOURS, date(2030, 7, 20), date(2030, 7, 20)),
    ]
    assert all(e.doctor_id == doctor.id and e.created_by_id == doctor.id for e in stored)

    assert client.submit(f"/doctor/schedule/exceptions/{stored[0].id}/delete").status_code == 302
    assert db.session.scalars(sa.select(ScheduleException.kind)).all() == [ExceptionKind.EXTRA_HOURS]


def test_a_day_off_tomorrow_removes_tomorrows_free_slots(client, login_as):
    """After the doctor takes tomorrow off, the public card offers no time tomorrow."""
    tz = "Europe/Moscow"
    tomorrow = datetime.now(ZoneInfo(tz)).date() + timedelta(days=1)
    # Working only on tomorrow's weekday, so the card's first slots are tomorrow's, then a week later.
    of = factories.specialty()
    doctor = factories.doctor(timezone=tz, specialties=[of], last_name="Dayoff")
    factories.working_week(doctor, weekdays=[tomorrow.weekday()])
    factories.service(of=of)
    card = f"/specialists/{doctor.specialist_profile.public_id}"
    # 09:00 in Moscow is 06:00 UTC on the same date, so slot links carry tomorrow's date.
    assert f"at={tomorrow.isoformat()}T" in client.get(card).get_data(as_text=True)
    login_as(Role.DOCTOR, doctor)
    day = tomorrow.isoformat()
    assert (
        client.submit("/doctor/schedule/exceptions", {"kind": "day_off", "first_day": day, "last_day": day}).status_code
        == 302
    )
    page = client.get(card).get_data(as_text=True)
    assert f"at={tomorrow.isoformat()}T" not in page
    assert f"at={(tomorrow + timedelta(days=7)).isoformat()}T" in page  # the same weekday next week still is


def test_arrival_recorded_by_reception_shows_on_the_doctors_pages(client, login_as, db):
    """The day, the week and the appointment page show when the patient arrived, in the doctor's timezone."""
    from babel.dates import format_time

    doctor = login_as(Role.DOCTOR)
    patient = factories.patient()
    starts = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=30)
    appt = factories.appointment(patient, doctor, starts)
    appt.arrived_at = starts - timedelta(minutes=17)
    db.session.commit()
    shown = "arrived " + format_time(appt.arrived_at, "short", tzinfo=ZoneInfo(doctor.timezone), locale="en_GB")
    local_day = starts.astimezone(ZoneInfo(doctor.timezone)).date().isoformat()
    for url in (
        f"/doctor/?date={local_day}",
        f"/doctor/week?date={local_day}",
        f"/doctor/appointments/{appt.public_id}",
    ):
        assert shown in client.get(url).get_data(as_text=True), url
    appt.arrived_at = None
    db.session.commit()
    assert "arrived " not in client.get(f"/doctor/?date={local_day}").get_data(as_text=True)


def test_patient_list_pages_continue_from_coming_patients_to_the_rest(client, login_as):
    """Patients with a coming appointment come first, soonest first, then the others by name, 25 a page; the page
    links keep the search and filters, and a page past the end (or a malformed one) answers 404."""
    doctor = login_as(Role.DOCTOR)
    now = datetime.now(UTC)
    coming = [factories.patient(last_name=f"Zcoming{n}") for n in range(3)]
    for n, record in enumerate(coming):
        factories.appointment(record, doctor, now + timedelta(days=3 - n))  # Zcoming2 is the soonest
    seen = [factories.patient(last_name=f"Aseen{n:02d}") for n in range(27)]
    for record in seen:
        factories.appointment(record, doctor, now - timedelta(days=2), status=AppointmentStatus.COMPLETED)
    expected = ["Zcoming2", "Zcoming1", "Zcoming0"] + [f"Aseen{n:02d}" for n in range(27)]

    def listed(url: str) -> list[str]:
        """Surnames in the order the page lists them."""
        page = client.get(url).get_data(as_text=True)
        return re.findall(r"(Zcoming\d|Aseen\d\d)", page)

    first = client.get("/doctor/patients").get_data(as_text=True)
    assert listed("/doctor/patients") == expected[:25]
    assert 'href="/doctor/patients?page=2"' in first and "Previous" not in first
    assert listed("/doctor/patients?page=2") == expected[25:]
    assert listed("/doctor/patients/search?page=2") == expected[25:]
    for bad in ("3", "0", "x", "-2"):
        assert client.get(f"/doctor/patients?page={bad}").status_code == 404, bad
    # Filters and the search carry over to the next page.
    assert listed("/doctor/patients?when=past") == expected[3:28]
    assert 'href="/doctor/patients?page=2&amp;when=past"' in client.get("/doctor/patients?when=past").get_data(
        as_text=True
    )
    assert listed("/doctor/patients?page=2&when=past") == expected[28:]
    assert listed("/doctor/patients?q=aseen1") == [f"Aseen1{n}" for n in range(10)]
    assert listed("/doctor/patients?when=upcoming") == expected[:3]
