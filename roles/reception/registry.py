"""The patient registry: cards, registering and correcting patients, guardianships."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import audit
from app.auth import reset
from app.clock import utcnow
from app.extensions import db
from app.models import ACTIVE_STATUSES, Guardianship, PatientProfile, Sex
from app.patients.guardianship import GuardianshipRefused, end_guardianship, find_guardianship, record_guardian
from app.permissions import get_patient_or_404, parse_uuid
from app.scheduling.queries import past_for_patient, upcoming_for_patient, upcoming_lines
from roles.forms import form_status, refuse
from roles.reception import bp
from roles.reception.board import actions_at
from roles.reception.forms import (
    ActionForm,
    GuardianshipForm,
    PatientForm,
)


def _card(record: PatientProfile, guardian_form: GuardianshipForm | None = None, status: int = 200):
    """Render a patient's registry card, with the guardianship form (and its errors, if any)."""
    now = utcnow()
    guardians = db.session.scalars(
        sa.select(Guardianship)
        .where(Guardianship.patient_id == record.id)
        .options(sa.orm.joinedload(Guardianship.guardian))
        .order_by(Guardianship.active.desc(), Guardianship.created_at)
    ).all()
    page = render_template(
        "reception/patient.html",
        patient=record,
        upcoming=upcoming_for_patient(record, now),
        # Coming appointments cancelled meanwhile: no longer to act on, not yet past.
        called_off=[line for line in upcoming_lines(record, now) if line.status not in ACTIVE_STATUSES],
        past=past_for_patient(record, now),
        guardians=guardians,
        guardian_form=guardian_form or GuardianshipForm(formdata=None),
        action_form=ActionForm(),
        reception_actions=actions_at(now),
        now=now,
    )
    return page, status


@bp.get("/patients/<patient_id>")
def patient(patient_id):
    """A patient's registry card with appointments and guardians; opening it is audited."""
    record = get_patient_or_404(patient_id, current_user, audit="view_patient")
    return _card(record)


def _fill_patient(record: PatientProfile, form: PatientForm) -> None:
    """Copy the form's fields onto the record, storing empty optional fields as NULL."""
    record.last_name = form.last_name.data.strip()
    record.first_name = form.first_name.data.strip()
    record.middle_name = (form.middle_name.data or "").strip() or None
    record.date_of_birth = form.date_of_birth.data
    record.sex = Sex(form.sex.data) if form.sex.data else None
    record.phone = (form.phone.data or "").strip() or None
    record.email = (form.email.data or "").strip().lower() or None


@bp.route("/patients/new", methods=["GET", "POST"])
def register_patient():
    """Register a patient who has no account (they may get one later or act through a guardian)."""
    form = PatientForm()
    if form.validate_on_submit():
        record = PatientProfile()
        _fill_patient(record, form)
        db.session.add(record)
        db.session.commit()
        audit.record("register_patient", record, record, current_user)
        flash(_("The patient has been registered."), "success")
        return redirect(url_for("reception.patient", patient_id=record.public_id))
    return render_template("reception/patient_form.html", form=form, patient=None), form_status(form)


@bp.route("/patients/<patient_id>/edit", methods=["GET", "POST"])
def edit_patient(patient_id):
    """Correct a patient's names, date of birth, sex and contacts."""
    record = get_patient_or_404(patient_id, current_user)
    form = PatientForm(obj=record)
    if request.method == "GET":
        form.sex.data = record.sex.value if record.sex else ""
    if form.validate_on_submit():
        _fill_patient(record, form)
        db.session.commit()
        audit.record("edit_patient", record, record, current_user)
        flash(_("The patient's record has been saved."), "success")
        return redirect(url_for("reception.patient", patient_id=record.public_id))
    return render_template("reception/patient_form.html", form=form, patient=record), form_status(form)


@bp.post("/patients/<patient_id>/guardians")
def add_guardian(patient_id):
    """Record a guardian (an existing patient account) for a patient, with the legal basis."""
    record = get_patient_or_404(patient_id, current_user)
    form = GuardianshipForm()
    if not form.validate_on_submit():
        return _card(record, form, status=422)
    try:
        record_guardian(record, form.email.data, form.legal_basis.data, current_user)
    except GuardianshipRefused as refused:
        return _card(record, form, status=refuse(form, refused))
    flash(_("The guardian has been recorded."), "success")
    return redirect(url_for("reception.patient", patient_id=record.public_id))


@bp.post("/patients/<patient_id>/guardians/<guardian_id>/end")
def end_guardian(patient_id, guardian_id):
    """End a guardianship: the guardian can no longer act for the patient."""
    record = get_patient_or_404(patient_id, current_user)
    link = find_guardianship(record, parse_uuid(guardian_id))
    if link is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    if end_guardianship(link, current_user):
        flash(_("The guardianship has been ended."), "success")
    return redirect(url_for("reception.patient", patient_id=record.public_id))


@bp.post("/patients/<patient_id>/password-reset")
def send_patient_reset(patient_id):
    """E-mail a patient with an account a link to set a new password; audited."""
    record = get_patient_or_404(patient_id, current_user)
    if not ActionForm().validate_on_submit():
        abort(400)
    account = record.user
    if account is None or not account.active:
        flash(_("This patient has no account to reset."), "danger")
    elif reset.send_link(account):
        audit.record("send_password_reset", account, record, current_user)
        flash(_("A link to set a new password has been sent to %(email)s.", email=account.email), "success")
    else:
        flash(_("The e-mail could not be sent. Please try again later."), "danger")
    return redirect(url_for("reception.patient", patient_id=record.public_id)), 303
