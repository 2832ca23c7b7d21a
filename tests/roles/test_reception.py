"""Reception: today's board across doctors and the patient registry search."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.models import AuditEvent, Role
from app.scheduling.booking import cancel
from tests import factories


def test_today_board_lists_all_doctors(client, login_as):
    """The day board shows every doctor's appointments for today."""
    login_as(Role.RECEPTION)
    now = datetime.now(UTC)
    factories.appointment(factories.patient(last_name="Firstpatient"), factories.doctor(last_name="Alpha"), now)
    factories.appointment(factories.patient(last_name="Secondpatient"), factories.doctor(last_name="Beta"), now)
    page = client.get("/reception/").get_data(as_text=True)
    for name in ("Firstpatient", "Secondpatient", "Alpha", "Beta"):
        assert name in page


@pytest.mark.both_engines
def test_search_by_cyrillic_name_ignores_case(client, login_as):
    """Typing a name in lower case finds it, Cyrillic included (SQLite's lower() alone would not)."""
    login_as(Role.RECEPTION)
    factories.patient(last_name="Смирнова", first_name="Анна")
    factories.patient(last_name="Иванов", first_name="Сергей")
    page = client.get("/reception/patients/search?q=смир").get_data(as_text=True)
    assert "Смирнова Анна" in page and "Иванов" not in page


@pytest.mark.both_engines
def test_search_by_phone_digits_and_birth_date(client, login_as):
    """The first digits of a phone, typed with punctuation, and a date of birth find the patient."""
    login_as(Role.RECEPTION)
    factories.patient(last_name="Phoneowner", phone="+7 912 345-67-89", date_of_birth=date(1984, 7, 3))
    factories.patient(last_name="Someoneelse", phone="+7 903 000-00-00")
    by_phone = client.get("/reception/patients/search?q=%2B7 (912) 34").get_data(as_text=True)
    assert "Phoneowner" in by_phone and "Someoneelse" not in by_phone
    by_birth = client.get("/reception/patients/search?q=03.07.1984").get_data(as_text=True)
    assert "Phoneowner" in by_birth and "Someoneelse" not in by_birth


def test_short_query_asks_for_more(client, login_as):
    """One character is not enough to search."""
    login_as(Role.RECEPTION)
    factories.patient(last_name="Aaron")
    page = client.get("/reception/patients/search?q=a").get_data(as_text=True)
    assert "Type at least two characters" in page and "Aaron" not in page


@pytest.mark.both_engines
def test_search_escapes_like_wildcards(client, login_as):
    """A percent sign is searched for literally, not as 'match everything'."""
    login_as(Role.RECEPTION)
    factories.patient(last_name="Plain")
    assert "Plain" not in client.get("/reception/patients/search?q=%25%25").get_data(as_text=True)


def test_opening_a_patient_card_is_audited(client, login_as, db):
    """Reception opening a patient's card is recorded with who, what and from where."""
    me = login_as(Role.RECEPTION)
    patient = factories.patient(last_name="Carded")
    response = client.get(f"/reception/patients/{patient.public_id}")
    assert response.status_code == 200 and "Carded" in response.get_data(as_text=True)
    event = db.session.scalars(sa.select(AuditEvent)).one()
    assert (event.actor_id, event.patient_id, event.action, event.ip) == (
        me.id,
        patient.id,
        "view_patient",
        "127.0.0.1",
    )


def test_unknown_patient_is_404(client, login_as):
    """A made-up id answers 404."""
    login_as(Role.RECEPTION)
    assert client.get("/reception/patients/00000000-0000-0000-0000-000000000000").status_code == 404


def test_a_patient_card_keeps_a_cancelled_coming_appointment_apart_from_the_past(client, login_as):
    """Reception's card lists a coming appointment cancelled meanwhile on its own, with the reason; "past" holds
    only what is over."""
    me = login_as(Role.RECEPTION)
    record = factories.patient(last_name="Carded")
    called_off = factories.appointment(
        record, factories.doctor(last_name="Calledoffdoc"), datetime.now(UTC) + timedelta(days=1)
    )
    cancel(called_off, me, "Clinic closed for repairs")
    factories.appointment(record, factories.doctor(last_name="Earlierdoc"), datetime.now(UTC) - timedelta(days=1))

    page = client.get(f"/reception/patients/{record.public_id}").get_data(as_text=True)

    coming, past = page.split("Past appointments")
    cancelled = coming.split("Cancelled upcoming appointments")[1]
    assert "Calledoffdoc" in cancelled and "Reason: Clinic closed for repairs" in cancelled
    assert "Calledoffdoc" not in past and "Earlierdoc" in past
