"""A believable demo clinic, created idempotently by `flask seed-demo`."""

from datetime import UTC, datetime

import sqlalchemy as sa

from app.demo.activity import add_history, keep_newcomer_appointments, keep_newcomer_chat, keep_newcomer_psychology
from app.demo.catalogue import DEMO_PASSWORD, SIGN_INS
from app.demo.people import (
    add_dependant,
    add_patients,
    add_services,
    add_specialists,
    add_specialties,
    add_staff,
    add_working_hours,
)
from app.extensions import db
from app.models import (
    Appointment,
    Guardianship,
    PatientProfile,
    Service,
    SpecialistProfile,
    Specialty,
    User,
    WorkingInterval,
)
from app.passwords import hash_password

# What `flask seed-demo` and the tests use: the documented sign-ins and their password.
__all__ = ["DEMO_PASSWORD", "SIGN_INS", "counts", "seed"]


def seed(now: datetime | None = None) -> dict[str, int]:
    """Create the demo clinic if missing and make sure the newcomer's appointments exist; returns row counts."""
    now = now or datetime.now(UTC)
    password_hash = hash_password(DEMO_PASSWORD)  # one hash for all demo accounts: seeding stays fast
    specialties = add_specialties()
    services = add_services(specialties)
    doctors = add_specialists(specialties, password_hash)
    db.session.flush()
    add_working_hours(doctors)
    staff = add_staff(password_hash)
    patients = add_patients(password_hash)
    child = add_dependant(patients[0], staff["reception@demo.clinic"])
    db.session.flush()
    if db.session.scalar(sa.select(sa.func.count(Appointment.id))) == 0:
        add_history(now, doctors, [*patients, child], services, staff["reception@demo.clinic"])
    keep_newcomer_appointments(now, doctors[0], patients[0], services["endo-first"], services["endo-follow"])
    keep_newcomer_chat(now, doctors[0], patients[0])
    keep_newcomer_psychology(now, doctors[1], patients[0], services["psy-session"])
    db.session.commit()
    return counts()


def counts() -> dict[str, int]:
    """Rows per demo table, for the command's report and tests."""
    models = (User, PatientProfile, Guardianship, SpecialistProfile, Specialty, Service, Appointment, WorkingInterval)
    return {m.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in models}
