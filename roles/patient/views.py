"""Patient cabinet pages."""

import sqlalchemy as sa
from flask import abort, render_template, request
from flask_login import current_user

from app.calls.queries import calls_of
from app.clock import utcnow
from app.database import reads_only
from app.extensions import db
from app.models import FileKind, StoredFile
from app.permissions import can_share_appointment, get_appointment_or_404, represented_patients
from app.scheduling.booking import can_patient_cancel, cancel_refusal
from app.scheduling.queries import past_for_patient, upcoming_lines
from roles.params import requested_page
from roles.patient import bp
from roles.patient.forms import CancelForm, IntakeForm, ShareForm, StopSharingForm


def _selected_patient():
    """The patient the cabinet shows: the user, or a dependant chosen in the switcher."""
    patients = represented_patients(current_user)
    if not patients:
        abort(404)
    wanted = request.args.get("for")
    if wanted:
        chosen = next((p for p in patients if str(p.public_id) == wanted), None)
        if chosen is None:
            abort(404)
        return chosen, patients
    return patients[0], patients


# The cabinet shows the latest visits; the whole history is a page of its own.
RECENT_PAST = 10
HISTORY_PAGE = 50


@bp.get("/")
@reads_only
def dashboard():
    """Upcoming appointments of the patient or a dependant, and the latest past ones."""
    patient, patients = _selected_patient()
    now = utcnow()
    upcoming = upcoming_lines(patient, now)
    past = past_for_patient(patient, now, limit=RECENT_PAST + 1)  # one more tells whether there are earlier ones
    return render_template(
        "patient/dashboard.html",
        patient=patient,
        patients=patients,
        upcoming=upcoming,
        past=past[:RECENT_PAST],
        earlier=len(past) > RECENT_PAST,
        for_args=_for_args(patient),
    )


@bp.get("/history")
def history():
    """Every past appointment of the patient or a dependant, latest first, a page at a time."""
    patient, patients = _selected_patient()
    page = requested_page()
    found = past_for_patient(patient, utcnow(), limit=HISTORY_PAGE + 1, skip=(page - 1) * HISTORY_PAGE)
    if page > 1 and not found:
        abort(404)
    return render_template(
        "patient/history.html",
        patient=patient,
        patients=patients,
        past=found[:HISTORY_PAGE],
        page=page,
        more=len(found) > HISTORY_PAGE,
        for_args=_for_args(patient),
    )


def _for_args(patient) -> dict:
    """The query arguments that keep a dependant chosen in the switcher on the next page."""
    return {"for": patient.public_id} if patient.user_id != current_user.id else {}


@bp.get("/appointments/<appointment_id>")
def appointment(appointment_id):
    """One appointment of the patient or a dependant, with cancelling and moving while they are allowed, and why
    not otherwise (the doctor has started, or the cut-off has passed)."""
    appt = get_appointment_or_404(appointment_id, current_user)
    intake_form = IntakeForm(obj=appt.intake) if appt.is_active else None
    now = utcnow()
    refused = cancel_refusal(appt, current_user, now)
    return render_template(
        "patient/appointment.html",
        appointment=appt,
        calls=calls_of(appt),
        can_cancel=can_patient_cancel(appt, now),
        change_refusal=None if refused is None else str(refused),
        cancel_form=CancelForm(),
        intake_form=intake_form,
        # A sensitive specialty's appointment: who sees it, and the forms to share it or withdraw it.
        sharing=can_share_appointment(current_user, appt),
        share_form=ShareForm(),
        stop_sharing_form=StopSharingForm(),
    )


@bp.get("/files")
def files():
    """The patient's files (lab results, documents) with the form to send a new lab result."""
    patient, patients = _selected_patient()
    stored = db.session.scalars(
        sa.select(StoredFile)
        .where(StoredFile.patient_id == patient.id, StoredFile.deleted_at.is_(None))
        .order_by(StoredFile.created_at.desc())
    ).all()
    return render_template(
        "patient/files.html", patient=patient, patients=patients, files=stored, kind=FileKind.LAB_RESULT
    )
