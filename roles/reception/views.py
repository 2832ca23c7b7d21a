"""Reception back-office pages: the day board, the patient registry, booking and guardianships."""

from datetime import timedelta
from functools import partial
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app.audit import record_access
from app.database import utcnow
from app.extensions import db
from app.models import Appointment, Guardianship, PatientProfile, Role, Sex, User
from app.permissions import get_appointment_or_404, get_patient_or_404, parse_uuid
from app.presentation import localized
from app.scheduling.booking import BookingError, book, cancel, cancel_refusal, offers, reschedule
from app.scheduling.slots import free_slots
from app.scheduling.status import StatusChangeRefused, apply_action, available_actions
from roles.queries import appointments_between, past_for_patient, upcoming_for_patient
from roles.reception import bp
from roles.reception.forms import (
    ActionForm,
    CancelForm,
    GuardianshipForm,
    PatientForm,
    RescheduleForm,
    SlotForm,
    SlotSearchForm,
)
from roles.reception.services import (
    bookable_doctors,
    find_doctor,
    find_patient_account,
    find_service,
    offerings,
    search_patients,
)
from roles.time import day_bounds_utc, local_today, parse_day, parse_instant

SLOTS_SHOWN = 24


def _search_results():
    """Run the registry search for the `q` parameter."""
    query = request.args.get("q", "").strip()
    return query, search_patients(query)


def _actions_at(now):
    """For the appointment tables: the status actions reception may take on an appointment at `now`."""
    return partial(available_actions, role=Role.RECEPTION, now=now)


def _board(day, status: int = 200):
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
        reception_actions=_actions_at(now),
        query=query,
        results=results,
    )
    return page, status


def _local_day(appointment: Appointment):
    """The appointment's date as reception sees it, to return to the right board."""
    return appointment.starts_at.astimezone(ZoneInfo(current_user.timezone)).date()


def _back_to_board(appointment: Appointment):
    """Redirect to the board of the appointment's day."""
    return redirect(url_for("reception.dashboard", date=_local_day(appointment).isoformat()))


@bp.get("/")
def dashboard():
    """Appointments of one local day across all doctors (today by default), and the patient search."""
    day, malformed = parse_day(request.args.get("date"), current_user.timezone)
    if malformed:
        flash(_("The date was not understood; showing today."), "warning")
    return _board(day)


@bp.get("/patients/search")
def patient_search():
    """Search results as a fragment, refreshed as reception types."""
    query, results = _search_results()
    return render_template("reception/_search_results.html", query=query, results=results)


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
        past=past_for_patient(record, now),
        guardians=guardians,
        guardian_form=guardian_form or GuardianshipForm(formdata=None),
        action_form=ActionForm(),
        reception_actions=_actions_at(now),
        now=now,
    )
    return page, status


@bp.get("/patients/<patient_id>")
def patient(patient_id):
    """A patient's registry card with appointments and guardians; opening it is audited."""
    record = get_patient_or_404(patient_id, current_user)
    record_access("view_patient", record, record)
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
        record_access("register_patient", record, record)
        flash(_("The patient has been registered."), "success")
        return redirect(url_for("reception.patient", patient_id=record.public_id))
    status = 422 if form.errors else 200
    return render_template("reception/patient_form.html", form=form, patient=None), status


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
        record_access("edit_patient", record, record)
        flash(_("The patient's record has been saved."), "success")
        return redirect(url_for("reception.patient", patient_id=record.public_id))
    status = 422 if form.errors else 200
    return render_template("reception/patient_form.html", form=form, patient=record), status


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
                appointment = book(record, doctor, service, starts_at, current_user)
            except BookingError as refused:
                form.form_errors.append(str(refused))
                status = refused.http_status
                # Listed again (the refused slot may be gone) from the day reception was looking at.
                slots = free_slots(doctor, service, utcnow(), limit=SLOTS_SHOWN, first_day=search.day.data)
            else:
                record_access("book_appointment", appointment, record)
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
    if cancel_refusal(appointment, current_user) is not None:
        status = 409 if request.method == "POST" else 200
    elif form.validate_on_submit():
        starts_at = parse_instant(form.starts_at.data)
        if starts_at is None:
            form.form_errors.append(_("Choose one of the free slots."))
            status = 422
        else:
            patient = appointment.patient
            try:
                moved = reschedule(appointment, starts_at, current_user)
            except BookingError as refused:
                form.form_errors.append(str(refused))
                status = refused.http_status
            else:
                record_access("reschedule_appointment", moved, patient)
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
    if cancel_refusal(appointment, current_user) is not None:
        status = 409 if request.method == "POST" else 200
    elif form.validate_on_submit():
        try:
            cancel(appointment, current_user, form.reason.data)
        except BookingError as refused:
            form.form_errors.append(str(refused))
            status = 409
        else:
            record_access("cancel_appointment", appointment, appointment.patient)
            flash(_("The appointment has been cancelled."), "success")
            return _back_to_board(appointment)
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


def _change_status(appointment_id, action: str, audit: str, done: str):
    """Take a status action from a list button under the rules both cabinets share; refusals show on the board
    with 409, and only a change that happened is audited."""
    appointment = get_appointment_or_404(appointment_id, current_user)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        apply_action(appointment, action, Role.RECEPTION)
    except StatusChangeRefused as refused:
        flash(str(refused), "danger")
        return _board(_local_day(appointment), status=409)
    record_access(audit, appointment, appointment.patient)
    flash(done, "success")
    return _back_to_board(appointment)


@bp.post("/appointments/<appointment_id>/arrived")
def appointment_arrived(appointment_id):
    """Record the time the patient arrived; the status stays booked or confirmed until the doctor starts."""
    return _change_status(appointment_id, "arrive", "mark_arrived", _("Marked as arrived."))


@bp.post("/appointments/<appointment_id>/no-show")
def appointment_no_show(appointment_id):
    """Mark that the patient did not come; allowed only after the start time and without a recorded arrival."""
    return _change_status(appointment_id, "no_show", "mark_no_show", _("Marked as a no-show."))


@bp.post("/patients/<patient_id>/guardians")
def add_guardian(patient_id):
    """Record a guardian (an existing patient account) for a patient, with the legal basis."""
    record = get_patient_or_404(patient_id, current_user)
    form = GuardianshipForm()
    if not form.validate_on_submit():
        return _card(record, form, status=422)
    guardian = find_patient_account(form.email.data)
    if guardian is None:
        form.email.errors.append(_("There is no patient account with this e-mail."))
        return _card(record, form, status=422)
    if guardian.id == record.user_id:
        form.email.errors.append(_("A patient cannot be their own guardian."))
        return _card(record, form, status=422)
    link = db.session.scalar(
        sa.select(Guardianship).where(Guardianship.guardian_id == guardian.id, Guardianship.patient_id == record.id)
    )
    if link is not None and link.active:
        form.email.errors.append(_("This guardian is already recorded."))
        return _card(record, form, status=409)
    if link is None:
        # The pair is unique, so an ended guardianship is renewed rather than recorded twice.
        link = Guardianship(guardian=guardian, patient=record)
        db.session.add(link)
    link.legal_basis = form.legal_basis.data.strip()
    link.recorded_by = current_user
    link.active = True
    db.session.commit()
    record_access("record_guardianship", link, record)
    flash(_("The guardian has been recorded."), "success")
    return redirect(url_for("reception.patient", patient_id=record.public_id))


@bp.post("/patients/<patient_id>/guardians/<guardian_id>/end")
def end_guardian(patient_id, guardian_id):
    """End a guardianship: the guardian can no longer act for the patient."""
    record = get_patient_or_404(patient_id, current_user)
    link = db.session.scalar(
        sa.select(Guardianship)
        .join(User, User.id == Guardianship.guardian_id)
        .where(Guardianship.patient_id == record.id, User.public_id == parse_uuid(guardian_id))
    )
    if link is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    if link.active:
        link.active = False
        db.session.commit()
        record_access("end_guardianship", link, record)
        flash(_("The guardianship has been ended."), "success")
    return redirect(url_for("reception.patient", patient_id=record.public_id))
