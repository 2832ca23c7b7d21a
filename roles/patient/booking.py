"""Booking pages of the patient cabinet: confirm a slot picked on a specialist's card, cancel within the cut-off."""

from datetime import datetime

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.clock import utcnow
from app.extensions import db
from app.models import Intake, Service, SpecialistProfile
from app.permissions import get_appointment_or_404, parse_uuid, represented_patients
from app.scheduling.booking import (
    BookingError,
    IntakeAnswers,
    book,
    can_patient_cancel,
    cancel,
    cancel_refusal,
    reschedule,
)
from app.scheduling.slots import free_slots
from roles.forms import flash_refusal, refuse
from roles.params import parse_instant
from roles.patient import bp
from roles.patient.forms import BookingForm, CancelForm, IntakeForm, RescheduleForm

RESCHEDULE_CHOICES = 12


def _parse_start(value: str) -> datetime:
    """An ISO 8601 instant from the slot link; malformed or naive values are a bad request."""
    parsed = parse_instant(value)
    if parsed is None:
        abort(400)
    return parsed


def _doctor_and_service(specialist_id: str, service_code: str):
    """The listed specialist and the service named in the slot link, or 404."""
    profile = db.session.scalar(
        sa.select(SpecialistProfile).where(
            SpecialistProfile.public_id == parse_uuid(specialist_id), SpecialistProfile.listed.is_(True)
        )
    )
    service = db.session.scalar(sa.select(Service).where(Service.code == service_code))
    if profile is None or service is None or not profile.user.active:
        abort(404)
    return profile.user, service


@bp.route("/book", methods=["GET", "POST"])
def book_slot():
    """Second click of booking: confirm the slot chosen on the specialist's card."""
    form = BookingForm()
    patients = represented_patients(current_user)
    form.patient.choices = [(str(p.public_id), p.full_name) for p in patients]
    if request.method == "GET":
        form.doctor.data = request.args.get("doctor", "")
        form.service.data = request.args.get("service", "")
        form.starts_at.data = request.args.get("at", "")
        form.patient.data = request.args.get("for") or (str(patients[0].public_id) if patients else "")
    doctor, service = _doctor_and_service(form.doctor.data, form.service.data)
    starts_at = _parse_start(form.starts_at.data)
    status = 200
    if form.validate_on_submit():
        patient = next(p for p in patients if str(p.public_id) == form.patient.data)
        answers = IntakeAnswers(
            reason=form.reason.data or "",
            complaints=form.complaints.data or "",
            medication=form.medication.data or "",
            remote_consent=form.remote_consent.data,
        )
        try:
            appointment = book(patient, doctor, service, starts_at, current_user, answers)
        except BookingError as refused:
            status = refuse(form, refused)
        else:
            flash(_("You are booked. We will remind you before the appointment."), "success")
            return redirect(url_for("patient.appointment", appointment_id=appointment.public_id))
    elif form.errors:
        status = 422
    return render_template("patient/book.html", form=form, doctor=doctor, service=service, starts_at=starts_at), status


@bp.post("/appointments/<appointment_id>/cancel")
def cancel_appointment(appointment_id):
    """Cancel one's own (or a dependant's) appointment up to the clinic's cut-off."""
    appointment = get_appointment_or_404(appointment_id, current_user)
    form = CancelForm()
    if not form.validate_on_submit():
        abort(400)
    refused = cancel_refusal(appointment, current_user)
    if refused is not None:
        flash_refusal(refused)
    elif not can_patient_cancel(appointment):
        flash(_("It is too late to cancel online. Please call reception."), "danger")
    else:
        try:
            cancel(appointment, current_user, form.reason.data or "")
        except BookingError as refused:
            flash_refusal(refused)
        else:
            flash(_("The appointment has been cancelled."), "success")
    return redirect(url_for("patient.appointment", appointment_id=appointment.public_id))


@bp.post("/appointments/<appointment_id>/intake")
def save_intake(appointment_id):
    """Answer or correct the questionnaire of an active appointment."""
    appointment = get_appointment_or_404(appointment_id, current_user)
    form = IntakeForm()
    if not appointment.is_active or not form.validate_on_submit():
        flash(_("The questionnaire could not be saved."), "danger")
        return redirect(url_for("patient.appointment", appointment_id=appointment.public_id)), 303
    intake = appointment.intake or Intake(appointment=appointment)
    # A field left out of the request is an empty answer, never NULL.
    intake.reason = form.reason.data or ""
    intake.complaints = form.complaints.data or ""
    intake.medication = form.medication.data or ""
    intake.remote_consent = form.remote_consent.data
    intake.answered_at = utcnow()
    db.session.add(intake)
    db.session.commit()
    flash(_("The questionnaire has been saved. The doctor will see it before the appointment."), "success")
    return redirect(url_for("patient.appointment", appointment_id=appointment.public_id)), 303


@bp.route("/appointments/<appointment_id>/reschedule", methods=["GET", "POST"])
def reschedule_appointment(appointment_id):
    """Move one's appointment to another free time of the same doctor and service, up to the cut-off."""
    appointment = get_appointment_or_404(appointment_id, current_user)
    refused = cancel_refusal(appointment, current_user)
    if refused is not None or not can_patient_cancel(appointment):
        message = _("It is too late to change the appointment online. Please call reception.")
        flash(str(refused) if refused is not None else message, "danger")
        return redirect(url_for("patient.appointment", appointment_id=appointment.public_id))
    form = RescheduleForm()
    status = 200
    if form.validate_on_submit():
        try:
            moved = reschedule(appointment, _parse_start(form.starts_at.data), current_user)
        except BookingError as refused:
            status = refuse(form, refused)
        else:
            flash(_("The appointment has been moved."), "success")
            return redirect(url_for("patient.appointment", appointment_id=moved.public_id))
    slots = free_slots(appointment.doctor, appointment.service, utcnow(), limit=RESCHEDULE_CHOICES)
    return render_template("patient/reschedule.html", appointment=appointment, slots=slots, form=form), status
