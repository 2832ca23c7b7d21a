"""Doctor cabinet pages."""

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.calls.queries import calls_of
from app.clock import day_bounds_utc, local_today, utcnow, zone_or_default
from app.database import reads_only
from app.extensions import db
from app.files.queries import patient_files
from app.models import Appointment, Role
from app.patients.doctor_list import doctor_patients, doctor_services
from app.permissions import can_change_status, get_appointment_or_404, visible_files
from app.scheduling.queries import appointments_between, doctor_day, patient_history_with
from app.scheduling.status import StatusChangeRefused, apply_action, available_actions
from roles.doctor import bp
from roles.doctor.files import markable_ids
from roles.doctor.forms import StatusForm
from roles.doctor.patient_list import timezone_differences
from roles.doctor.services import week_days
from roles.forms import flash_refusal
from roles.params import parse_day, requested_day, requested_page
from roles.schedule_editor import ScheduleEditor


@bp.get("/")
@reads_only
def dashboard():
    """The doctor's appointments for one local day, today by default."""
    day = requested_day()
    start, end = day_bounds_utc(day, current_user.timezone)
    appointments = doctor_day(current_user.id, start, end)
    return render_template(
        "doctor/dashboard.html",
        day=day,
        previous_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
        appointments=appointments,
    )


@bp.get("/week")
@reads_only
def week():
    """The doctor's appointments over the Monday-to-Sunday week containing a local day, this week by default."""
    tz_name = current_user.timezone
    day, malformed = parse_day(request.args.get("date"), tz_name)
    if malformed:
        flash(_("The date was not understood; showing this week."), "warning")
    days = week_days(day)
    start, _end = day_bounds_utc(days[0], tz_name)
    _start, end = day_bounds_utc(days[-1], tz_name)
    stmt = appointments_between(start, end, doctor_id=current_user.id).options(selectinload(Appointment.intake))
    appointments = db.session.scalars(stmt).unique().all()
    tz = zone_or_default(tz_name)
    by_day = {d: [] for d in days}
    for appt in appointments:
        # Grouped by the doctor's wall-clock day, not the UTC date.
        by_day.setdefault(appt.starts_at.astimezone(tz).date(), []).append(appt)
    return render_template(
        "doctor/week.html",
        days=days,
        by_day=by_day,
        today=local_today(tz_name),
        previous_week=days[0] - timedelta(days=7),
        next_week=days[0] + timedelta(days=7),
    )


# Rows shown at once: the list is a live search, so typing narrows it; pages reach the rest.
PATIENT_LIST_SIZE = 25


def _patient_rows():
    """The patient list's page for the current query parameters, each patient with their timezone difference."""
    page = requested_page()
    services = doctor_services(current_user.id)
    chosen = next((s for s in services if s.code == request.args.get("service")), None)
    when = request.args.get("when", "")
    now = utcnow()
    found = doctor_patients(
        current_user.id,
        now,
        services,
        search=request.args.get("q", "").strip()[:100],
        upcoming=when == "upcoming",
        past=when == "past",
        service_id=chosen.id if chosen is not None else None,
        limit=PATIENT_LIST_SIZE + 1,  # one more tells whether a next page exists
        skip=(page - 1) * PATIENT_LIST_SIZE,
    )
    if page > 1 and not found:
        abort(404)
    listing = {
        "rows": found[:PATIENT_LIST_SIZE],
        "differences": timezone_differences(found[:PATIENT_LIST_SIZE], current_user.timezone, now),
        "page": page,
        "more": len(found) > PATIENT_LIST_SIZE,
        # What the page links keep: the search and filters as given.
        "filters": {key: request.args[key] for key in ("q", "when", "service") if request.args.get(key)},
    }
    return listing, services, chosen, when


@bp.get("/patients")
@reads_only
def patients():
    """Every patient the doctor has seen or will see, with their next appointment and timezone difference."""
    listing, services, chosen, when = _patient_rows()
    return render_template(
        "doctor/patients.html",
        **listing,
        services=services,
        chosen=chosen,
        when=when,
        query=request.args.get("q", ""),
    )


@bp.get("/patients/search")
@reads_only
def patient_search():
    """The patient list alone, refreshed as the doctor types or changes a filter."""
    listing, _services, _chosen, _when = _patient_rows()
    return render_template("doctor/_patient_rows.html", **listing)


@bp.get("/appointments/<appointment_id>")
def appointment(appointment_id):
    """An appointment with the patient's details; opening it is audited."""
    appt = get_appointment_or_404(appointment_id, current_user, audit="view_appointment")
    history = []
    actions = []
    if can_change_status(current_user, appt):
        history = db.session.scalars(patient_history_with(current_user.id, appt.patient_id, appt.id)).all()
        actions = available_actions(appt, Role.DOCTOR, utcnow())
    files = db.session.scalars(patient_files(appt.patient_id).where(visible_files(current_user))).all()
    # Calls, like the chat, are between the appointment's own doctor and the patient; colleagues do not see them.
    calls = calls_of(appt) if appt.doctor_id == current_user.id else []
    return render_template(
        "doctor/appointment.html",
        calls=calls,
        appointment=appt,
        history=history,
        files=files,
        markable=markable_ids(files),
        actions=actions,
        status_form=StatusForm(),
        local_day=appt.starts_at.astimezone(zone_or_default(current_user.timezone)).date(),
    )


@bp.post("/appointments/<appointment_id>/status")
def appointment_status(appointment_id):
    """Start, complete or mark a no-show on one's own appointment; the change is audited."""
    appt = get_appointment_or_404(appointment_id, current_user)
    if not can_change_status(current_user, appt):
        # Colleagues may read a shared patient's appointment but never run it.
        abort(403)
    form = StatusForm()
    if not form.validate_on_submit():
        flash(_("That action is not available."), "danger")
    else:
        try:
            apply_action(
                appt, form.action.data, Role.DOCTOR, utcnow(), by=current_user, audit_action="appointment_status"
            )
        except StatusChangeRefused as refused:
            flash_refusal(refused)
        else:
            flash(_("The appointment is now %(status)s.", status=_status_text(appt)), "success")
    return redirect(url_for("doctor.appointment", appointment_id=appt.public_id))


def _status_text(appt) -> str:
    """The appointment's new status for the confirmation message."""
    return appt.status.label.lower()


def _editor() -> ScheduleEditor:
    """The working-hours editor on the doctor's own schedule."""
    return ScheduleEditor("doctor", current_user)


@bp.get("/schedule")
def schedule():
    """The doctor's weekly template and upcoming exceptions, with forms to change them."""
    return _editor().page()


@bp.post("/schedule/stretches")
def add_schedule_stretch():
    """Add a working stretch to a weekday of one's own template."""
    return _editor().add_stretch()


@bp.post("/schedule/stretches/<stretch_id>/delete")
def delete_schedule_stretch(stretch_id):
    """Remove a working stretch of one's own template."""
    return _editor().delete_stretch(stretch_id)


@bp.post("/schedule/exceptions")
def add_schedule_exception():
    """Add a day off, vacation or extra hours to one's own schedule."""
    return _editor().add_exception(current_user)


@bp.post("/schedule/exceptions/<exception_id>/delete")
def delete_schedule_exception(exception_id):
    """Remove one of one's own exceptions."""
    return _editor().delete_exception(exception_id)
