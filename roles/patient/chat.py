"""The patient's chats: conversations grouped by doctor, and one appointment's chat."""

from datetime import datetime

from flask import render_template
from flask_login import current_user

from app.clock import utcnow
from app.models import ChatThread
from app.permissions import get_chat_appointment_or_404, joinable_chats, represented_patients
from app.scheduling.chat_window import window_for
from chat import service
from chat.pages import chat_appointments, latest_message_ids, relevance, render_room, threads_by_pair
from roles.patient import bp

# Each conversation lists its most relevant appointments; the shared history is the same from any of them.
ROWS_PER_CONVERSATION = 3


@bp.get("/chats")
def chats():
    """Conversations with each doctor, for the patient and their dependants; open chats and recent talk first."""
    now = utcnow()
    patient_ids = [patient.id for patient in represented_patients(current_user)]
    threads = threads_by_pair(ChatThread.patient_id.in_(patient_ids))
    conversations: dict[tuple[int, int], dict] = {}
    for appointment in chat_appointments(joinable_chats(current_user)):
        pair = (appointment.patient_id, appointment.doctor_id)
        conversation = conversations.setdefault(
            pair,
            {"doctor": appointment.doctor, "patient": appointment.patient, "thread": threads.get(pair), "rows": []},
        )
        conversation["rows"].append((appointment, window_for(appointment)))
    latest = latest_message_ids([thread.id for thread in threads.values()])
    for conversation in conversations.values():
        conversation["latest_message"] = latest.get(conversation["thread"].id, 0) if conversation["thread"] else 0
        conversation["rows"].sort(key=lambda row: relevance(row[0], row[1], now))
        conversation["more"] = max(0, len(conversation["rows"]) - ROWS_PER_CONVERSATION)
        conversation["rows"] = conversation["rows"][:ROWS_PER_CONVERSATION]
    ordered = sorted(conversations.values(), key=lambda c: _conversation_order(c, now))
    return render_template("patient/chats.html", conversations=ordered, unread=service.unread_by_thread(current_user))


def _conversation_order(conversation: dict, now: datetime) -> tuple:
    """Conversations with an open chat first, then by the latest message, then by the nearest appointment."""
    first, window = conversation["rows"][0]
    return (not window.is_open(now), -conversation["latest_message"], abs(first.starts_at - now))


@bp.get("/appointments/<appointment_id>/chat")
def chat(appointment_id):
    """The chat of one appointment with its doctor; history is shared with the pair's other appointments."""
    appointment = get_chat_appointment_or_404(appointment_id, current_user, audit="view_chat")
    return render_room(appointment, "patient/chat.html")
