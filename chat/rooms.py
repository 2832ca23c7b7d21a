"""Room names, built only by the server, and the events it sends to them (through Redis across processes)."""

from app.extensions import socketio
from app.models import Appointment, ChatThread, User
from app.scheduling.chat_window import ChatWindow
from chat.service import participants, unread_summary

NAMESPACE = "/chat"


def thread_room(thread: ChatThread) -> str:
    """Everyone reading the pair's history: messages and read receipts."""
    return f"thread:{thread.public_id}"


def appointment_room(appointment: Appointment) -> str:
    """Everyone in one appointment's chat: its window changes."""
    return f"appointment:{appointment.public_id}"


def user_room(user: User) -> str:
    """Every connection of one user, from any page: unread counts."""
    return f"user:{user.public_id}"


def deliver_message(thread: ChatThread, payload: dict, author: User) -> None:
    """Send a stored message to the thread's room and fresh unread counts to everyone else who reads it."""
    socketio.emit("message", payload, to=thread_room(thread), namespace=NAMESPACE)
    push_unread([person for person in participants(thread) if person.id != author.id])


def push_unread(users: list[User]) -> None:
    """Tell each user's open pages their current unread counts."""
    for user in users:
        socketio.emit("unread", unread_summary(user), to=user_room(user), namespace=NAMESPACE)


def announce_read(thread: ChatThread, reader: User, up_to: str) -> None:
    """A read receipt for the others in the thread, and the reader's own new counts for their other pages."""
    socketio.emit("read", {"user": str(reader.public_id), "up_to": up_to}, to=thread_room(thread), namespace=NAMESPACE)
    push_unread([reader])


def announce_window(appointment: Appointment, window: ChatWindow) -> None:
    """The new closing time, at once, for everyone in the appointment's chat."""
    socketio.emit("window", window.as_dict(), to=appointment_room(appointment), namespace=NAMESPACE)
