"""What the chat pages of both cabinets show: history with appointment markers, the window and the lists."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import render_template
from flask_babel import format_datetime, get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from app.clock import iso
from app.extensions import db
from app.models import Appointment, ChatMessage, ChatReadMark, ChatThread, User
from app.permissions import has_chats
from app.scheduling.chat_window import ChatWindow, window_for
from app.ui.filters import localized
from chat import history, service
from chat.system_lines import system_templates, system_text


@dataclass
class Entry:
    """One line of the history: a message, or the marker where an appointment's part begins."""

    message: ChatMessage | None = None
    marker: Appointment | None = None
    read: bool = False


def marker_label(appointment: Appointment) -> str:
    """'12.11.2026, 10:00 · Therapist consultation' in the viewer's language and timezone."""
    return f"{format_datetime(appointment.starts_at, 'short')} · {localized(appointment.service)}"


def history_entries(messages: list[ChatMessage], current: Appointment, peer_read_id: int) -> list[Entry]:
    """Messages with a marker wherever the appointment changes, and one for the current appointment."""
    entries: list[Entry] = []
    previous_appointment = None
    for message in messages:
        if message.appointment_id != previous_appointment:
            entries.append(Entry(marker=message.appointment))
            previous_appointment = message.appointment_id
        entries.append(Entry(message=message, read=message.id <= peer_read_id))
    if previous_appointment != current.id:
        # Nothing written under this appointment yet: its part of the history starts here.
        entries.append(Entry(marker=current))
    return entries


def peer_read_id(thread: ChatThread, viewer: User) -> int:
    """How far the other side has read: the furthest read mark of anyone but the viewer."""
    return (
        db.session.scalar(
            sa.select(sa.func.max(ChatReadMark.last_read_id)).where(
                ChatReadMark.thread_id == thread.id, ChatReadMark.user_id != viewer.id
            )
        )
        or 0
    )


def render_room(appointment: Appointment, template: str, **context) -> str:
    """The chat page of one appointment for its patient or its doctor."""
    thread = service.thread_for(appointment)
    appointments = history.pair_appointments(thread)
    messages = history.latest(thread)
    window = window_for(appointment)
    return render_template(
        template,
        appointment=appointment,
        thread=thread,
        window=window,
        entries=history_entries(messages, appointment, peer_read_id(thread, current_user)),
        markers={str(a.public_id): marker_label(a) for a in appointments},
        window_data=window.as_dict(),
        oldest=str(messages[0].public_id) if messages else "",
        more=len(messages) == history.PAGE_SIZE,
        iso=iso,
        **context,
    )


def chat_appointments(condition, limit: int = 100) -> list[Appointment]:
    """Appointments for a chat list, newest first, with what the rows show loaded."""
    return db.session.scalars(
        sa.select(Appointment)
        .options(joinedload(Appointment.patient), joinedload(Appointment.service), joinedload(Appointment.doctor))
        .where(condition)
        .order_by(Appointment.starts_at.desc())
        .limit(limit)
    ).all()


def relevance(appointment: Appointment, window: ChatWindow, now) -> tuple:
    """Sort key for chat lists: open chats first, then those about to open, then closed; nearest in time first."""
    return (not window.is_open(now), not window.not_yet_open(now), abs(appointment.starts_at - now))


def latest_message_ids(thread_ids: list[int]) -> dict[int, int]:
    """The newest message of each thread (ids grow with time), for ordering conversations by recent talk."""
    if not thread_ids:
        return {}
    rows = db.session.execute(
        sa.select(ChatMessage.thread_id, sa.func.max(ChatMessage.id))
        .where(ChatMessage.thread_id.in_(thread_ids))
        .group_by(ChatMessage.thread_id)
    ).all()
    return dict(rows)


def threads_by_pair(condition) -> dict[tuple[int, int], ChatThread]:
    """Existing threads keyed by (patient id, doctor id)."""
    threads = db.session.scalars(sa.select(ChatThread).where(condition)).all()
    return {(thread.patient_id, thread.doctor_id): thread for thread in threads}


def chat_texts() -> dict:
    """Every sentence the chat scripts (js/chat/) may show, in the page's language (scripts carry no strings)."""
    return {
        # What a refusal says, by the code its acknowledgement carries.
        **{code: str(message) for code, (message, _status) in service.REFUSALS.items()},
        "upload_failed": _("The file could not be sent."),
        "sending": _("Sending…"),
        "offline": _("No connection. Messages will be sent when it is back."),
        "guardian_of": _("guardian of %(name)s", name="{name}"),
        "read": _("Read"),
        "lab_result": _("Test result"),
        "typing": _("%(name)s is typing…", name="{name}"),
        "open_until": _("The chat is open until %(when)s.", when="{when}"),
        "opens_at": _("The chat opens %(when)s. Until then you can read the history.", when="{when}"),
        "closed_at": _("The chat closed %(when)s. The history stays readable.", when="{when}"),
        "cancelled": _("The appointment was cancelled, so its chat is closed. The history stays readable."),
        "system": system_templates(),
    }


def register(app) -> None:
    """Template helpers for the navbar's unread badge and the chat page."""

    @app.template_global()
    def chat_user() -> bool:
        """The signed-in user has chats (patients and doctors)."""
        return has_chats(current_user)

    @app.template_global()
    def unread_messages() -> int:
        """The signed-in user's unread messages in all their threads."""
        return sum(service.unread_by_thread(current_user).values())

    @app.template_global()
    def current_timezone() -> str:
        """The viewer's timezone name, for times formatted in the browser."""
        return str(get_timezone())

    app.add_template_global(chat_texts)
    app.add_template_global(system_text)
