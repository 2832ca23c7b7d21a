"""The patient's chats: conversations grouped by doctor, and one appointment's chat."""

from flask import render_template
from flask_login import current_user

from app.models import Appointment, ChatThread
from app.permissions import get_chat_appointment_or_404, represented_patients
from chat import service
from chat.pages import chat_appointments, render_room, threads_by_pair
from chat.window import window_for
from roles.patient import bp


@bp.get("/chats")
def chats():
    """Conversations with each doctor, for the patient and their dependants, each listing its appointments."""
    patient_ids = [patient.id for patient in represented_patients(current_user)]
    threads = threads_by_pair(ChatThread.patient_id.in_(patient_ids))
    conversations: dict[tuple[int, int], dict] = {}
    for appointment in chat_appointments(Appointment.patient_id.in_(patient_ids)):
        pair = (appointment.patient_id, appointment.doctor_id)
        conversation = conversations.setdefault(
            pair,
            {"doctor": appointment.doctor, "patient": appointment.patient, "thread": threads.get(pair), "rows": []},
        )
        conversation["rows"].append((appointment, window_for(appointment)))
    return render_template(
        "patient/chats.html", conversations=list(conversations.values()), unread=service.unread_by_thread(current_user)
    )


@bp.get("/appointments/<appointment_id>/chat")
def chat(appointment_id):
    """The chat of one appointment with its doctor; history is shared with the pair's other appointments."""
    appointment = get_chat_appointment_or_404(appointment_id, current_user)
    return render_room(appointment, "patient/chat.html")
