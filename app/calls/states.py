"""Call rules: one table of actions, each applied with a conditional UPDATE (as app/scheduling/status.py does).

A call rings, is accepted by one of the patient's pages, connects when media flows and ends; or it is declined,
cancelled by the doctor, missed (nobody answered within CALL_RING_SECONDS) or fails (no media). Every change is one
`UPDATE … WHERE id = :id AND state IN (sources)`: of two racing accepts (two tabs, two devices) exactly one matches
the row, and the other is refused as answered elsewhere. Timeouts are the same kind of UPDATE run by `sweep(now)`,
which any number of processes may run at once.

Calling again is a new row, any number of times. A call started while another of the same appointment is still
live replaces it: the old one is cancelled (ringing) or ended (answered) with reason `replaced`, in the same
transaction, so a doctor whose patient's page froze can always call again. The partial unique index on live calls
turns two simultaneous starts into one call and one `busy` refusal.
"""

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app import audit
from app.extensions import db
from app.models import LIVE_STATES, Appointment, Call, CallState, Role, User
from app.permissions.call import NOT_CALLABLE, call_closes_at, call_opens_at, can_answer_call, is_caller
from app.refusals import CONFLICT, UNPROCESSABLE, Refusal

# Each refusal's words and HTTP status by its code; sockets send the code (docs/realtime.md, "/call").
REFUSALS = {
    "not_found": (_l("This call is not available."), 404),
    "bad_request": (_l("The request could not be understood."), UNPROCESSABLE),
    "not_allowed": (_l("You cannot do that in this call."), UNPROCESSABLE),
    "answered_elsewhere": (_l("The call was answered on another device or tab."), CONFLICT),
    "call_ended": (_l("The call has already ended."), CONFLICT),
    "wrong_state": (_l("The call is not at a stage where this can be done."), CONFLICT),
    "too_early": (_l("It is too early to call: calls open shortly before the appointment."), CONFLICT),
    "too_late": (_l("The appointment's chat has closed, so the patient can no longer be called."), CONFLICT),
    "appointment_closed": (_l("The appointment was cancelled or marked as a no-show."), CONFLICT),
    "busy": (_l("Another call to this patient is being started; try again."), CONFLICT),
    "stale": (_l("This page is no longer the one taking part in the call."), CONFLICT),
    "unauthorized": (_l("You have been signed out. Sign in again to continue."), 401),
    "server_error": (_l("Something went wrong with the call. Try again."), 500),
}


class CallRefused(Refusal):
    """A call action the rules turn down, named by its code in REFUSALS."""

    def __init__(self, code: str) -> None:
        message, status = REFUSALS[code]
        super().__init__(code, message, status)


class Side(enum.StrEnum):
    """Who takes an action: the calling doctor, the patient's side (patient or guardian), or the server itself."""

    CALLER = "caller"
    ANSWERER = "answerer"
    SYSTEM = "system"


@dataclass(frozen=True)
class Transition:
    """One call action: who may take it, from which states, the state it leads to and the reason it records."""

    sides: frozenset[Side]
    sources: tuple[CallState, ...]
    target: CallState
    # The reason code stored with a final state; None for a live target, or when the side gives it (`fail`).
    reason: str | None = None


PEOPLE = frozenset({Side.CALLER, Side.ANSWERER})
SYSTEM = frozenset({Side.SYSTEM})
ANSWERED = (CallState.ACCEPTED, CallState.CONNECTED)

TRANSITIONS: dict[str, Transition] = {
    "accept": Transition(frozenset({Side.ANSWERER}), (CallState.RINGING,), CallState.ACCEPTED),
    "decline": Transition(frozenset({Side.ANSWERER}), (CallState.RINGING,), CallState.DECLINED, "declined"),
    "cancel": Transition(frozenset({Side.CALLER}), (CallState.RINGING,), CallState.CANCELLED, "cancelled"),
    "connected": Transition(PEOPLE, (CallState.ACCEPTED,), CallState.CONNECTED),
    "hangup": Transition(PEOPLE, ANSWERED, CallState.ENDED, "hung_up"),
    "fail": Transition(PEOPLE, ANSWERED, CallState.FAILED),
    # The server's own: timeouts (sweep) and a new call of the same appointment (start).
    "timeout": Transition(SYSTEM, (CallState.RINGING,), CallState.MISSED, "timeout"),
    "no_media": Transition(SYSTEM, (CallState.ACCEPTED,), CallState.FAILED, "no_media"),
    "max_length": Transition(SYSTEM, (CallState.CONNECTED,), CallState.ENDED, "max_length"),
    "dropped": Transition(SYSTEM, ANSWERED, CallState.ENDED, "dropped"),
    # The doctor's page that placed a ringing call went away (closed, reloaded): nobody would be there to answer.
    "caller_left": Transition(SYSTEM, (CallState.RINGING,), CallState.CANCELLED, "caller_left"),
    "replace_ringing": Transition(SYSTEM, (CallState.RINGING,), CallState.CANCELLED, "replaced"),
    "replace_answered": Transition(SYSTEM, ANSWERED, CallState.ENDED, "replaced"),
}

# The reasons a browser may give when it reports a failed call.
FAIL_REASONS = ("no_media", "ice_failed", "media_denied", "unsupported")


def side_of(user: User, call: Call) -> Side | None:
    """Which side of the call the user is on, or None for everyone else."""
    if is_caller(user, call):
        return Side.CALLER
    if user.role == Role.PATIENT and can_answer_call(user, call):
        return Side.ANSWERER
    return None


def refusal_for_state(action: str, state: CallState) -> CallRefused:
    """Why an action cannot be taken on a call in this state: an accept that lost the race is told it was answered
    elsewhere; anything after the end is told the call ended."""
    if action == "accept" and state in ANSWERED:
        return CallRefused("answered_elsewhere")
    if state not in LIVE_STATES:
        return CallRefused("call_ended")
    return CallRefused("wrong_state")


def _guarded_update(call: Call, rule: Transition, *conditions, **values) -> bool:
    """The rule's conditional UPDATE in the session's transaction; True when it changed the row."""
    values["state"] = rule.target
    result = db.session.execute(
        sa.update(Call)
        .where(Call.id == call.id, Call.state.in_(rule.sources), *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _final_values(rule: Transition, now: datetime, by: User | None, reason: str | None) -> dict:
    """The columns every final state sets: when, by whom, why."""
    return {"ended_at": now, "ended_by_id": by.id if by is not None else None, "reason": reason or rule.reason}


def take(
    call: Call, action: str, user: User, now: datetime, connection: str | None = None, reason: str | None = None
) -> bool:
    """Take a person's action on the call (accept, decline, cancel, connected, hangup, fail) and commit; True when
    the call changed, False for a `connected` the other side already reported. Refused with CallRefused otherwise.

    `connection` is the socket taking the action: an accept records it as the one socket of the patient's side in
    the call. `reason` is a browser's code for `fail` (one of FAIL_REASONS).
    """
    rule = TRANSITIONS.get(action)
    side = side_of(user, call)
    if rule is None or side is None:
        raise CallRefused("not_found")
    if side not in rule.sides:
        raise CallRefused("not_allowed")
    if action == "connected" and call.state == CallState.CONNECTED:
        return False  # both sides report media; the second report changes nothing
    if call.state not in rule.sources:
        raise refusal_for_state(action, call.state)
    conditions = []
    values: dict = {}
    if action == "accept":
        # Past its ring time a call is missed, even if the sweeper has not said so yet.
        if call.ring_until <= now:
            raise CallRefused("call_ended")
        conditions.append(Call.ring_until > now)
        values = {"accepted_at": now, "answered_by_id": user.id, "answered_connection": connection}
    elif action == "connected":
        values = {"connected_at": now}
    else:
        if action == "fail" and reason not in FAIL_REASONS:
            raise CallRefused("bad_request")
        # Only a failure carries the browser's reason; every other end has its own.
        values = _final_values(rule, now, user, reason if action == "fail" else None)
    if side == Side.ANSWERER and call.state in ANSWERED:
        # Only whoever answered speaks for the patient's side once the call is answered.
        if call.answered_by_id != user.id:
            raise CallRefused("answered_elsewhere")
        conditions.append(Call.answered_by_id == user.id)
    if not _guarded_update(call, rule, *conditions, **values):
        db.session.rollback()
        db.session.refresh(call)
        if action == "connected" and call.state == CallState.CONNECTED:
            return False
        raise refusal_for_state(action, call.state)
    db.session.commit()
    db.session.refresh(call)
    audit.record(f"call_{action}", call, call.appointment.patient, user)
    return True


def start_refusal(user: User, appointment: Appointment, now: datetime) -> CallRefused | None:
    """Why the user cannot call the appointment's patient now, or None when they can (can_start_call, with reasons
    the doctor is shown)."""
    if user.role != Role.DOCTOR or appointment.doctor_id != user.id:
        return CallRefused("not_found")
    if appointment.status in NOT_CALLABLE:
        return CallRefused("appointment_closed")
    if now < call_opens_at(appointment):
        return CallRefused("too_early")
    if now >= call_closes_at(appointment):
        return CallRefused("too_late")
    return None


def live_call(appointment: Appointment) -> Call | None:
    """The appointment's ringing, answered or connected call, if any (the partial unique index finds it)."""
    return db.session.scalar(sa.select(Call).where(Call.appointment_id == appointment.id, Call.state.in_(LIVE_STATES)))


def start(appointment: Appointment, user: User, now: datetime, connection: str | None = None) -> tuple[Call, list]:
    """Place a new call of the appointment, replacing a live one; commit and return it with the replaced calls."""
    refused = start_refusal(user, appointment, now)
    if refused is not None:
        raise refused
    replaced = []
    previous = live_call(appointment)
    if previous is not None:
        action = "replace_ringing" if previous.state == CallState.RINGING else "replace_answered"
        rule = TRANSITIONS[action]
        if _guarded_update(previous, rule, **_final_values(rule, now, user, None)):
            replaced.append(previous)
    call = Call(
        appointment=appointment,
        caller=user,
        state=CallState.RINGING,
        created_at=now,
        ring_until=now + timedelta(seconds=current_app.config["CALL_RING_SECONDS"]),
        caller_connection=connection,
    )
    db.session.add(call)
    try:
        db.session.commit()
    except IntegrityError:
        # Another start of the same appointment committed its call first (the partial unique index).
        db.session.rollback()
        raise CallRefused("busy") from None
    for old in replaced:
        db.session.refresh(old)
    audit.record("call_start", call, appointment.patient, user)
    return call, replaced


def _deadlines(now: datetime) -> dict[str, sa.ColumnElement[bool]]:
    """Each timeout's condition: when the server ends a call nobody ended."""
    config = current_app.config
    rejoin = now - timedelta(seconds=config["CALL_REJOIN_SECONDS"])
    return {
        "timeout": Call.ring_until <= now,
        "no_media": Call.accepted_at <= now - timedelta(seconds=config["CALL_CONNECT_SECONDS"]),
        "max_length": Call.connected_at <= now - timedelta(minutes=config["CALL_MAX_MINUTES"]),
        "dropped": (Call.caller_left_at <= rejoin) | (Call.answerer_left_at <= rejoin),
    }


def sweep(now: datetime) -> list[tuple[Call, str]]:
    """End the calls whose time is up (missed, never connected, too long, dropped and not rejoined) and return them
    with the action taken. Each end is the rule's guarded UPDATE, so several processes sweeping at once end each
    call once, and running it twice changes nothing."""
    changed = []
    for action, deadline in _deadlines(now).items():
        rule = TRANSITIONS[action]
        due = db.session.scalars(sa.select(Call).where(Call.state.in_(rule.sources), deadline)).all()
        for call in due:
            if _guarded_update(call, rule, deadline, **_final_values(rule, now, None, None)):
                db.session.commit()
                db.session.refresh(call)
                changed.append((call, action))
            else:
                db.session.rollback()
    return changed


def ringing_calls(public_ids: list) -> list[Call]:
    """Of these calls (by public id), the ones still ringing (the ring refresher's list)."""
    if not public_ids:
        return []
    return list(
        db.session.scalars(sa.select(Call).where(Call.public_id.in_(public_ids), Call.state == CallState.RINGING))
    )


def _connection_column(side: Side):
    """The column holding that side's socket in the call."""
    return Call.caller_connection if side == Side.CALLER else Call.answered_connection


def _left_column(side: Side):
    """The column recording when that side's socket left."""
    return Call.caller_left_at if side == Side.CALLER else Call.answerer_left_at


def is_current_connection(call: Call, side: Side, connection: str) -> bool:
    """The socket is the one its side takes part in the call with (signals from any other are stale)."""
    current = call.caller_connection if side == Side.CALLER else call.answered_connection
    return current is not None and current == connection


def rejoin(call: Call, user: User, now: datetime, connection: str) -> None:
    """Take part in an answered call again from a new socket (after a reload), within CALL_REJOIN_SECONDS of the
    old one leaving; the new socket replaces the old one. Commit, or refuse."""
    side = side_of(user, call)
    if side is None:
        raise CallRefused("not_found")
    if side == Side.ANSWERER and call.answered_by_id != user.id:
        # Someone else on the patient's side answered: this person's pages never took part.
        raise CallRefused("answered_elsewhere" if call.state in ANSWERED else "not_allowed")
    if call.state not in ANSWERED:
        raise refusal_for_state("rejoin", call.state)
    window = timedelta(seconds=current_app.config["CALL_REJOIN_SECONDS"])
    left = _left_column(side)
    result = db.session.execute(
        sa.update(Call)
        .where(Call.id == call.id, Call.state.in_(ANSWERED), left.is_(None) | (left > now - window))
        .values({_connection_column(side).key: connection, left.key: None})
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        db.session.refresh(call)
        raise refusal_for_state("rejoin", call.state) if call.state not in ANSWERED else CallRefused("call_ended")
    db.session.commit()
    db.session.refresh(call)
    audit.record("call_rejoin", call, call.appointment.patient, user)


def caller_left(call: Call, connection: str, now: datetime) -> bool:
    """The doctor's socket that placed the call disconnected while it rang: cancel it (reason caller_left) and
    commit; True when it did. A call already answered, or placed from another socket, is left alone."""
    rule = TRANSITIONS["caller_left"]
    if not _guarded_update(call, rule, Call.caller_connection == connection, **_final_values(rule, now, None, None)):
        db.session.rollback()
        return False
    db.session.commit()
    db.session.refresh(call)
    return True


def left(call: Call, side: Side, connection: str, now: datetime) -> bool:
    """Record that a side's socket left an answered call (it may rejoin for a while); True when it was that side's
    current socket. A socket that was already replaced changes nothing."""
    result = db.session.execute(
        sa.update(Call)
        .where(Call.id == call.id, Call.state.in_(ANSWERED), _connection_column(side) == connection)
        .values({_left_column(side).key: now})
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1
