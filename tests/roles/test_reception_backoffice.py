"""Reception back office: registering and editing patients, booking for them, moving, cancelling, marking
arrivals and no-shows, guardianships and the day board; every action audited, bad input a form error."""

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.clock import utcnow
from app.models import Appointment, AppointmentStatus, AuditEvent, Guardianship, PatientProfile, Role
from app.scheduling.booking import IntakeAnswers, book
from app.scheduling.slots import free_slots
from tests import factories

UNKNOWN = "00000000-0000-0000-0000-000000000000"


def _actions(db) -> list[str]:
    """The audited actions, in order."""
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def _slots(doctor, service, count=2):
    """The doctor's next free slots for the service."""
    slots = free_slots(doctor, service, utcnow(), limit=count)
    assert len(slots) == count
    return slots


def _local_day(appointment) -> str:
    """The appointment's date in Moscow, reception's timezone in these tests, as the board's ?date= takes it."""
    return appointment.starts_at.astimezone(ZoneInfo("Europe/Moscow")).date().isoformat()


def _night(doctor) -> datetime:
    """03:00 local the day after tomorrow: outside the doctor's working hours."""
    day = datetime.now(ZoneInfo(doctor.timezone)).date() + timedelta(days=2)
    return datetime(day.year, day.month, day.day, 3, tzinfo=ZoneInfo(doctor.timezone)).astimezone(UTC)


# --- Registering and editing patients ---


def test_register_a_patient_without_an_account(client, login_as, db):
    """A valid form creates a record reception can find, and the registration is audited."""
    me = login_as(Role.RECEPTION)
    response = client.submit(
        "/reception/patients/new",
        {
            "last_name": "Новикова",
            "first_name": "Ольга",
            "date_of_birth": "1975-03-08",
            "sex": "female",
            "phone": "+7 (915) 111-22-33",
            "email": "Olga@Example.org",
        },
    )
    assert response.status_code == 302
    record = db.session.scalars(sa.select(PatientProfile)).one()
    assert (record.full_name, record.date_of_birth, record.user_id, record.email) == (
        "Новикова Ольга",
        date(1975, 3, 8),
        None,
        "olga@example.org",
    )
    assert response.headers["Location"] == f"/reception/patients/{record.public_id}"
    event = db.session.scalars(sa.select(AuditEvent)).one()
    assert (event.action, event.actor_id, event.patient_id) == ("register_patient", me.id, record.id)
    assert "Новикова" in client.get("/reception/patients/search?q=новик").get_data(as_text=True)


def test_registration_errors_are_shown_not_stored(client, login_as, db):
    """Missing names, a future birth date, a bad phone and a bad e-mail answer 422 with the reasons."""
    login_as(Role.RECEPTION)
    response = client.submit(
        "/reception/patients/new",
        {"last_name": "", "first_name": "X", "date_of_birth": "2999-01-01", "phone": "call me", "email": "nope"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This field is required" in page
    assert "Enter a date of birth between 1900 and today" in page
    assert "Enter a phone number in digits" in page
    assert "Invalid email address" in page
    assert db.session.scalar(sa.select(sa.func.count(PatientProfile.id))) == 0
    assert _actions(db) == []
    garbled = client.submit("/reception/patients/new", {"last_name": "A", "first_name": "B", "date_of_birth": "31.02"})
    assert garbled.status_code == 422 and "Not a valid date value" in garbled.get_data(as_text=True)


def test_edit_a_patient(client, login_as, db):
    """Reception corrects the phone; the card shows it and the edit is audited."""
    login_as(Role.RECEPTION)
    record = factories.patient(last_name="Editme", phone="+7 900 000-00-00")
    form = client.get(f"/reception/patients/{record.public_id}/edit")
    assert form.status_code == 200 and "Editme" in form.get_data(as_text=True)
    response = client.submit(
        f"/reception/patients/{record.public_id}/edit",
        {"last_name": "Editme", "first_name": "Test", "date_of_birth": "1990-01-01", "phone": "+7 901 222-33-44"},
    )
    assert response.status_code == 302
    assert "+7 901 222-33-44" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _actions(db) == ["edit_patient", "view_patient"]
    bad = client.submit(
        f"/reception/patients/{record.public_id}/edit",
        {"last_name": "Editme", "first_name": "Test", "date_of_birth": "yesterday"},
    )
    assert bad.status_code == 422
    db.session.refresh(record)
    assert record.phone == "+7 901 222-33-44"


def test_unknown_patient_ids_are_404(client, login_as):
    """Made-up and malformed patient ids answer 404 on every patient action."""
    login_as(Role.RECEPTION)
    for url in (
        f"/reception/patients/{UNKNOWN}/edit",
        f"/reception/patients/{UNKNOWN}/book",
        "/reception/patients/x/edit",
    ):
        assert client.get(url).status_code == 404, url
    assert client.submit(f"/reception/patients/{UNKNOWN}/guardians", {"email": "a@b.c"}).status_code == 404


# --- Booking on a patient's behalf ---


def test_book_for_a_patient_from_the_doctor_s_free_slots(client, login_as, db):
    """Reception picks doctor and service, sees free slots, books one; created_by is reception, audited."""
    me = login_as(Role.RECEPTION)
    doctor, service = factories.offering_doctor(last_name="Slotdoctor")
    record = factories.patient(last_name="Bookedfor")
    url = f"/reception/patients/{record.public_id}/book"
    empty = client.get(url)
    assert empty.status_code == 200 and "Slotdoctor" in empty.get_data(as_text=True)
    page = client.get(f"{url}?doctor={doctor.public_id}&service={service.code}").get_data(as_text=True)
    slot = _slots(doctor, service)[0]
    assert f'value="{slot.starts_at.isoformat()}"' in page
    response = client.submit(
        url, {"doctor": str(doctor.public_id), "service": service.code, "starts_at": slot.starts_at.isoformat()}
    )
    assert response.status_code == 302
    booked = db.session.scalars(sa.select(Appointment)).one()
    assert (booked.patient_id, booked.doctor_id, booked.created_by_id, booked.starts_at) == (
        record.id,
        doctor.id,
        me.id,
        slot.starts_at,
    )
    assert _actions(db) == ["book_appointment"]
    card = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The appointment has been booked" in card and "Slotdoctor" in card


def test_booking_outside_working_hours_is_a_form_error(client, login_as, db):
    """A slot at 03:00 answers 422 with the reason and books nothing."""
    login_as(Role.RECEPTION)
    doctor, service = factories.offering_doctor()
    record = factories.patient()
    response = client.submit(
        f"/reception/patients/{record.public_id}/book",
        {"doctor": str(doctor.public_id), "service": service.code, "starts_at": _night(doctor).isoformat()},
    )
    assert response.status_code == 422
    assert "This time is not available for booking" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Appointment.id))) == 0 and _actions(db) == []


def test_service_of_another_specialty_is_refused(client, login_as, db):
    """A doctor paired with a service they do not practise: 422 when choosing and when booking."""
    login_as(Role.RECEPTION)
    doctor, _own = factories.offering_doctor()
    _other_doctor, foreign = factories.offering_doctor()
    record = factories.patient()
    url = f"/reception/patients/{record.public_id}/book"
    shown = client.get(f"{url}?doctor={doctor.public_id}&service={foreign.code}")
    assert shown.status_code == 422 and "does not provide this service" in shown.get_data(as_text=True)
    slot = _slots(doctor, foreign)[0]
    posted = client.submit(
        url, {"doctor": str(doctor.public_id), "service": foreign.code, "starts_at": slot.starts_at.isoformat()}
    )
    assert posted.status_code == 422 and "does not provide this service" in posted.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Appointment.id))) == 0


def test_malformed_booking_input_is_422(client, login_as, db):
    """A garbled start, a naive start or an unknown doctor never reach the database."""
    login_as(Role.RECEPTION)
    doctor, service = factories.offering_doctor()
    record = factories.patient()
    url = f"/reception/patients/{record.public_id}/book"
    for data in (
        {"doctor": str(doctor.public_id), "service": service.code, "starts_at": "tomorrow"},
        {"doctor": str(doctor.public_id), "service": service.code, "starts_at": "2030-01-01T10:00:00"},
        {"doctor": "not-a-uuid", "service": service.code, "starts_at": "2030-01-01T10:00:00+00:00"},
        {"doctor": str(doctor.public_id), "service": "no-such-service", "starts_at": "2030-01-01T10:00:00+00:00"},
    ):
        assert client.submit(url, data).status_code == 422, data
    assert client.get(f"{url}?doctor=nobody&service=").status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Appointment.id))) == 0


def test_a_patient_already_busy_is_refused(client, login_as, db):
    """Booking the same patient twice at one time with two doctors answers 422 with the reason."""
    me = login_as(Role.RECEPTION)
    doctor, service = factories.offering_doctor()
    other, other_service = factories.offering_doctor()
    record = factories.patient()
    slot = _slots(doctor, service)[0]
    book(record, other, other_service, slot.starts_at, me)
    response = client.submit(
        f"/reception/patients/{record.public_id}/book",
        {"doctor": str(doctor.public_id), "service": service.code, "starts_at": slot.starts_at.isoformat()},
    )
    assert response.status_code == 422
    assert "already has an appointment at this time" in response.get_data(as_text=True)


def _slot_buttons(page: str) -> list[str]:
    """The starts offered as slot buttons, in page order."""
    return re.findall(r'name="starts_at" value="([^"]+)"', page)


def test_a_refused_slot_keeps_the_chosen_day_doctor_and_service(client, login_as, db):
    """Someone else took the slot meanwhile: 422 with the reason, and the list goes on from the day reception chose
    (not from today), with the same doctor, service and day still chosen in the search form."""
    me = login_as(Role.RECEPTION)
    doctor, service = factories.offering_doctor(last_name="Keptdoctor")
    record = factories.patient()
    url = f"/reception/patients/{record.public_id}/book"
    day = datetime.now(ZoneInfo("Europe/Moscow")).date() + timedelta(days=5)
    page = client.get(f"{url}?doctor={doctor.public_id}&service={service.code}&day={day}").get_data(as_text=True)
    first, second = free_slots(doctor, service, utcnow(), limit=2, first_day=day)
    assert _slot_buttons(page)[:2] == [first.starts_at.isoformat(), second.starts_at.isoformat()]
    book(factories.patient(), doctor, service, first.starts_at, me)  # another desk was quicker
    response = client.submit(
        url,
        {
            "doctor": str(doctor.public_id),
            "service": service.code,
            "day": day.isoformat(),
            "starts_at": first.starts_at.isoformat(),
        },
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "This time is not available for booking" in text
    offered = _slot_buttons(text)
    assert offered[0] == second.starts_at.isoformat() and first.starts_at.isoformat() not in offered
    assert all(datetime.fromisoformat(s).astimezone(ZoneInfo(doctor.timezone)).date() >= day for s in offered)
    assert f'name="day" type="date" value="{day}"' in text  # the search form's day
    assert f'<input type="hidden" name="day" value="{day}">' in text  # and the next click's
    assert f'<option selected value="{doctor.public_id}">' in text
    assert f'<option selected value="{service.code}">' in text
    assert db.session.scalar(sa.select(sa.func.count(Appointment.id)).where(Appointment.patient_id == record.id)) == 0


def test_a_malformed_day_with_a_slot_is_422(client, login_as, db):
    """A garbled day travelling with a slot answers 422 with the field's reason and books nothing."""
    login_as(Role.RECEPTION)
    doctor, service = factories.offering_doctor()
    record = factories.patient()
    slot = _slots(doctor, service)[0]
    response = client.submit(
        f"/reception/patients/{record.public_id}/book",
        {
            "doctor": str(doctor.public_id),
            "service": service.code,
            "day": "31-12-2030",
            "starts_at": slot.starts_at.isoformat(),
        },
    )
    assert response.status_code == 422 and "Not a valid date value." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Appointment.id))) == 0 and _actions(db) == []


# --- Rescheduling ---


def test_reschedule_moves_the_appointment_with_its_questionnaire(client, login_as, db):
    """The old appointment is cancelled as 'rescheduled', the new one is active with the same intake; audited."""
    me = login_as(Role.RECEPTION)
    doctor, service = factories.offering_doctor()
    record = factories.patient(last_name="Mover")
    first, second = _slots(doctor, service)
    original = book(record, doctor, service, first.starts_at, me, IntakeAnswers(reason="Headache"))
    page = client.get(f"/reception/appointments/{original.public_id}/reschedule").get_data(as_text=True)
    assert f'value="{second.starts_at.isoformat()}"' in page
    response = client.submit(
        f"/reception/appointments/{original.public_id}/reschedule", {"starts_at": second.starts_at.isoformat()}
    )
    assert response.status_code == 302
    db.session.expire_all()
    rows = db.session.scalars(sa.select(Appointment).order_by(Appointment.id)).all()
    assert [(r.status, r.starts_at) for r in rows] == [
        (AppointmentStatus.CANCELLED, first.starts_at),
        (AppointmentStatus.BOOKED, second.starts_at),
    ]
    assert rows[0].cancel_reason == "rescheduled" and rows[0].cancelled_by_id == me.id
    assert rows[1].intake.reason == "Headache" and rows[1].created_by_id == me.id
    assert _actions(db)[-1] == "reschedule_appointment"


def test_a_refused_reschedule_keeps_the_original(client, login_as, db):
    """Moving to 03:00 answers 422 and leaves the original booked, with no second row."""
    me = login_as(Role.RECEPTION)
    doctor, service = factories.offering_doctor()
    original = book(factories.patient(), doctor, service, _slots(doctor, service, 1)[0].starts_at, me)
    response = client.submit(
        f"/reception/appointments/{original.public_id}/reschedule", {"starts_at": _night(doctor).isoformat()}
    )
    assert response.status_code == 422
    assert "This time is not available for booking" in response.get_data(as_text=True)
    db.session.expire_all()
    rows = db.session.scalars(sa.select(Appointment)).all()
    assert [(r.id, r.status, r.cancel_reason) for r in rows] == [(original.id, AppointmentStatus.BOOKED, "")]
    assert "reschedule_appointment" not in _actions(db)
    garbled = client.submit(f"/reception/appointments/{original.public_id}/reschedule", {"starts_at": "soon"})
    assert garbled.status_code == 422


def test_reschedule_page_handles_bad_days_and_unknown_ids(client, login_as):
    """A malformed day is explained (slots from today are still shown); an unknown appointment is 404."""
    me = login_as(Role.RECEPTION)
    doctor, service = factories.offering_doctor()
    original = book(factories.patient(), doctor, service, _slots(doctor, service, 1)[0].starts_at, me)
    page = client.get(f"/reception/appointments/{original.public_id}/reschedule?day=2024-13-45")
    assert page.status_code == 200 and "The date was not understood" in page.get_data(as_text=True)
    assert client.get(f"/reception/appointments/{UNKNOWN}/reschedule").status_code == 404
    assert client.submit(f"/reception/appointments/{UNKNOWN}/reschedule", {"starts_at": "x"}).status_code == 404


# --- Cancelling, arrivals and no-shows ---


def test_cancel_needs_a_reason_and_ignores_the_patient_cut_off(client, login_as, db):
    """Without a reason: 422 and still booked; with one, an appointment in an hour is cancelled and audited."""
    me = login_as(Role.RECEPTION)
    appointment = factories.appointment(starts_at=datetime.now(UTC) + timedelta(hours=1))
    url = f"/reception/appointments/{appointment.public_id}/cancel"
    assert client.get(url).status_code == 200
    empty = client.submit(url, {"reason": "  "})
    assert empty.status_code == 422 and "This field is required" in empty.get_data(as_text=True)
    db.session.refresh(appointment)
    assert appointment.status == AppointmentStatus.BOOKED
    response = client.submit(url, {"reason": "Patient phoned: fever"})
    assert response.status_code == 302
    db.session.refresh(appointment)
    assert (appointment.status, appointment.cancel_reason, appointment.cancelled_by_id) == (
        AppointmentStatus.CANCELLED,
        "Patient phoned: fever",
        me.id,
    )
    assert _actions(db) == ["cancel_appointment"]
    again = client.submit(url, {"reason": "twice"})
    assert again.status_code == 409 and "no longer active" in again.get_data(as_text=True)


STARTED = "The doctor has already started this appointment; it can no longer be cancelled or moved."


def _row_with(page: str, text: str) -> str:
    """The HTML of the table row that shows `text` (a patient's or doctor's name)."""
    at = page.index(text)
    return page[page.rindex("<tr>", 0, at) : page.index("</tr>", at)]


def test_an_appointment_the_doctor_started_offers_no_cancel_or_reschedule(client, login_as, db):
    """On the day board and the patient card an in-progress row has no Reschedule or Cancel link, while a booked
    row at the same time keeps both."""
    login_as(Role.RECEPTION)
    at = datetime.now(UTC) - timedelta(minutes=5)  # started, not yet over: still on the card's upcoming list
    record = factories.patient(last_name="Cardpatient")
    started = factories.appointment(
        record, factories.doctor(last_name="Starteddoc"), at, status=AppointmentStatus.IN_PROGRESS
    )
    waiting = factories.appointment(record, factories.doctor(last_name="Waitingdoc"), at)
    for url in (f"/reception/?date={_local_day(started)}", f"/reception/patients/{record.public_id}"):
        page = client.get(url).get_data(as_text=True)
        started_row, waiting_row = _row_with(page, "Starteddoc"), _row_with(page, "Waitingdoc")
        assert ">In progress</span>" in started_row
        assert f"/reception/appointments/{started.public_id}/" not in page
        assert ">Reschedule</a>" not in started_row and ">Cancel</a>" not in started_row
        for action in ("reschedule", "cancel"):
            assert f"/reception/appointments/{waiting.public_id}/{action}" in waiting_row
        assert ">Reschedule</a>" in waiting_row and ">Cancel</a>" in waiting_row


def test_cancel_and_reschedule_pages_explain_a_started_appointment(client, login_as, db):
    """For an appointment the doctor has started, the cancel and reschedule pages say so instead of showing their
    forms (a booked one of the same doctor shows them); posting anyway answers 409 and changes nothing."""
    me = login_as(Role.RECEPTION)
    doctor, service = factories.offering_doctor()
    started = factories.appointment(
        doctor_user=doctor,
        of_service=service,
        starts_at=datetime.now(UTC) - timedelta(minutes=5),
        status=AppointmentStatus.IN_PROGRESS,
    )
    waiting = book(factories.patient(), doctor, service, _slots(doctor, service, 1)[0].starts_at, me)
    free = _slots(doctor, service, 1)[0].starts_at

    def cancel_page(appointment) -> str:
        return client.get(f"/reception/appointments/{appointment.public_id}/cancel").get_data(as_text=True)

    def reschedule_page(appointment) -> str:
        return client.get(f"/reception/appointments/{appointment.public_id}/reschedule").get_data(as_text=True)

    assert 'name="reason"' in cancel_page(waiting) and STARTED not in cancel_page(waiting)
    assert f'value="{free.isoformat()}"' in reschedule_page(waiting) and 'name="day"' in reschedule_page(waiting)
    cancel_url = f"/reception/appointments/{started.public_id}/cancel"
    page = cancel_page(started)
    assert STARTED in page
    assert f'action="{cancel_url}"' not in page and 'name="reason"' not in page
    page = reschedule_page(started)
    assert STARTED in page
    assert 'name="starts_at"' not in page and 'name="day"' not in page and "Show free slots" not in page

    refused_cancel = client.submit(cancel_url, {"reason": "Patient phoned"})
    refused_move = client.submit(
        f"/reception/appointments/{started.public_id}/reschedule", {"starts_at": free.isoformat()}
    )
    for response in (refused_cancel, refused_move):
        text = response.get_data(as_text=True)
        assert response.status_code == 409 and STARTED in text and 'name="reason"' not in text
        assert 'name="starts_at"' not in text
    db.session.expire_all()
    rows = db.session.scalars(sa.select(Appointment).order_by(Appointment.id)).all()
    assert [(r.id, r.status, r.cancelled_at, r.cancel_reason) for r in rows] == [
        (started.id, AppointmentStatus.IN_PROGRESS, None, ""),
        (waiting.id, AppointmentStatus.BOOKED, None, ""),
    ]
    # Only the setup's booking by reception is audited (book() audits itself); the refusals recorded nothing.
    assert _actions(db) == ["book_appointment"]


def _clock(moment: datetime, tz: str = "Europe/Moscow") -> str:
    """A time of day as English pages print it ("09:05", a 24-hour clock)."""
    local = moment.astimezone(ZoneInfo(tz))
    return f"{local.hour:02d}:{local.minute:02d}"


def _row(page: str, appointment) -> str:
    """The HTML of the table row holding the appointment's buttons or links."""
    at = page.index(f"/reception/appointments/{appointment.public_id}/")
    return page[page.rindex("<tr>", 0, at) : page.index("</tr>", at)]


@pytest.mark.parametrize("status", [AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED])
def test_mark_arrived_records_the_time_and_keeps_the_status(client, login_as, db, status):
    """Arrival stores the time, keeps the status (booked or confirmed), shows "arrived HH:MM" on the board and the
    patient card instead of the buttons, and is audited once; a second click is refused with 409."""
    me = login_as(Role.RECEPTION)
    appointment = factories.appointment(starts_at=datetime.now(UTC) - timedelta(minutes=10), status=status)
    board = f"/reception/?date={_local_day(appointment)}"
    assert f"/reception/appointments/{appointment.public_id}/arrived" in _row(
        client.get(board).get_data(as_text=True), appointment
    )
    response = client.submit(f"/reception/appointments/{appointment.public_id}/arrived")
    assert response.status_code == 302 and response.headers["Location"] == board
    db.session.refresh(appointment)
    assert appointment.status == status
    assert datetime.now(UTC) - appointment.arrived_at < timedelta(minutes=1)
    arrived = f"arrived {_clock(appointment.arrived_at)}"
    row = _row(client.get(board).get_data(as_text=True), appointment)
    assert arrived in row and f">{status.value.capitalize()}</span>" in row
    assert "/arrived" not in row and "/no-show" not in row and "/cancel" in row
    card = client.get(f"/reception/patients/{appointment.patient.public_id}").get_data(as_text=True)
    assert arrived in _row(card, appointment)
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "mark_arrived")).all()
    assert [(e.actor_id, e.patient_id, e.object_id) for e in events] == [
        (me.id, appointment.patient_id, str(appointment.public_id))
    ]
    again = client.submit(f"/reception/appointments/{appointment.public_id}/arrived")
    text = again.get_data(as_text=True)
    assert again.status_code == 409
    assert f"The patient&#39;s arrival was already recorded at {_clock(appointment.arrived_at)}." in text
    assert _actions(db) == ["mark_arrived", "view_patient"]  # the refused second click is not audited


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (AppointmentStatus.CANCELLED, "cancelled"),
        (AppointmentStatus.COMPLETED, "completed"),
        (AppointmentStatus.NO_SHOW, "no-show"),
    ],
)
def test_arrival_is_refused_for_finished_appointments(client, login_as, db, status, label):
    """Cancelled, completed and missed appointments show no arrival button and refuse a posted one with 409."""
    login_as(Role.RECEPTION)
    appointment = factories.appointment(starts_at=datetime.now(UTC) - timedelta(minutes=10), status=status)
    page = client.get(f"/reception/?date={_local_day(appointment)}").get_data(as_text=True)
    assert f"/reception/appointments/{appointment.public_id}/arrived" not in page
    response = client.submit(f"/reception/appointments/{appointment.public_id}/arrived")
    assert response.status_code == 409
    assert f"This cannot be done to an appointment that is {label}." in response.get_data(as_text=True)
    db.session.refresh(appointment)
    assert (appointment.status, appointment.arrived_at) == (status, None)
    assert _actions(db) == []


def test_no_show_only_after_the_start(client, login_as, db):
    """Before the start: 409 with the reason and no change; after it: no-show, audited."""
    login_as(Role.RECEPTION)
    future = factories.appointment(starts_at=datetime.now(UTC) + timedelta(hours=2))
    early = client.submit(f"/reception/appointments/{future.public_id}/no-show")
    assert early.status_code == 409
    assert "A no-show can be recorded only after the appointment&#39;s start time." in early.get_data(as_text=True)
    db.session.refresh(future)
    assert future.status == AppointmentStatus.BOOKED
    started = factories.appointment(starts_at=datetime.now(UTC) - timedelta(minutes=15))
    assert client.submit(f"/reception/appointments/{started.public_id}/no-show").status_code == 302
    db.session.refresh(started)
    assert started.status == AppointmentStatus.NO_SHOW
    assert _actions(db) == ["mark_no_show"]


def test_no_show_is_refused_after_arrival(client, login_as, db):
    """Once the patient has arrived the board offers no no-show, and a posted one is refused with the arrival
    time; only the arrival is audited."""
    login_as(Role.RECEPTION)
    appointment = factories.appointment(starts_at=datetime.now(UTC) - timedelta(minutes=15))
    client.submit(f"/reception/appointments/{appointment.public_id}/arrived")
    db.session.refresh(appointment)
    response = client.submit(f"/reception/appointments/{appointment.public_id}/no-show")
    text = response.get_data(as_text=True)
    assert response.status_code == 409
    assert f"The patient arrived at {_clock(appointment.arrived_at)}, so this is not a no-show." in text
    db.session.refresh(appointment)
    assert appointment.status == AppointmentStatus.BOOKED
    assert _actions(db) == ["mark_arrived"]


def test_a_button_pressed_after_a_cancellation_changes_nothing(client, login_as, db):
    """The board offered "Arrived", a colleague cancelled meanwhile: pressing it answers 409 with the reason and
    the board as it is now; the cancellation stands and no arrival is audited."""
    login_as(Role.RECEPTION)
    appointment = factories.appointment(starts_at=datetime.now(UTC) + timedelta(minutes=30))
    board = client.get(f"/reception/?date={_local_day(appointment)}").get_data(as_text=True)
    assert f"/reception/appointments/{appointment.public_id}/arrived" in board
    client.submit(f"/reception/appointments/{appointment.public_id}/cancel", {"reason": "Patient phoned"})
    response = client.submit(f"/reception/appointments/{appointment.public_id}/arrived")
    text = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "This cannot be done to an appointment that is cancelled." in text
    assert f"/reception/appointments/{appointment.public_id}/arrived" not in text
    db.session.refresh(appointment)
    assert (appointment.status, appointment.arrived_at) == (AppointmentStatus.CANCELLED, None)
    assert _actions(db) == ["cancel_appointment"]


def test_status_actions_without_the_csrf_token_are_400(client, login_as, db):
    """A forged or stale form without its token answers 400 and changes nothing."""
    login_as(Role.RECEPTION)
    appointment = factories.appointment(starts_at=datetime.now(UTC) - timedelta(minutes=15))
    for action in ("arrived", "no-show"):
        assert client.post(f"/reception/appointments/{appointment.public_id}/{action}").status_code == 400
    db.session.refresh(appointment)
    assert (appointment.status, appointment.arrived_at) == (AppointmentStatus.BOOKED, None)
    assert _actions(db) == []


def test_status_actions_on_unknown_appointments_are_404(client, login_as):
    """Made-up appointment ids answer 404 on every action."""
    login_as(Role.RECEPTION)
    for action in ("arrived", "no-show", "cancel"):
        assert client.submit(f"/reception/appointments/{UNKNOWN}/{action}", {"reason": "x"}).status_code == 404


# --- Guardianships ---


def test_record_and_end_a_guardianship(client, login_as, db):
    """A patient account becomes the guardian on a legal basis and can act for the child; ending it removes that."""
    login_as(Role.RECEPTION)
    parent = factories.user(Role.PATIENT, email="parent@example.org")
    child = factories.patient(last_name="Childrecord")
    response = client.submit(
        f"/reception/patients/{child.public_id}/guardians",
        {"email": "Parent@Example.org", "legal_basis": "Birth certificate II-МЮ 123456"},
    )
    assert response.status_code == 302
    link = db.session.scalars(sa.select(Guardianship)).one()
    assert (link.guardian_id, link.patient_id, link.legal_basis, link.active) == (
        parent.id,
        child.id,
        "Birth certificate II-МЮ 123456",
        True,
    )
    assert "Birth certificate II-МЮ 123456" in client.get(response.headers["Location"]).get_data(as_text=True)
    ended = client.submit(f"/reception/patients/{child.public_id}/guardians/{parent.public_id}/end")
    assert ended.status_code == 302
    db.session.refresh(link)
    assert link.active is False
    assert [a for a in _actions(db) if a != "view_patient"] == ["record_guardianship", "end_guardianship"]


def test_guardianship_input_errors(client, login_as, db):
    """No basis, an unknown e-mail, a staff account or the patient themself: 422 with the reason, nothing stored."""
    login_as(Role.RECEPTION)
    doctor = factories.doctor()
    parent = factories.user(Role.PATIENT)
    child = factories.patient()
    url = f"/reception/patients/{child.public_id}/guardians"
    cases = [
        ({"email": parent.email, "legal_basis": ""}, "This field is required"),
        ({"email": "ghost@example.org", "legal_basis": "Court decision"}, "no patient account with this e-mail"),
        ({"email": doctor.email, "legal_basis": "Court decision"}, "no patient account with this e-mail"),
        ({"email": child.user.email, "legal_basis": "Court decision"}, "cannot be their own guardian"),
    ]
    for data, message in cases:
        response = client.submit(url, data)
        assert response.status_code == 422 and message in response.get_data(as_text=True), data
    assert db.session.scalar(sa.select(sa.func.count(Guardianship.id))) == 0
    assert client.submit(f"/reception/patients/{child.public_id}/guardians/{UNKNOWN}/end").status_code == 404


# --- The day board ---


def test_board_for_a_chosen_day_with_actions(client, login_as):
    """?date= shows that day's appointments with their buttons; a malformed date says so and shows today."""
    login_as(Role.RECEPTION)
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    appointment = factories.appointment(factories.patient(last_name="Tomorrowpatient"), starts_at=tomorrow)
    day = tomorrow.astimezone(ZoneInfo("Europe/Moscow")).date().isoformat()
    page = client.get(f"/reception/?date={day}").get_data(as_text=True)
    assert "Tomorrowpatient" in page
    for action in ("arrived", "reschedule", "cancel"):
        assert f"/reception/appointments/{appointment.public_id}/{action}" in page
    assert f"/reception/appointments/{appointment.public_id}/no-show" not in page  # not started yet
    bad = client.get("/reception/?date=31-12-2024")
    assert bad.status_code == 200
    text = bad.get_data(as_text=True)
    assert "The date was not understood; showing today." in text and "Tomorrowpatient" not in text


def test_other_roles_cannot_act(client, login_as, db):
    """A doctor and a patient get 403 on reception's actions and nothing changes."""
    appointment = factories.appointment(starts_at=datetime.now(UTC) - timedelta(minutes=5))
    for role in (Role.DOCTOR, Role.PATIENT):
        login_as(role)
        for action in ("arrived", "no-show"):
            assert client.submit(f"/reception/appointments/{appointment.public_id}/{action}").status_code == 403
        assert client.submit("/reception/patients/new", {"last_name": "X"}).status_code == 403
        client.submit("/auth/logout")
    db.session.refresh(appointment)
    assert appointment.status == AppointmentStatus.BOOKED
    assert db.session.scalar(sa.select(sa.func.count(PatientProfile.id)).where(PatientProfile.last_name == "X")) == 0
