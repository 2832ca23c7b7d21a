"""Public pages."""

from datetime import date
from functools import cache

import sqlalchemy as sa
from flask import abort, render_template, request
from sqlalchemy.orm import joinedload, selectinload

from app.clock import utcnow
from app.database import reads_only
from app.extensions import db
from app.models import Service, SpecialistProfile, Specialty, User
from app.permissions import parse_uuid
from app.public import bp
from app.scheduling.slots import Rules, first_free_slots, nearest_slots

SLOTS_ON_CARD = 6


def _listed_specialists():
    """Specialists shown to the public, with their specialties."""
    return (
        sa.select(SpecialistProfile)
        .join(User, User.id == SpecialistProfile.user_id)
        .where(SpecialistProfile.listed.is_(True), User.active.is_(True))
        .options(
            joinedload(SpecialistProfile.user),
            selectinload(SpecialistProfile.specialties).selectinload(Specialty.services),
        )
        .order_by(SpecialistProfile.last_name, SpecialistProfile.first_name)
    )


@bp.get("/")
def home():
    """The clinic's specialties with their services and prices."""
    specialties = db.session.scalars(
        sa.select(Specialty).options(selectinload(Specialty.services)).order_by(Specialty.slug)
    ).all()
    return render_template("public/home.html", specialties=specialties)


@bp.get("/specialists")
def specialists():
    """All listed specialists, optionally of one specialty."""
    specialties = db.session.scalars(sa.select(Specialty).order_by(Specialty.slug)).all()
    chosen = request.args.get("specialty", "")
    stmt = _listed_specialists()
    if chosen:
        stmt = stmt.where(SpecialistProfile.specialties.any(Specialty.slug == chosen))
    specialists = db.session.scalars(stmt).all()
    now = utcnow()
    nearest = nearest_free_times(specialists, now)
    if request.args.get("sort") == "nearest":
        # Specialists with no free slot in the booking horizon go last.
        specialists.sort(key=lambda p: (nearest[p.id] is None, nearest[p.id] or now))
    return render_template(
        "public/specialists.html",
        specialists=specialists,
        nearest=nearest,
        sort=request.args.get("sort", ""),
        specialties=specialties,
        chosen=chosen,
        year=date.today().year,
    )


# The card's statements are built once, with parameters (see app.scheduling.queries: building costs as much as running).
@cache
def _listed_specialist():
    """One listed specialist (parameter :public_id) with their account and specialties, in one query; the card
    queries the active services itself."""
    return (
        sa.select(SpecialistProfile)
        .join(User, User.id == SpecialistProfile.user_id)
        .where(
            SpecialistProfile.public_id == sa.bindparam("public_id"),
            SpecialistProfile.listed.is_(True),
            User.active.is_(True),
        )
        .options(joinedload(SpecialistProfile.user), joinedload(SpecialistProfile.specialties))
    )


@cache
def _active_services():
    """Active services of some specialties (parameter :specialty_ids), cheapest first."""
    specialty_ids = sa.bindparam("specialty_ids", expanding=True)
    return (
        sa.select(Service)
        .where(Service.active.is_(True), Service.specialty_id.in_(specialty_ids))
        .order_by(Service.price)
    )


@bp.get("/specialists/<specialist_id>")
@reads_only
def specialist(specialist_id):
    """A specialist's profile with the services they provide."""
    found = db.session.scalars(_listed_specialist(), {"public_id": parse_uuid(specialist_id)})
    profile = found.unique().one_or_none()
    if profile is None:
        abort(404)
    services = db.session.scalars(_active_services(), {"specialty_ids": [s.id for s in profile.specialties]}).all()
    slots = first_free_slots(profile.user, services, utcnow(), Rules.from_config(), SLOTS_ON_CARD)
    return render_template(
        "public/specialist.html", profile=profile, services=services, slots=slots, year=date.today().year
    )


def nearest_free_times(profiles: list[SpecialistProfile], now) -> dict[int, object]:
    """The earliest free slot of each specialist over all their services (None when fully booked), in a few queries."""
    pairs = [(p, s) for p in profiles for specialty in p.specialties for s in specialty.services if s.active]
    firsts = nearest_slots([(p.user, s) for p, s in pairs], now)
    nearest: dict[int, object] = dict.fromkeys((p.id for p in profiles), None)
    for (profile, _service), slot in zip(pairs, firsts, strict=True):
        if slot is not None and (nearest[profile.id] is None or slot.starts_at < nearest[profile.id]):
            nearest[profile.id] = slot.starts_at
    return nearest
