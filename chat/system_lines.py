"""The lines the clinic writes into a thread (a call, a signed document): stable codes, shown in the reader's language.

A system line is stored as its code and parameters, never as finished text, so the patient reads it in Russian
while the doctor reads it in English, and a corrected translation reaches old lines too.
"""

import uuid

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.clock import utcnow
from app.extensions import db
from app.models import Appointment, ChatMessage, MessageKind, User
from chat import service
from chat.rooms import deliver_message
from chat.wire import message_payload

# code -> sentence; the %(name)s placeholders are the parameters `post_system_line` must be given.
SYSTEM_LINES = {
    "call_started": _l("Video call started."),
    "call_ended": _l("Video call ended after %(minutes)s min."),
    "call_missed": _l("Missed video call."),
    "call_declined": _l("Video call declined."),
    "call_cancelled": _l("Video call cancelled before it was answered."),
    "call_failed": _l("Video call failed: the connection could not be established."),
    "document_signed": _l("Document signed: %(title)s."),
}


def system_text(code: str, params: dict | None) -> str:
    """A stored system line in the current language; an unknown code (from a newer release) shows a neutral line."""
    sentence = SYSTEM_LINES.get(code)
    if sentence is None:
        return _("Clinic notice.")
    return str(sentence) % (params if params is not None else {})


def system_templates() -> dict[str, str]:
    """Every system line in the current language with `{name}` placeholders, for scripts rendering live lines."""
    return {code: system_text(code, _Placeholders()) for code in SYSTEM_LINES}


class _Placeholders(dict):
    """Answers every %(name)s with `{name}`, the placeholder form scripts fill in."""

    def __missing__(self, key: str) -> str:
        """The placeholder for one parameter."""
        return f"{{{key}}}"


def post_system_line(appointment: Appointment, actor: User, code: str, **params) -> ChatMessage:
    """Store a line the clinic writes into the appointment's thread (code and parameters), then deliver it live.

    `actor` is who caused it (the doctor who signed, the caller): the line is unread for everyone else. It is
    written whether or not the chat window is open, since it records what happened.
    """
    if code not in SYSTEM_LINES:
        raise ValueError(f"unknown system line {code!r}")
    system_text(code, params)  # a missing parameter fails here, for the caller, not later on every reader's page
    thread = service.thread_for(appointment)
    message = ChatMessage(
        public_id=uuid.uuid4(),
        thread=thread,
        appointment=appointment,
        author=actor,
        client_id=uuid.uuid4(),
        kind=MessageKind.SYSTEM,
        text=code,
        params=params,
        sent_at=utcnow(),
    )
    db.session.add(message)
    db.session.commit()
    deliver_message(thread, message_payload(message, thread), actor)
    return message
