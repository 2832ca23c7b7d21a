"""Namespace /chat: the realtime contract of docs/realtime.md (also the mobile app's API)."""

from flask import current_app
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, Namespace, emit, join_room

from app import audit
from app.database import use_autocommit
from app.events import ID, NUMBER, OPTIONAL_ID, OPTIONAL_NUMBER, TEXT, in_autocommit, takes
from app.extensions import db, socketio
from app.models import Appointment
from app.permissions import can_extend_chat
from app.realtime import admits, join_personal_room, release_connection
from app.refusals import Refusal
from app.scheduling.chat_window import extend_window, window_for
from chat import history, service
from chat.access import chat_appointment, joined_appointment
from chat.rooms import (
    NAMESPACE,
    announce_read,
    announce_window,
    deliver_message,
    thread_room,
    window_payload,
)
from chat.wire import message_payload


def _appointment(data: dict) -> Appointment:
    """The appointment named in an event's checked payload, if the signed-in user takes part in its chat; otherwise
    not_found."""
    appointment = chat_appointment(current_user, data["appointment"])
    # Another person's appointment looks exactly like one that does not exist.
    if appointment is None:
        raise service.ChatRefused("not_found")
    return appointment


def _marks_lab_result(data) -> bool:
    """A send whose attachment is marked as a lab result: the mark and the message are written together."""
    return isinstance(data, dict) and bool(data.get("lab_result"))


class ChatNamespace(Namespace):
    """Chat events; each checks the same predicate the pages use, every time."""

    @admits
    def on_connect(self, auth=None):
        """Every signed-in user of any role connects; each joins their personal room (unread counts, windows)."""
        use_autocommit()  # reads only
        if not current_user.is_authenticated:
            raise ConnectionRefusedError("unauthorized")
        join_personal_room()
        emit("unread", service.unread_summary(current_user))

    def on_disconnect(self, reason=None):
        """The connection no longer counts against the process's limit."""
        release_connection()

    @in_autocommit()
    @takes(appointment=ID)
    def on_join(self, data):
        """Enter an appointment's chat: the window, the latest history and the unread count."""
        # The audit record commits; what was loaded here still describes the chat afterwards (see on_send).
        db.session().expire_on_commit = False
        joined = joined_appointment(current_user, data["appointment"])
        if joined is None:
            raise service.ChatRefused("not_found")
        appointment, unread = joined
        thread = service.thread_for(appointment)
        join_room(thread_room(thread))
        audit.record("view_chat", appointment, appointment.patient, current_user)
        return {
            "ok": True,
            "thread": str(thread.public_id),
            "appointment": str(appointment.public_id),
            "window": window_payload(appointment, window_for(appointment)),
            "messages": history.latest_payloads(thread, appointment.patient),
            "unread": unread,
            "me": str(current_user.public_id),
        }

    @in_autocommit()
    @takes(appointment=ID, before=ID, limit=OPTIONAL_NUMBER)
    def on_history(self, data):
        """An older page of the thread, before a given message."""
        appointment = _appointment(data)
        thread = service.thread_for(appointment)
        limit = data.get("limit", history.PAGE_SIZE)
        return {"ok": True, "messages": history.older_payloads(thread, appointment.patient, data["before"], limit)}

    @in_autocommit()
    @takes(appointment=ID, after=OPTIONAL_ID)
    def on_catch_up(self, data):
        """Everything after the last message the client has, in order (after a reconnect)."""
        appointment = _appointment(data)
        thread = service.thread_for(appointment)
        return {"ok": True, "messages": history.newer_payloads(thread, appointment.patient, data.get("after"))}

    @in_autocommit(unless=_marks_lab_result)
    @takes(appointment=ID, client_id=ID, text=TEXT, file=OPTIONAL_ID)
    def on_send(self, data):
        """Store the message, then deliver it; a repeated client_id returns the stored message and delivers it again."""
        # The rows loaded here describe the message after its commit too; reloading them all (the default after a
        # commit) would double this handler's queries. The session ends with the event.
        db.session().expire_on_commit = False
        appointment = _appointment(data)
        message, _created = service.send_message(
            current_user,
            appointment,
            data.get("client_id"),
            data.get("text") or "",
            data.get("file"),
            lab_result=data.get("lab_result", False),
        )
        thread = message.thread
        payload = message_payload(message, thread)
        # A re-send is delivered again too: the process that stored it may have died before delivering it (the
        # sender never got its answer either, which is why it sends again). Clients keep one message per id.
        deliver_message(thread, payload, current_user)
        return {"ok": True, "message": payload}

    @in_autocommit()
    @takes(appointment=ID, up_to=ID)
    def on_read(self, data):
        """Move the reader's mark forward and tell the room."""
        appointment = _appointment(data)
        thread = service.thread_for(appointment)
        if service.mark_read(current_user, thread, data.get("up_to")) is not None:
            announce_read(thread, current_user, str(data.get("up_to")))
        return {"ok": True}

    @in_autocommit()
    @takes(appointment=ID)
    def on_typing(self, data):
        """Tell the others in the thread that this user is typing (no storage; clients show it for a few seconds)."""
        appointment = _appointment(data)
        thread = service.thread_for(appointment)
        payload = {"user": str(current_user.public_id), "name": current_user.display_name}
        emit("typing", payload, to=thread_room(thread), include_self=False)
        return {"ok": True}

    @takes(appointment=ID, minutes=NUMBER)
    def on_extend(self, data):
        """The appointment's doctor keeps the chat open longer; the room sees the new closing time."""
        appointment = _appointment(data)
        if not can_extend_chat(current_user, appointment):
            raise service.ChatRefused("not_found")
        window = extend_window(appointment, data.get("minutes"), by=current_user)
        announce_window(appointment, window)
        return {"ok": True, "window": window_payload(appointment, window)}


chat_namespace = ChatNamespace(NAMESPACE)
socketio.on_namespace(chat_namespace)


@socketio.on_error(NAMESPACE)
def chat_error(error):
    """A refusal (the chat's or the window's) answers {ok: false, error}; an unexpected failure answers server_error
    and is logged."""
    db.session.rollback()
    if not isinstance(error, Refusal):
        # Nothing was acknowledged, so the client re-sends with the same client_id and nothing is doubled.
        current_app.logger.error("chat event failed", exc_info=error)
        error = service.ChatRefused("server_error")
    return error.as_ack()
