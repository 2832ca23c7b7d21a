"""Plain factory functions for test data; each commits what it makes."""

import itertools
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from app.extensions import db
from app.models import (
    Appointment,
    AppointmentStatus,
    Guardianship,
    PatientProfile,
    Role,
    Service,
    ServiceKind,
    SpecialistProfile,
    Specialty,
    User,
    WorkingInterval,
)
from app.passwords import hash_password

PASSWORD = "correct-horse-42"
_PASSWORD_HASH = hash_password(PASSWORD)  # hashed once: argon2 is slow on purpose
_sequence = itertools.count(1)


def _n() -> int:
    """A number unique within the test run."""
    return next(_sequence)


def user(role: Role = Role.PATIENT, email: str | None = None, timezone: str = "Europe/Moscow", **values) -> User:
    """An account of any role; patients get a record, doctors a specialist profile."""
    n = _n()
    account = User(
        email=email or f"{role.value}{n}@example.org",
        role=role,
        timezone=timezone,
        password_hash=_PASSWORD_HASH,
        full_name=values.pop("full_name", f"{role.value.title()} {n}"),
        **values,
    )
    if role == Role.PATIENT:
        account.patient_profile = PatientProfile(
            last_name=f"Patient{n}", first_name="Test", date_of_birth=date(1990, 1, 1), email=account.email
        )
    if role == Role.DOCTOR:
        account.specialist_profile = SpecialistProfile(last_name=f"Doctor{n}", first_name="Test")
    db.session.add(account)
    db.session.commit()
    return account


def patient(last_name: str | None = None, first_name: str = "Test", **values) -> PatientProfile:
    """A patient with an account; returns the patient record."""
    account = user(Role.PATIENT, email=values.pop("email", None), timezone=values.pop("timezone", "Europe/Moscow"))
    record = account.patient_profile
    record.last_name = last_name or record.last_name
    record.first_name = first_name
    for key, value in values.items():
        setattr(record, key, value)
    db.session.commit()
    return record


def dependant(guardian: User, active: bool = True, **values) -> PatientProfile:
    """A child record without an account, in the care of `guardian`."""
    child = PatientProfile(
        last_name=values.pop("last_name", f"Child{_n()}"),
        first_name=values.pop("first_name", "Little"),
        date_of_birth=values.pop("date_of_birth", date(2018, 5, 5)),
        **values,
    )
    db.session.add(child)
    db.session.add(Guardianship(guardian=guardian, patient=child, legal_basis="Birth certificate", active=active))
    db.session.commit()
    return child


def specialty(slug: str | None = None, sensitive: bool = False) -> Specialty:
    """A specialty; a sensitive one keeps its appointments with its specialist and the patient until shared."""
    slug = slug or f"specialty-{_n()}"
    row = Specialty(slug=slug, name_en=slug.title(), name_ru=f"Специальность {slug}", sensitive=sensitive)
    db.session.add(row)
    db.session.commit()
    return row


def doctor(restricted: bool = False, timezone: str = "Europe/Moscow", specialties=(), **values) -> User:
    """A doctor account with a profile; `last_name`/`first_name` name the profile."""
    last_name = values.pop("last_name", None)
    first_name = values.pop("first_name", None)
    account = user(Role.DOCTOR, timezone=timezone, **values)
    account.specialist_profile.last_name = last_name or account.specialist_profile.last_name
    account.specialist_profile.first_name = first_name or account.specialist_profile.first_name
    account.specialist_profile.restricted = restricted
    account.specialist_profile.specialties = list(specialties)
    db.session.commit()
    return account


def service(of: Specialty | None = None, minutes: int = 30, price: str = "2500") -> Service:
    """A bookable service."""
    n = _n()
    row = Service(
        code=f"svc-{n}",
        name_en=f"Consultation {n}",
        name_ru=f"Консультация {n}",
        specialty=of or specialty(),
        duration_minutes=minutes,
        price=Decimal(price),
        kind=ServiceKind.CONSULTATION,
    )
    db.session.add(row)
    db.session.commit()
    return row


def appointment(
    patient_record: PatientProfile | None = None,
    doctor_user: User | None = None,
    starts_at: datetime | None = None,
    minutes: int = 30,
    status: AppointmentStatus = AppointmentStatus.BOOKED,
    of_service: Service | None = None,
) -> Appointment:
    """An appointment; by default tomorrow at this time."""
    starts_at = starts_at or datetime.now(UTC) + timedelta(days=1)
    row = Appointment(
        patient=patient_record or patient(),
        doctor=doctor_user or doctor(),
        service=of_service or service(minutes=minutes),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        status=status,
    )
    db.session.add(row)
    db.session.commit()
    return row


def working_week(doctor_user: User, weekdays=range(7), stretches=((time(9), time(13)), (time(14), time(18)))) -> None:
    """Give a doctor the same working stretches on each of the weekdays (local time; the gap is a break)."""
    for weekday in weekdays:
        for starts, ends in stretches:
            db.session.add(WorkingInterval(doctor_id=doctor_user.id, weekday=weekday, starts=starts, ends=ends))
    db.session.commit()


def offering_doctor(minutes: int = 30, timezone: str = "Europe/Moscow", **values) -> tuple[User, Service]:
    """A doctor who works every day 09-13 and 14-18 local time, with one service of their specialty."""
    of = specialty()
    doctor_user = doctor(timezone=timezone, specialties=[of], **values)
    working_week(doctor_user)
    return doctor_user, service(of=of, minutes=minutes)
