"""Room names, built only by the server, and the events it sends to them (through Redis across processes)."""

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.extensions import db, socketio
from app.models import Appointment, ChatMessage, ChatThread, StoredFile, User
from app.realtime import PERSONAL_NAMESPACE, emit_to_user, guard_rooms
from app.scheduling.chat_window import ChatWindow
from chat.service import participants, unread_of_readers, unread_summary

NAMESPACE = PERSONAL_NAMESPACE
THREAD_ROOM = "thread:"


def thread_room(thread: ChatThread) -> str:
    """Everyone reading the pair's history: messages and read receipts."""
    return f"{THREAD_ROOM}{thread.public_id}"


def may_stay_in_thread(user: User, room: str) -> bool:
    """Still reads the thread whose room this is (asked when the user's access is withdrawn, e.g. a guardianship
    ended): the thread's participants are exactly who may join any of the pair's appointments' chat."""
    try:
        public_id = uuid.UUID(room.removeprefix(THREAD_ROOM))
    except ValueError:
        return False
    thread = db.session.scalar(sa.select(ChatThread).where(ChatThread.public_id == public_id))
    return thread is not None and any(person.id == user.id for person in participants(thread))


guard_rooms(THREAD_ROOM, may_stay_in_thread)


def deliver_message(thread: ChatThread, payload: dict, author: User) -> None:
    """Send a stored message to the thread's room and fresh unread counts to everyone else who reads it."""
    socketio.emit("message", payload, to=thread_room(thread), namespace=NAMESPACE)
    for user_id, summary in unread_of_readers(thread, author).items():
        emit_to_user(user_id, "unread", summary, namespace=NAMESPACE)


def push_unread(users: list[User | sa.Row]) -> None:
    """Tell each user's open pages (users or participants' rows) their current unread counts."""
    for user in users:
        emit_to_user(user.id, "unread", unread_summary(user), namespace=NAMESPACE)


def announce_read(thread: ChatThread, reader: User, up_to: str) -> None:
    """A read receipt for the others in the thread, and the reader's own new counts for their other pages."""
    socketio.emit("read", {"user": str(reader.public_id), "up_to": up_to}, to=thread_room(thread), namespace=NAMESPACE)
    push_unread([reader])


def announce_lab_mark(stored: StoredFile) -> None:
    """A file's lab-result mark changed: everyone in the thread it was sent in sees the message's mark change."""
    message = db.session.scalar(
        sa.select(ChatMessage).options(joinedload(ChatMessage.thread)).where(ChatMessage.file_id == stored.id)
    )
    if message is None:
        return  # uploaded but never sent: no chat shows it
    payload = {
        "thread": str(message.thread.public_id),
        "message": str(message.public_id),
        "file": str(stored.public_id),
        "lab_result": stored.marked_lab_result,
    }
    socketio.emit("lab_result", payload, to=thread_room(message.thread), namespace=NAMESPACE)


def window_payload(appointment: Appointment, window: ChatWindow) -> dict:
    """An appointment's chat window as clients receive it, naming the appointment (pages may show several)."""
    return {**window.as_dict(), "appointment": str(appointment.public_id)}


def announce_window(appointment: Appointment, window: ChatWindow) -> None:
    """The new closing time, at once, on every open page of everyone in the appointment's chat."""
    payload = window_payload(appointment, window)
    for person in participants(appointment):
        emit_to_user(person.id, "window", payload, namespace=NAMESPACE)
