"""Public pages: specialties with prices, the specialist list and profiles."""

from app.models import Role
from tests import factories


def test_home_lists_specialties_services_and_prices(client, db):
    """Visitors see each specialty with its services, durations and prices."""
    endo = factories.specialty("endocrinology")
    service = factories.service(of=endo, minutes=45, price="3800")
    service.name_en = "Endocrinologist: first consultation"
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Endocrinology" in page and "Endocrinologist: first consultation" in page
    assert "45 min" in page and "3,800.00" in page
    russian = client.get("/", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Специальность endocrinology" in russian and "3\xa0800,00\xa0₽" in russian


def test_specialist_list_filters_by_specialty(client):
    """Choosing a specialty narrows the list; inactive accounts are never listed."""
    psychology, cardiology = factories.specialty("psychology"), factories.specialty("cardiology")
    factories.doctor(last_name="Mindful", specialties=[psychology], restricted=True)
    factories.doctor(last_name="Hearty", specialties=[cardiology])
    factories.doctor(last_name="Departed", specialties=[cardiology], active=False)
    everyone = client.get("/specialists").get_data(as_text=True)
    assert "Mindful" in everyone and "Hearty" in everyone and "Departed" not in everyone
    only = client.get("/specialists?specialty=psychology").get_data(as_text=True)
    assert "Mindful" in only and "Hearty" not in only


def test_specialist_profile(client):
    """A profile shows the specialist and the services of their specialties; unknown ids are 404."""
    gyn = factories.specialty("gynaecology")
    factories.service(of=gyn, minutes=30, price="2500")
    doctor = factories.doctor(last_name="Profiled", specialties=[gyn])
    page = client.get(f"/specialists/{doctor.specialist_profile.public_id}").get_data(as_text=True)
    assert "Profiled" in page and "2,500.00" in page and "30 min" in page
    assert client.get("/specialists/00000000-0000-0000-0000-000000000000").status_code == 404
    assert client.get("/specialists/garbage").status_code == 404
    patient = factories.user(Role.PATIENT)
    assert client.get(f"/specialists/{patient.public_id}").status_code == 404
