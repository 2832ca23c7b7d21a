"""Sharing a sensitive specialty's appointment with one's other doctors, and withdrawing it."""

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.patients.sharing import SharingRefused, share_appointment, stop_sharing_appointment
from app.permissions import get_appointment_or_404
from roles.forms import flash_refusal
from roles.patient import bp
from roles.patient.forms import ShareForm, StopSharingForm


def _change(appointment_id, form, change, done: str, invalid: str):
    """Apply `change` (share or stop sharing) to one of the user's appointments once `form` validates, flash the
    outcome and go back to the appointment's page."""
    appointment = get_appointment_or_404(appointment_id, current_user)
    if not form.validate_on_submit():
        flash(invalid, "danger")
    else:
        try:
            change(current_user, appointment)
        except SharingRefused as refused:
            flash_refusal(refused)
        else:
            flash(done, "success")
    return redirect(url_for("patient.appointment", appointment_id=appointment.public_id)), 303


@bp.post("/appointments/<appointment_id>/share")
def share(appointment_id):
    """Let one's other doctors see a sensitive appointment (one's own or a dependant's); audited."""
    return _change(
        appointment_id,
        ShareForm(),
        share_appointment,
        _("Your other doctors can now see this appointment."),
        _("Tick the box to confirm that you want to share this appointment."),
    )


@bp.post("/appointments/<appointment_id>/stop-sharing")
def stop_sharing(appointment_id):
    """Keep a shared sensitive appointment with its specialist again; audited."""
    return _change(
        appointment_id,
        StopSharingForm(),
        stop_sharing_appointment,
        _("This appointment is again seen only by its specialist and you."),
        _("The form has expired or was sent from elsewhere. Reload the page and try again."),
    )
