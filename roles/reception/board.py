"""Reception's day board: every doctor's appointments of a day, the patient search, arrivals and no-shows."""

from datetime import timedelta
from functools import partial
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.clock import day_bounds_utc, local_today, utcnow
from app.database import reads_only
from app.extensions import db
from app.models import Appointment, Role
from app.patients.search import search_patients
from app.permissions import can_change_status, get_appointment_or_404
from app.scheduling.queries import appointments_between
from app.scheduling.status import StatusChangeRefused, apply_action, available_actions
from roles.forms import flash_refusal
from roles.params import requested_day
from roles.reception import bp
from roles.reception.forms import (
    ActionForm,
)


def _search_results():
    """Run the registry search for the `q` parameter."""
    query = request.args.get("q", "").strip()
    return query, search_patients(query)


def actions_at(now):
    """For the appointment tables: the status actions reception may take on an appointment at `now`."""
    return partial(available_actions, role=Role.RECEPTION, now=now)


def board_page(day, status: int = 200):
    """The day board of every doctor's appointments with reception's actions, and the patient search."""
    start, end = day_bounds_utc(day, current_user.timezone)
    appointments = db.session.scalars(appointments_between(start, end)).unique().all()
    query, results = _search_results()
    now = utcnow()
    page = render_template(
        "reception/dashboard.html",
        day=day,
        today=local_today(current_user.timezone),
        previous_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
        appointments=appointments,
        now=now,
        action_form=ActionForm(),
        reception_actions=actions_at(now),
        query=query,
        results=results,
    )
    return page, status


def local_day(appointment: Appointment):
    """The appointment's date as reception sees it, to return to the right board."""
    return appointment.starts_at.astimezone(ZoneInfo(current_user.timezone)).date()


def back_to_board(appointment: Appointment):
    """Redirect to the board of the appointment's day."""
    return redirect(url_for("reception.dashboard", date=local_day(appointment).isoformat()))


@bp.get("/")
@reads_only
def dashboard():
    """Appointments of one local day across all doctors (today by default), and the patient search."""
    day = requested_day()
    return board_page(day)


@bp.get("/patients/search")
@reads_only
def patient_search():
    """Search results as a fragment, refreshed as reception types."""
    query, results = _search_results()
    return render_template("reception/_search_results.html", query=query, results=results)


def _change_status(appointment_id, action: str, audit: str, done: str):
    """Take a status action from a list button under the rules both cabinets share; refusals show on the board
    with 409, and only a change that happened is audited."""
    appointment = get_appointment_or_404(appointment_id, current_user)
    if not can_change_status(current_user, appointment):
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        apply_action(appointment, action, Role.RECEPTION, by=current_user, audit_action=audit)
    except StatusChangeRefused as refused:
        return board_page(local_day(appointment), status=flash_refusal(refused))
    flash(done, "success")
    return back_to_board(appointment)


@bp.post("/appointments/<appointment_id>/arrived")
def appointment_arrived(appointment_id):
    """Record the time the patient arrived; the status stays booked or confirmed until the doctor starts."""
    return _change_status(appointment_id, "arrive", "mark_arrived", _("Marked as arrived."))


@bp.post("/appointments/<appointment_id>/no-show")
def appointment_no_show(appointment_id):
    """Mark that the patient did not come; allowed only after the start time and without a recorded arrival."""
    return _change_status(appointment_id, "no_show", "mark_no_show", _("Marked as a no-show."))
