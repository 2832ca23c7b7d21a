"""Doctor cabinet pages."""

from datetime import timedelta

from flask import flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from app.audit import record_access
from app.extensions import db
from app.permissions import can_view_file, get_appointment_or_404
from roles.doctor import bp
from roles.queries import appointments_between, patient_files, patient_history_with
from roles.time import day_bounds_utc, parse_day


@bp.get("/")
def dashboard():
    """The doctor's appointments for one local day, today by default."""
    day, malformed = parse_day(request.args.get("date"), current_user.timezone)
    if malformed:
        flash(_("The date was not understood; showing today."), "warning")
    start, end = day_bounds_utc(day, current_user.timezone)
    appointments = db.session.scalars(appointments_between(start, end, doctor_id=current_user.id)).unique().all()
    return render_template(
        "doctor/dashboard.html",
        day=day,
        previous_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
        appointments=appointments,
    )


@bp.get("/appointments/<appointment_id>")
def appointment(appointment_id):
    """An appointment with the patient's details; opening it is audited."""
    appt = get_appointment_or_404(appointment_id, current_user)
    record_access("view_appointment", appt, appt.patient)
    history = []
    if appt.doctor_id == current_user.id:
        history = db.session.scalars(patient_history_with(current_user.id, appt.patient_id, appt.id)).all()
    files = [f for f in db.session.scalars(patient_files(appt.patient_id)).all() if can_view_file(current_user, f)]
    return render_template("doctor/appointment.html", appointment=appt, history=history, files=files)
