"""Telling people about calls: every change reaches every open page of both sides, and each finished call leaves a
line in the appointment's chat."""

from app.extensions import socketio
from app.models import Call, CallState
from app.permissions import call_participants
from app.realtime import PERSONAL_NAMESPACE, emit_to_user
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
