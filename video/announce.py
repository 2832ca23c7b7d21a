"""Telling people about calls: every change reaches every open page of both sides, and each finished call leaves a
line in the appointment's chat."""

import uuid

import sqlalchemy as sa

from app.extensions import db, socketio
from app.models import Call, CallState, User
from app.permissions import call_participants, can_see_call
from app.realtime import PERSONAL_NAMESPACE, emit_to_user, guard_rooms
from chat.system_lines import post_system_line
from video.wire import call_payload

NAMESPACE = "/call"
CALL_ROOM = "call:"

# The chat line each final state leaves (the start is written when media first flows).
FINAL_LINES = {
    CallState.DECLINED: "call_declined",
    CallState.MISSED: "call_missed",
    CallState.CANCELLED: "call_cancelled",
    CallState.FAILED: "call_failed",
}


def may_stay_in_call(user: User, room: str) -> bool:
    """Still takes part in the call whose room this is (asked when the user's access is withdrawn, e.g. an ended
    guardianship): the doctor, or whoever may still answer for the patient."""
    try:
        public_id = uuid.UUID(room.removeprefix(CALL_ROOM))
    except ValueError:
        return False
    call = db.session.scalar(sa.select(Call).where(Call.public_id == public_id))
    return call is not None and can_see_call(user, call)


guard_rooms(CALL_ROOM, may_stay_in_call)


def call_room(call: Call) -> str:
    """The room of the call's two sockets (the doctor's and the one that answered): signals travel only here."""
    return f"{CALL_ROOM}{call.public_id}"


def announce(call: Call) -> dict:
    """Send the call as it is now to every page of the doctor, the patient and their guardians; returns it."""
    payload = call_payload(call)
    for user_id in call_participants(call):
        emit_to_user(user_id, "call", payload, namespace=PERSONAL_NAMESPACE)
    return payload


def ring(call: Call) -> None:
    """Ring again on every page of the patient's side (the refresh that keeps a page ringing)."""
    payload = call_payload(call)
    for user_id in call_participants(call)[1:]:
        emit_to_user(user_id, "call", payload, namespace=PERSONAL_NAMESPACE)


def after_change(call: Call) -> dict:
    """Everything a state change causes: the announcement, the chat line, and an empty room once it is over."""
    payload = announce(call)
    if call.state == CallState.CONNECTED:
        post_system_line(call.appointment, call.caller, "call_started")
    elif call.state == CallState.ENDED:
        post_system_line(call.appointment, call.caller, "call_ended", minutes=call.minutes)
    elif call.state in FINAL_LINES:
        post_system_line(call.appointment, call.caller, FINAL_LINES[call.state])
    if not call.is_live:
        socketio.close_room(call_room(call), namespace=NAMESPACE)
    return payload
