"""The call's rules (app/calls/states.py): every transition allowed and refused, the timeouts, the sweeper."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.calls import states
from app.calls.states import TRANSITIONS, CallRefused, Side
from app.models import LIVE_STATES, Call, CallState, ChatMessage, Role
from app.models.call import LIVE_SQL
from tests import factories
from tests.calls.conftest import calls_seen
from video.ticker import ringing_here, tick

PEOPLE_ACTIONS = ("accept", "decline", "cancel", "connected", "hangup", "fail")


def _call_in(state: CallState, pair) -> Call:
    """A call of the pair's appointment put straight into `state` (answered by the patient when past ringing)."""
    doctor, patient_user, appointment = pair
    now = datetime.now(UTC)
    call, _ = states.start(appointment, doctor, now, connection="doctor-sid")
    if state != CallState.RINGING:
        call.state = state
        call.answered_by_id = patient_user.id
        call.answered_connection = "patient-sid"
        call.accepted_at = now
        call.connected_at = now if state != CallState.ACCEPTED else None
        call.ended_at = now if state not in LIVE_STATES else None
        from app.extensions import db

        db.session.commit()
    return call


def _actor(action: str, pair):
    """Who takes a person's action: the doctor for the caller's, the patient for the answerer's."""
    doctor, patient_user, _ = pair
    return doctor if Side.CALLER in TRANSITIONS[action].sides else patient_user


@pytest.mark.parametrize("state", list(CallState))
@pytest.mark.parametrize("action", PEOPLE_ACTIONS)
def test_every_person_action_from_every_state(pair, db, action, state):
    """Each action succeeds exactly from its table's source states and leads to its target; from any other state
    it is refused with a reason, and the row is unchanged."""
    call = _call_in(state, pair)
    rule = TRANSITIONS[action]
    actor = _actor(action, pair)
    now = datetime.now(UTC)
    if state in rule.sources:
        assert states.take(call, action, actor, now, connection="patient-sid", reason="no_media") is True
        assert call.state == rule.target
        if rule.target not in LIVE_STATES:
            assert call.ended_at == now and call.ended_by_id == actor.id
            assert call.reason == (rule.reason or "no_media")
        return
    if action == "connected" and state == CallState.CONNECTED:
        assert states.take(call, action, actor, now) is False  # already connected: nothing to do
        return
    with pytest.raises(CallRefused) as refused:
        states.take(call, action, actor, now, connection="patient-sid", reason="no_media")
    expected = "answered_elsewhere" if action == "accept" and state in states.ANSWERED else None
    expected = expected or ("call_ended" if state not in LIVE_STATES else "wrong_state")
    assert refused.value.code == expected
    db.session.refresh(call)
    assert call.state == state


def test_the_live_index_matches_the_live_states():
    """The partial indexes' SQL names exactly the live states."""
    named = LIVE_SQL.removeprefix("state IN (").removesuffix(")").split(", ")
    assert [name.strip("'") for name in named] == [state.value for state in LIVE_STATES]


@pytest.mark.both_engines
def test_the_database_refuses_a_second_live_call(pair, db):
    """The partial unique index allows one live call per appointment, and any number of finished ones."""
    doctor, _patient_user, appointment = pair
    now = datetime.now(UTC)
    for state in (CallState.ENDED, CallState.MISSED, CallState.RINGING):
        db.session.add(Call(appointment=appointment, caller=doctor, state=state, ring_until=now))
        db.session.commit()
    db.session.add(Call(appointment=appointment, caller=doctor, state=CallState.ACCEPTED, ring_until=now))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.both_engines
def test_a_ringing_call_is_missed_after_the_ring_time_and_sweeping_twice_is_harmless(app, connect, pair, db):
    """tick(now) past CALL_RING_SECONDS marks the call missed once, tells both sides and writes one chat line."""
    doctor, patient_user, appointment = pair
    patient_sock = connect(patient_user)
    call, _ = states.start(appointment, doctor, datetime.now(UTC))
    ring = timedelta(seconds=app.config["CALL_RING_SECONDS"])

    tick(call.created_at + ring - timedelta(seconds=1))
    db.session.refresh(call)
    assert call.state == CallState.RINGING
    tick(call.created_at + ring)
    tick(call.created_at + ring + timedelta(seconds=5))

    db.session.refresh(call)
    assert (call.state, call.reason, call.ended_by_id) == (CallState.MISSED, "timeout", None)
    assert [c["state"] for c in calls_seen(patient_sock)] == ["missed"]
    assert db.session.scalars(sa.select(ChatMessage.text)).all() == ["call_missed"]


def test_a_late_accept_is_refused_even_before_the_sweeper_runs(app, pair, db):
    """Once the ring time is over the call cannot be answered, swept or not."""
    doctor, patient_user, appointment = pair
    call, _ = states.start(appointment, doctor, datetime.now(UTC))
    with pytest.raises(CallRefused) as refused:
        states.take(call, "accept", patient_user, call.ring_until)
    assert refused.value.code == "call_ended"


def test_an_answered_call_that_never_connects_fails_with_no_media(app, connect, pair, db):
    """Accepted but no media within CALL_CONNECT_SECONDS: the server ends it as failed(no_media) and both hear it."""
    doctor, patient_user, appointment = pair
    doctor_sock = connect(doctor)
    now = datetime.now(UTC)
    call, _ = states.start(appointment, doctor, now)
    states.take(call, "accept", patient_user, now, connection="sid")
    calls_seen(doctor_sock)

    tick(now + timedelta(seconds=app.config["CALL_CONNECT_SECONDS"]))

    db.session.refresh(call)
    assert (call.state, call.reason) == (CallState.FAILED, "no_media")
    assert [(c["state"], c["reason"]) for c in calls_seen(doctor_sock)] == [("failed", "no_media")]


def test_a_call_ends_at_its_longest_length(app, pair, db):
    """A connected call is ended by the server after CALL_MAX_MINUTES (its TURN credentials expire then too)."""
    doctor, patient_user, appointment = pair
    now = datetime.now(UTC)
    call, _ = states.start(appointment, doctor, now)
    states.take(call, "accept", patient_user, now, connection="sid")
    states.take(call, "connected", doctor, now)

    tick(now + timedelta(minutes=app.config["CALL_MAX_MINUTES"]))

    db.session.refresh(call)
    assert (call.state, call.reason, call.minutes) == (CallState.ENDED, "max_length", app.config["CALL_MAX_MINUTES"])


def test_the_ring_is_refreshed_while_it_rings_and_stops_after(app, connect, pair, db):
    """Each tick rings the patient's pages again while the call rings; the doctor's pages get no refresh."""
    doctor, patient_user, appointment = pair
    doctor_sock, patient_sock = connect(doctor), connect(patient_user)
    now = datetime.now(UTC)
    call, _ = states.start(appointment, doctor, now)
    ringing_here(call)

    tick(now + timedelta(seconds=3))
    tick(now + timedelta(seconds=6))
    assert [c["state"] for c in calls_seen(patient_sock)] == ["ringing", "ringing"]
    assert calls_seen(doctor_sock) == []
    states.take(call, "decline", patient_user, now + timedelta(seconds=7))
    tick(now + timedelta(seconds=9))
    assert calls_seen(patient_sock) == []


def test_two_racing_accepts_on_postgresql_one_wins(app, pair, db):
    """Two accepts at the same moment from two sessions (two processes, in effect): exactly one UPDATE matches."""
    doctor, patient_user, appointment = pair
    call, _ = states.start(appointment, doctor, datetime.now(UTC))
    # Read here: the threads must not touch this session's objects (a lazy load would use it from two threads).
    call_key, user_key, user_type = call.id, patient_user.id, type(patient_user)
    barrier = threading.Barrier(2, timeout=30)
    outcomes: list[str] = []

    def accept(connection: str) -> None:
        """Load the call in a session of its own and accept it, once both threads are ready."""
        with app.app_context():
            mine = db.session.get(Call, call_key)
            user = db.session.get(user_type, user_key)
            barrier.wait()
            try:
                states.take(mine, "accept", user, datetime.now(UTC), connection=connection)
                outcomes.append("won")
            except CallRefused as refused:
                outcomes.append(refused.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=accept, args=(name,)) for name in ("tab-1", "tab-2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["answered_elsewhere", "won"]
    db.session.refresh(call)
    assert call.state == CallState.ACCEPTED and call.answered_connection in ("tab-1", "tab-2")


@pytest.mark.parametrize(
    ("offset", "status", "expected"),
    [
        (timedelta(minutes=30), None, "too_early"),
        (timedelta(minutes=10), None, None),
        (timedelta(minutes=-60), None, None),
        (timedelta(days=-3), None, "too_late"),
        (timedelta(minutes=5), "cancelled", "appointment_closed"),
        (timedelta(minutes=-5), "no_show", "appointment_closed"),
        (timedelta(minutes=-5), "completed", None),
    ],
)
def test_the_doctor_calls_from_shortly_before_the_start_until_the_chat_closes(app, db, offset, status, expected):
    """Calls open CALL_OPENS_BEFORE_MINUTES (15) before the start and close with the chat window; never for a
    cancelled appointment or a no-show."""
    from app.models import AppointmentStatus

    doctor = factories.doctor()
    now = datetime.now(UTC)
    appointment = factories.appointment(factories.patient(), doctor, now + offset)
    if status is not None:
        appointment.status = AppointmentStatus(status)
        db.session.commit()
    refused = states.start_refusal(doctor, appointment, now)
    assert (refused.code if refused else None) == expected


def test_only_the_appointments_own_doctor_may_call(app, pair, db):
    """Another doctor, reception, a methodologist and the patient are refused as if the appointment did not exist."""
    _doctor, patient_user, appointment = pair
    others = [factories.doctor(), factories.user(Role.RECEPTION), factories.user(Role.METHODOLOGIST), patient_user]
    for other in others:
        with pytest.raises(CallRefused) as refused:
            states.start(appointment, other, datetime.now(UTC))
        assert refused.value.code == "not_found"
    assert db.session.scalar(sa.select(sa.func.count(Call.id))) == 0


def test_the_sweep_command_ends_overdue_calls(app, runner, pair, db):
    """`flask calls sweep` (for cron) marks a call missed once its ring time is over."""
    doctor, _patient_user, appointment = pair
    call, _ = states.start(appointment, doctor, datetime.now(UTC) - timedelta(seconds=app.config["CALL_RING_SECONDS"]))

    result = runner.invoke(args=["calls", "sweep"])

    assert result.exit_code == 0, result.output
    db.session.refresh(call)
    assert (call.state, call.reason) == (CallState.MISSED, "timeout")
