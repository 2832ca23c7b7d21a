"""Public pages."""

from datetime import date

import sqlalchemy as sa
from flask import abort, render_template, request
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Service, SpecialistProfile, Specialty, User
from app.permissions import parse_uuid
from app.public import bp


def _listed_specialists():
    """Specialists shown to the public, with their specialties."""
    return (
        sa.select(SpecialistProfile)
        .join(User, User.id == SpecialistProfile.user_id)
        .where(SpecialistProfile.listed.is_(True), User.active.is_(True))
        .options(selectinload(SpecialistProfile.specialties))
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
    return render_template(
        "public/specialists.html",
        specialists=db.session.scalars(stmt).all(),
        specialties=specialties,
        chosen=chosen,
        year=date.today().year,
    )


@bp.get("/specialists/<specialist_id>")
def specialist(specialist_id):
    """A specialist's profile with the services they provide."""
    profile = db.session.scalar(_listed_specialists().where(SpecialistProfile.public_id == parse_uuid(specialist_id)))
    if profile is None:
        abort(404)
    services = db.session.scalars(
        sa.select(Service)
        .where(Service.active.is_(True), Service.specialty_id.in_([s.id for s in profile.specialties]))
        .order_by(Service.price)
    ).all()
    return render_template("public/specialist.html", profile=profile, services=services, year=date.today().year)
