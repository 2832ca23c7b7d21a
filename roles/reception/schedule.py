"""Reception manages doctors' working hours with the same editor doctors use for their own."""

import sqlalchemy as sa
from flask import abort, render_template
from flask_login import current_user
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Role, SpecialistProfile, User
from app.permissions import parse_uuid
from roles.reception import bp
from roles.schedule_editor import ScheduleEditor


def _editor(doctor_id: str) -> ScheduleEditor:
    """The editor on one doctor's schedule, by the specialist's public id."""
    doctor = db.session.scalar(
        sa.select(User)
        .join(SpecialistProfile, SpecialistProfile.user_id == User.id)
        .where(SpecialistProfile.public_id == parse_uuid(doctor_id), User.role == Role.DOCTOR)
    )
    if doctor is None:
        abort(404)
    # Reception changes other people's schedules: each saved change is audited (a refused one is not).
    return ScheduleEditor("reception", doctor, {"doctor_id": doctor_id}, audit_action="edit_schedule")


@bp.get("/doctors")
def doctors():
    """All doctors, each with a link to their working hours."""
    profiles = db.session.scalars(
        sa.select(SpecialistProfile)
        .options(joinedload(SpecialistProfile.user))
        .order_by(SpecialistProfile.last_name, SpecialistProfile.first_name)
    ).all()
    return render_template("reception/doctors.html", profiles=profiles)


@bp.get("/doctors/<doctor_id>/schedule")
def schedule(doctor_id):
    """A doctor's weekly template and upcoming exceptions, with forms to change them."""
    return _editor(doctor_id).page()


@bp.post("/doctors/<doctor_id>/schedule/stretches")
def add_schedule_stretch(doctor_id):
    """Add a working stretch to a doctor's weekly template."""
    return _editor(doctor_id).add_stretch()


@bp.post("/doctors/<doctor_id>/schedule/stretches/<stretch_id>/delete")
def delete_schedule_stretch(doctor_id, stretch_id):
    """Remove a working stretch of a doctor's template."""
    return _editor(doctor_id).delete_stretch(stretch_id)


@bp.post("/doctors/<doctor_id>/schedule/exceptions")
def add_schedule_exception(doctor_id):
    """Add a day off, vacation or extra hours to a doctor's schedule."""
    return _editor(doctor_id).add_exception(current_user)


@bp.post("/doctors/<doctor_id>/schedule/exceptions/<exception_id>/delete")
def delete_schedule_exception(doctor_id, exception_id):
    """Remove an exception of a doctor's schedule."""
    return _editor(doctor_id).delete_exception(exception_id)
