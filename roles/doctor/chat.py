"""The doctor's chats: appointments with a chat, one appointment's chat beside the patient's record, extensions."""

from datetime import datetime, time, timedelta

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.clock import utcnow, zone_or_default
from app.extensions import db
from app.files.queries import patient_files
from app.models import Appointment, AppointmentStatus, ChatThread
from app.permissions import can_extend_chat, get_chat_appointment_or_404, joinable_chats, visible_files
from app.scheduling.chat_window import ExtensionRefused, extend_window, window_for
from app.scheduling.queries import patient_history_with
from app.ui.dates import format_when
from chat import service
from chat.pages import chat_appointments, relevance, render_room, threads_by_pair
from chat.rooms import announce_window
from roles.doctor import bp
from roles.doctor.files import markable_ids
from roles.doctor.forms import ExtendChatForm
from roles.forms import flash_refusal

# The chat list covers a month back (recently closed chats) and two weeks ahead (chats about to open).
LIST_DAYS_BACK = 30
LIST_DAYS_AHEAD = 14


@bp.get("/chats")
def chats():
    """Appointments whose chat is open, about to open or recently closed; each opens the pair's shared history."""
    now = utcnow()
    appointments = chat_appointments(
        joinable_chats(current_user)
        & (Appointment.status != AppointmentStatus.CANCELLED)
        & (Appointment.starts_at >= now - timedelta(days=LIST_DAYS_BACK))
        & (Appointment.starts_at <= now + timedelta(days=LIST_DAYS_AHEAD))
    )
    threads = threads_by_pair(ChatThread.doctor_id == current_user.id)
    rows = [(a, window_for(a), threads.get((a.patient_id, a.doctor_id))) for a in appointments]
    rows.sort(key=lambda row: relevance(row[0], row[1], now))
    return render_template("doctor/chats.html", rows=rows, unread=service.unread_by_thread(current_user), now=now)


def _chat_page(appointment: Appointment, extend_form: ExtendChatForm, status: int = 200):
    """The chat page with the questionnaire, earlier visits and files beside it, answering with `status`."""
    history = db.session.scalars(patient_history_with(current_user.id, appointment.patient_id, appointment.id)).all()
    files = db.session.scalars(patient_files(appointment.patient_id).where(visible_files(current_user))).all()
    page = render_room(
        appointment,
        "doctor/chat.html",
        history=history,
        files=files,
        markable=markable_ids(files),
        extend_form=extend_form,
    )
    return page, status


@bp.get("/appointments/<appointment_id>/chat")
def chat(appointment_id):
    """The chat of one of the doctor's appointments, with the questionnaire, earlier visits and files beside it."""
    appointment = get_chat_appointment_or_404(appointment_id, current_user, audit="view_chat")
    return _chat_page(appointment, ExtendChatForm())


@bp.post("/appointments/<appointment_id>/chat/extend")
def extend_chat(appointment_id):
    """Keep the chat open longer (+1 hour, +1 day, +1 week or until a date); everyone in it sees the new time."""
    appointment = get_chat_appointment_or_404(appointment_id, current_user)
    if not can_extend_chat(current_user, appointment):
        abort(404)
    form = ExtendChatForm()
    back = redirect(url_for("doctor.chat", appointment_id=appointment.public_id))
    if not form.validate_on_submit():
        # The page again with the reasons and 422, so a refused extension never looks like a done one.
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
        return _chat_page(appointment, ExtendChatForm(formdata=None), 422)
    now = utcnow()
    minutes = form.minutes.data
    if form.until.data is not None:
        # Until the end of that day in the doctor's own timezone.
        zone = zone_or_default(current_user.timezone)
        end = datetime.combine(form.until.data + timedelta(days=1), time(0), tzinfo=zone)
        minutes = int((end - max(window_for(appointment).closes_at, now)).total_seconds() // 60)
        if minutes <= 0:
            flash(_("The chat is already open until after that date."), "warning")
            return back
    try:
        window = extend_window(appointment, minutes, now, by=current_user)
    except ExtensionRefused as refusal:
        return _chat_page(appointment, ExtendChatForm(formdata=None), flash_refusal(refusal))
    announce_window(appointment, window)
    flash(_("The chat is now open until %(when)s.", when=format_when(window.closes_at)), "success")
    return back
