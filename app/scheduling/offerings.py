"""Who offers what: the doctors and services reception and patients book, looked up by what forms send."""

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Role, Service, SpecialistProfile, User
from app.scheduling.booking import offers


def bookable_doctors() -> list[User]:
    """Active doctors who have a specialist profile, by surname."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(SpecialistProfile, SpecialistProfile.user_id == User.id)
            .where(User.role == Role.DOCTOR, User.active.is_(True))
            .options(selectinload(User.specialist_profile).selectinload(SpecialistProfile.specialties))
            .order_by(SpecialistProfile.last_name, SpecialistProfile.first_name)
        )
    )


def offerings() -> list[tuple[User, Service]]:
    """Every (doctor, service) pair reception may book: the doctor practises the service's specialty."""
    services = db.session.scalars(sa.select(Service).where(Service.active.is_(True)).order_by(Service.code)).all()
    return [(doctor, service) for doctor in bookable_doctors() for service in services if offers(doctor, service)]


def find_doctor(public_id: str) -> User | None:
    """An active doctor by the public id sent from a form; malformed ids find nobody."""
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        return None
    return db.session.scalar(
        sa.select(User).where(User.public_id == key, User.role == Role.DOCTOR, User.active.is_(True))
    )


def find_service(code: str) -> Service | None:
    """A service by its code."""
    return db.session.scalar(sa.select(Service).where(Service.code == code))
