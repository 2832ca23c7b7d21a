"""Booking, moving and cancelling on a patient's behalf."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app.clock import utcnow
from app.permissions import get_appointment_or_404, get_patient_or_404
from app.scheduling.booking import BookingError, book, cancel, cancel_refusal, offers, reschedule
from app.scheduling.offerings import bookable_doctors, find_doctor, find_service, offerings
from app.scheduling.slots import free_slots
from app.ui.filters import localized
from roles.forms import refuse
from roles.params import parse_day, parse_instant
from roles.reception import bp
from roles.reception.board import back_to_board
from roles.reception.forms import (
    CancelForm,
    RescheduleForm,
    SlotForm,
    SlotSearchForm,
)

SLOTS_SHOWN = 24


def _slot_search(values) -> tuple[SlotSearchForm, object, object, list]:
    """Validate a doctor/service/day choice and list that doctor's next free slots for it."""
    pairs = offerings()
    search = SlotSearchForm(formdata=values)
    search.doctor.choices = [("", _("Choose a doctor"))] + [
        (str(d.public_id), d.display_name) for d in bookable_doctors()
    ]
    services = {s.code: s for _d, s in pairs}
    search.service.choices = [("", _("Choose a service"))] + [(code, localized(s)) for code, s in services.items()]
    if not values or not search.validate():
        return search, None, None, []
    doctor, service = find_doctor(search.doctor.data), find_service(search.service.data)
    if doctor is None or service is None or not offers(doctor, service):
        search.form_errors.append(_("This specialist does not provide this service."))
        return search, None, None, []
    slots = free_slots(doctor, service, utcnow(), limit=SLOTS_SHOWN, first_day=search.day.data)
    return search, doctor, service, slots


@bp.route("/patients/<patient_id>/book", methods=["GET", "POST"])
def book_for_patient(patient_id):
    """Book on a patient's behalf: pick a doctor and service, then one of the doctor's free slots."""
    record = get_patient_or_404(patient_id, current_user)
    form = SlotForm()
    status = 200
    if request.method == "POST":
        search, doctor, service, slots = _slot_search(
            MultiDict(
                {"doctor": form.doctor.data or "", "service": form.service.data or "", "day": form.day.data or ""}
            )
        )
        starts_at = parse_instant(form.starts_at.data or "")
        if not form.validate_on_submit() or starts_at is None:
            form.form_errors.append(_("Choose one of the free slots."))
            status = 422
        elif doctor is None:
            form.form_errors.extend(search.form_errors or [_("Choose a doctor and a service.")])
            status = 422
        else:
            try:
                book(record, doctor, service, starts_at, current_user)
            except BookingError as refused:
                status = refuse(form, refused)
                # Listed again (the refused slot may be gone) from the day reception was looking at.
                slots = free_slots(doctor, service, utcnow(), limit=SLOTS_SHOWN, first_day=search.day.data)
            else:
                flash(_("The appointment has been booked."), "success")
                return redirect(url_for("reception.patient", patient_id=record.public_id))
    else:
        search, doctor, service, slots = _slot_search(request.args if request.args else None)
        if search.errors:
            status = 422
    page = render_template(
        "reception/book.html",
        patient=record,
        search=search,
        form=form,
        doctor=doctor,
        service=service,
        slots=slots,
    )
    return page, status


@bp.route("/appointments/<appointment_id>/reschedule", methods=["GET", "POST"])
def reschedule_appointment(appointment_id):
    """Move an appointment to another free slot of the same doctor and service; when the rules refuse (in progress
    or over), the page says why instead of offering slots, and a POST answers 409."""
    appointment = get_appointment_or_404(appointment_id, current_user)
    form = RescheduleForm()
    day, malformed = parse_day(request.args.get("day"), current_user.timezone)
    status = 200
    if (refused := cancel_refusal(appointment, current_user)) is not None:
        status = refused.status if request.method == "POST" else 200
    elif form.validate_on_submit():
        starts_at = parse_instant(form.starts_at.data)
        if starts_at is None:
            form.form_errors.append(_("Choose one of the free slots."))
            status = 422
        else:
            patient = appointment.patient
            try:
                reschedule(appointment, starts_at, current_user)
            except BookingError as refused:
                status = refuse(form, refused)
            else:
                flash(_("The appointment has been moved."), "success")
                return redirect(url_for("reception.patient", patient_id=patient.public_id))
    elif request.method == "POST":
        form.form_errors.append(_("Choose one of the free slots."))
        status = 422
    slots = []
    # Looked at again: a refused move may have found the appointment started meanwhile.
    refused = cancel_refusal(appointment, current_user)
    if refused is None:
        if malformed:
            form.form_errors.append(_("The date was not understood; showing today."))
        slots = free_slots(appointment.doctor, appointment.service, utcnow(), limit=SLOTS_SHOWN, first_day=day)
    page = render_template(
        "reception/reschedule.html",
        appointment=appointment,
        form=form,
        slots=slots,
        refusal=None if refused is None else str(refused),
    )
    return page, status


@bp.route("/appointments/<appointment_id>/cancel", methods=["GET", "POST"])
def cancel_appointment(appointment_id):
    """Cancel an appointment that has not started, before or after the patients' cut-off; the reason is required.
    When the rules refuse (in progress or over) the page says why instead of showing the form; refused POSTs (also
    when the appointment changed since the page was loaded) answer 409 and audit nothing."""
    appointment = get_appointment_or_404(appointment_id, current_user)
    form = CancelForm()
    status = 200
    if (refused := cancel_refusal(appointment, current_user)) is not None:
        status = refused.status if request.method == "POST" else 200
    elif form.validate_on_submit():
        try:
            cancel(appointment, current_user, form.reason.data)
        except BookingError as refused:
            status = refuse(form, refused)
        else:
            flash(_("The appointment has been cancelled."), "success")
            return back_to_board(appointment)
    elif form.errors:
        status = 422
    # Looked at again: a refused cancellation may have found the appointment started meanwhile.
    refused = cancel_refusal(appointment, current_user)
    page = render_template(
        "reception/cancel.html",
        appointment=appointment,
        form=form,
        refusal=None if refused is None else str(refused),
    )
    return page, status
