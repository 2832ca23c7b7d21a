"""Reception back-office pages."""

import sqlalchemy as sa
from flask import render_template, request
from flask_login import current_user

from app.audit import record_access
from app.database import utcnow
from app.extensions import db
from app.models import Guardianship
from app.permissions import get_patient_or_404
from roles.queries import appointments_between, past_for_patient, upcoming_for_patient
from roles.reception import bp
from roles.reception.services import search_patients
from roles.time import day_bounds_utc, local_today


def _search_results():
    """Run the registry search for the `q` parameter."""
    query = request.args.get("q", "").strip()
    stmt = search_patients(query)
    return query, (None if stmt is None else db.session.scalars(stmt).all())


@bp.get("/")
def dashboard():
    """Today's appointments across all doctors, and the patient search."""
    day = local_today(current_user.timezone)
    start, end = day_bounds_utc(day, current_user.timezone)
    appointments = db.session.scalars(appointments_between(start, end)).unique().all()
    query, results = _search_results()
    return render_template("reception/dashboard.html", day=day, appointments=appointments, query=query, results=results)


@bp.get("/patients/search")
def patient_search():
    """Search results as a fragment, refreshed as reception types."""
    query, results = _search_results()
    return render_template("reception/_search_results.html", query=query, results=results)


@bp.get("/patients/<patient_id>")
def patient(patient_id):
    """A patient's registry card with appointments and guardians; opening it is audited."""
    record = get_patient_or_404(patient_id, current_user)
    record_access("view_patient", record, record)
    now = utcnow()
    guardians = db.session.scalars(
        sa.select(Guardianship)
        .where(Guardianship.patient_id == record.id)
        .options(sa.orm.joinedload(Guardianship.guardian))
    ).all()
    return render_template(
        "reception/patient.html",
        patient=record,
        upcoming=db.session.scalars(upcoming_for_patient(record, now)).unique().all(),
        past=db.session.scalars(past_for_patient(record, now)).unique().all(),
        guardians=guardians,
    )
