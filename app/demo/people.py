"""The demo's catalogue and people: specialties, services, specialists with working hours, staff, patients and a dependant."""

import random
from datetime import date, time
from decimal import Decimal

import sqlalchemy as sa

from app.demo.catalogue import (
    CLINIC_TZ,
    PATIENT_NAMES,
    PATIENT_TIMEZONES,
    SENSITIVE_SPECIALTIES,
    SERVICES,
    SIGN_INS,
    SPECIALISTS,
    SPECIALTIES,
)
from app.extensions import db
from app.models import (
    Guardianship,
    PatientProfile,
    Role,
    Service,
    Sex,
    SpecialistProfile,
    Specialty,
    User,
    WorkingInterval,
)


def _get_or_add(model, lookup: dict, **values):
    """Return the row matching `lookup`, adding it with `values` when missing."""
    row = db.session.scalar(sa.select(model).filter_by(**lookup))
    if row is None:
        row = model(**lookup, **values)
        db.session.add(row)
    return row


def add_specialties() -> dict[str, Specialty]:
    """The clinic's specialties by slug; psychology is sensitive (an existing row keeps what the admin chose)."""
    return {
        slug: _get_or_add(Specialty, {"slug": slug}, name_en=en, name_ru=ru, sensitive=slug in SENSITIVE_SPECIALTIES)
        for slug, en, ru in SPECIALTIES
    }


def add_services(specialties: dict[str, Specialty]) -> dict[str, Service]:
    """The price list by code."""
    return {
        code: _get_or_add(
            Service,
            {"code": code},
            specialty=specialties[slug],
            name_en=en,
            name_ru=ru,
            duration_minutes=minutes,
            price=Decimal(price),
            kind=kind,
        )
        for code, slug, en, ru, minutes, price, kind in SERVICES
    }


def add_specialists(specialties: dict[str, Specialty], password_hash: str) -> list[User]:
    """Doctors and other specialists, each with a public profile."""
    doctors = []
    for email, last, first, middle, slugs, restricted, since, qualification, bio in SPECIALISTS:
        user = _get_or_add(User, {"email": email}, role=Role.DOCTOR, timezone=CLINIC_TZ, password_hash=password_hash)
        if user.specialist_profile is None:
            user.specialist_profile = SpecialistProfile(
                last_name=last,
                first_name=first,
                middle_name=middle,
                specialties=[specialties[s] for s in slugs],
                restricted=restricted,
                practising_since=since,
                qualification=qualification,
                bio=bio,
            )
        doctors.append(user)
    return doctors


def add_working_hours(doctors: list[User]) -> None:
    """Weekdays 09-13 and 14-18, Saturdays 10-14, for doctors who have no template yet."""
    weekdays = [(day, time(9), time(13)) for day in range(5)] + [(day, time(14), time(18)) for day in range(5)]
    weekly = [*weekdays, (5, time(10), time(14))]
    for doctor in doctors:
        if db.session.scalar(sa.select(sa.func.count(WorkingInterval.id)).filter_by(doctor_id=doctor.id)):
            continue
        db.session.add_all(WorkingInterval(doctor_id=doctor.id, weekday=d, starts=a, ends=b) for d, a, b in weekly)


def add_staff(password_hash: str) -> dict[str, User]:
    """The methodologist, reception and administrator accounts."""
    names = {
        "methodologist@demo.clinic": "Ковалева Анастасия",
        "reception@demo.clinic": "Егорова Светлана",
        "admin@demo.clinic": "Clinic Administrator",
    }
    return {
        email: _get_or_add(
            User,
            {"email": email},
            role=SIGN_INS[email],
            timezone=CLINIC_TZ,
            full_name=name,
            password_hash=password_hash,
        )
        for email, name in names.items()
    }


def add_patients(password_hash: str) -> list[PatientProfile]:
    """Thirty-two patients with accounts; the first is patient@demo.clinic."""
    rng = random.Random(7)
    patients = []
    for index, (last, first, middle, sex) in enumerate(PATIENT_NAMES):
        email = "patient@demo.clinic" if index == 0 else f"patient{index:02d}@demo.clinic"
        tz = "Asia/Yekaterinburg" if index == 0 else PATIENT_TIMEZONES[index % len(PATIENT_TIMEZONES)]
        phone = f"+79{rng.randrange(10**8, 10**9)}"
        user = _get_or_add(
            User, {"email": email}, role=Role.PATIENT, timezone=tz, phone=phone, password_hash=password_hash
        )
        if user.patient_profile is None:
            user.patient_profile = PatientProfile(
                last_name=last,
                first_name=first,
                middle_name=middle,
                sex=sex,
                date_of_birth=date(1955 + rng.randrange(0, 48), rng.randrange(1, 13), rng.randrange(1, 29)),
                phone=phone,
                email=email,
            )
        patients.append(user.patient_profile)
    return patients


def add_dependant(guardian: PatientProfile, reception: User) -> PatientProfile:
    """A child on the first patient's account, with the legal basis reception recorded."""
    child = db.session.scalar(sa.select(PatientProfile).filter_by(last_name="Смирнов", first_name="Миша", user_id=None))
    if child is None:
        child = PatientProfile(
            last_name="Смирнов",
            first_name="Миша",
            middle_name="Алексеевич",
            sex=Sex.MALE,
            date_of_birth=date(2017, 4, 12),
        )
        db.session.add(child)
        db.session.add(
            Guardianship(
                guardian=guardian.user,
                patient=child,
                legal_basis="Parent: birth certificate II-МЮ 123456",
                recorded_by=reception,
            )
        )
    return child
