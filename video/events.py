"""Namespace /call: placing, answering and ending calls, and relaying WebRTC signals (docs/realtime.md, "/call").

Every event reloads the call and checks that the signed-in user takes part in it; anyone else is told not_found
and gets neither signals nor ICE servers. Signals travel only in the call's room, which holds the doctor's socket
and the one socket of the patient's side whose accept won.
"""

import uuid
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, request
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, Namespace, emit, join_room, leave_room

from app.calls import states
from app.calls.ice import ice_servers
from app.calls.states import CallRefused, Side
from app.clock import utcnow
from app.events import ID, TEXT, takes
from app.extensions import db, socketio
from app.models import Appointment, Call
from app.permissions import find_call
from app.realtime import join_personal_room
from app.refusals import Refusal
from video.announce import CALL_ROOM, NAMESPACE, after_change, call_room
from video.ticker import ensure_running, ringing_here
from video.wire import call_payload

# The longest session description and candidate line a browser sends (an SDP is a few kilobytes).
LONGEST_SDP = 100_000
LONGEST_CANDIDATE = 2_000
DESCRIPTION_TYPES = ("offer", "answer", "pranswer", "rollback")


def _call(data: dict) -> Call:
    """The call named in a checked payload, if the signed-in user takes part in it; otherwise not_found."""
    call = find_call(current_user, data["call"])
    if call is None:
        raise CallRefused("not_found")
    return call


def _ice(call: Call) -> list[dict]:
    """ICE servers for this participant of this call, TURN credentials valid for the longest call."""
    lifetime = timedelta(minutes=current_app.config["CALL_MAX_MINUTES"])
    return ice_servers(f"call-{call.public_id}-{current_user.public_id}", lifetime)


def _short_text(value, longest: int) -> bool:
    """A string without NUL of at most `longest` characters."""
    return isinstance(value, str) and len(value) <= longest and "\x00" not in value


def _description(value) -> dict:
    """A session description ({type, sdp}) rebuilt from its checked fields, or bad_request."""
    if not isinstance(value, dict) or value.get("type") not in DESCRIPTION_TYPES:
        raise CallRefused("bad_request")
    sdp = value.get("sdp", "")
    if not _short_text(sdp, LONGEST_SDP) or (value["type"] != "rollback" and not sdp):
        raise CallRefused("bad_request")
    return {"type": value["type"], "sdp": sdp}


def _candidate(value) -> dict | None:
    """An ICE candidate ({candidate, sdpMid, sdpMLineIndex, usernameFragment}) rebuilt from its checked fields;
    None is the end of candidates. Anything else is bad_request."""
    if value is None:
        return None
    if not isinstance(value, dict) or not _short_text(value.get("candidate"), LONGEST_CANDIDATE):
        raise CallRefused("bad_request")
    mid, index, fragment = value.get("sdpMid"), value.get("sdpMLineIndex"), value.get("usernameFragment")
    if mid is not None and not _short_text(mid, 64):
        raise CallRefused("bad_request")
    if index is not None and (isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < 1024):
        raise CallRefused("bad_request")
    if fragment is not None and not _short_text(fragment, 256):
        raise CallRefused("bad_request")
    return {"candidate": value["candidate"], "sdpMid": mid, "sdpMLineIndex": index, "usernameFragment": fragment}


class CallNamespace(Namespace):
    """Call events; each reloads the call and checks its predicate, every time."""

    def on_connect(self, auth=None):
        """Signed-in users only; the first connection starts this process's call clock."""
        if not current_user.is_authenticated:
            raise ConnectionRefusedError("unauthorized")
        # Nothing is sent to this room on /call; it is how a withdrawal of access finds the user's /call sockets
        # (app.realtime.recheck_connections) and takes them out of calls they may no longer take part in.
        join_personal_room()
        ensure_running(current_app._get_current_object())

    def on_disconnect(self, reason=None):
        """A socket in a call left (a reload, a lost network): its side may rejoin an answered call within
        CALL_REJOIN_SECONDS; a ringing call whose doctor's socket left is cancelled."""
        now = utcnow()
        for room in socketio.server.rooms(request.sid, NAMESPACE):
            if not room.startswith(CALL_ROOM):
                continue
            try:
                public_id = uuid.UUID(room.removeprefix(CALL_ROOM))
            except ValueError:
                continue
            call = db.session.scalar(sa.select(Call).where(Call.public_id == public_id))
            if call is None:
                continue
            if states.caller_left(call, request.sid, now):
                after_change(call)  # the patient's pages stop ringing now, not at ring_until
                continue
            for side in (Side.CALLER, Side.ANSWERER):
                states.left(call, side, request.sid, now)

    @takes(appointment=ID)
    def on_start(self, data):
        """The appointment's doctor calls its patient: a new call rings on every page of the patient's side."""
        appointment = db.session.scalar(
            sa.select(Appointment).where(Appointment.public_id == uuid.UUID(data["appointment"]))
        )
        if appointment is None:
            raise CallRefused("not_found")
        call, replaced = states.start(appointment, current_user, utcnow(), request.sid)
        for old in replaced:
            leave_room(call_room(old))
            after_change(old)
        join_room(call_room(call))
        ringing_here(call)
        payload = after_change(call)
        return {"ok": True, "call": payload, "ice_servers": _ice(call)}

    @takes(call=ID)
    def on_accept(self, data):
        """The patient (or a guardian) answers; the first accept wins and this socket joins the call."""
        call = _call(data)
        states.take(call, "accept", current_user, utcnow(), connection=request.sid)
        join_room(call_room(call))
        payload = after_change(call)
        return {"ok": True, "call": payload, "ice_servers": _ice(call)}

    @takes(call=ID)
    def on_decline(self, data):
        """The patient's side declines a ringing call."""
        return self._act(data, "decline")

    @takes(call=ID)
    def on_cancel(self, data):
        """The doctor stops a call that is still ringing."""
        return self._act(data, "cancel")

    @takes(call=ID)
    def on_hangup(self, data):
        """Either side ends an answered call, for both."""
        return self._act(data, "hangup")

    @takes(call=ID)
    def on_connected(self, data):
        """A side's media flows: the answered call is now in progress (the second report changes nothing)."""
        call = _call(data)
        self._current_socket(call)
        if states.take(call, "connected", current_user, utcnow()):
            after_change(call)
        return {"ok": True, "call": call_payload(call)}

    @takes(call=ID, reason=TEXT)
    def on_failed(self, data):
        """A side could not get media flowing (reason: no_media, ice_failed, media_denied, unsupported)."""
        return self._act(data, "fail", reason=data.get("reason"))

    @takes(call=ID, connection=ID)
    def on_signal(self, data):
        """Relay an offer, answer or ICE candidate to the other side's socket in the call, and nowhere else."""
        if ("description" in data) == ("candidate" in data):
            raise CallRefused("bad_request")  # exactly one of the two
        relayed = {"call": data["call"], "connection": data["connection"]}
        if "description" in data:
            relayed["description"] = _description(data["description"])
        else:
            relayed["candidate"] = _candidate(data["candidate"])
        call = _call(data)
        if not call.is_live:
            raise CallRefused("call_ended")
        side = self._current_socket(call)
        relayed["from"] = side.value
        emit("signal", relayed, to=call_room(call), skip_sid=request.sid)
        return {"ok": True}

    @takes(call=ID)
    def on_rejoin(self, data):
        """Return to an answered call after a reload: this socket replaces the side's old one in the call."""
        call = _call(data)
        states.rejoin(call, current_user, utcnow(), request.sid)
        join_room(call_room(call))
        return {"ok": True, "call": call_payload(call), "ice_servers": _ice(call)}

    def _act(self, data: dict, action: str, **extra) -> dict:
        """Take a person's action on the call named in the payload and tell everyone."""
        call = _call(data)
        states.take(call, action, current_user, utcnow(), **extra)
        return {"ok": True, "call": after_change(call)}

    def _current_socket(self, call: Call) -> Side:
        """This socket's side, if it is the one its side takes part in the call with; else the call is over for it
        (not answered yet, answered elsewhere, or replaced by a rejoin)."""
        side = states.side_of(current_user, call)
        if side is None:
            raise CallRefused("not_found")
        if call.state not in states.ANSWERED:
            raise states.refusal_for_state("signal", call.state)
        if not states.is_current_connection(call, side, request.sid):
            raise CallRefused("stale")
        return side


call_namespace = CallNamespace(NAMESPACE)
socketio.on_namespace(call_namespace)


@socketio.on_error(NAMESPACE)
def call_error(error):
    """A refusal answers {ok: false, error}; an unexpected failure answers server_error and is logged."""
    db.session.rollback()
    if not isinstance(error, Refusal):
        current_app.logger.error("call event failed", exc_info=error)
        error = CallRefused("server_error")
    return error.as_ack()
