"""The /call contract (docs/realtime.md): start, ring, accept, decline, cancel, hangup, connected, failed, signal."""

import uuid
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import socketio
from app.models import AuditEvent, Call, CallState, ChatMessage
from tests.calls.conftest import CALL, ask, calls_seen, drain, events, start


def test_anonymous_connection_is_refused(app):
    """Without a signed-in session the /call namespace refuses the connection."""
    with app.app_context():
        sock = socketio.test_client(app, namespace=CALL, flask_test_client=app.test_client())
    assert not sock.is_connected(CALL)


def test_start_rings_every_page_of_the_patient_and_answers_with_ice_servers(connect, pair, db):
    """The doctor's start stores a ringing call, gives the doctor ICE servers and rings each of the patient's pages."""
    doctor, patient_user, appointment = pair
    doctor_sock = connect(doctor)
    pages = [connect(patient_user) for _ in range(3)]

    ack = start(doctor_sock, appointment)

    assert ack["ok"] is True
    assert ack["call"]["state"] == "ringing"
    assert ack["call"]["doctor"]["name"] == doctor.display_name
    assert ack["call"]["appointment"] == str(appointment.public_id)
    assert ack["call"]["ring_until"].endswith("Z")
    stun, turn = ack["ice_servers"]
    assert stun == {"urls": ["stun:stun.clinic.test:3478"]}
    assert turn["urls"] == ["turn:turn.clinic.test:3478"] and turn["username"] and turn["credential"]
    for page in pages:
        assert [c["call"] for c in calls_seen(page)] == [ack["call"]["call"]]
    stored = db.session.scalar(sa.select(Call))
    assert (str(stored.public_id), stored.state, stored.caller_id) == (
        ack["call"]["call"],
        CallState.RINGING,
        doctor.id,
    )
    assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.actor_id == doctor.id)) == "call_start"


def test_accept_connect_and_hangup_end_the_call_for_both_with_a_chat_line(connect, pair, db):
    """Accept → connected → hangup: both sides hear each change, the call records its duration, the chat its lines."""
    doctor, patient_user, appointment = pair
    doctor_sock, patient_sock = connect(doctor), connect(patient_user)
    call_id = start(doctor_sock, appointment)["call"]["call"]

    accepted = ask(patient_sock, "accept", call=call_id)
    assert accepted["ok"] is True and accepted["call"]["state"] == "accepted"
    assert accepted["call"]["answered_by"] == str(patient_user.public_id)
    assert len(accepted["ice_servers"]) == 2
    assert ask(doctor_sock, "connected", call=call_id)["call"]["state"] == "connected"
    assert ask(patient_sock, "connected", call=call_id)["ok"] is True  # the second report changes nothing
    drain(doctor_sock)
    ended = ask(patient_sock, "hangup", call=call_id)

    assert ended["ok"] is True and ended["call"]["state"] == "ended" and ended["call"]["reason"] == "hung_up"
    assert [c["state"] for c in calls_seen(doctor_sock)] == ["ended"]
    stored = db.session.scalar(sa.select(Call))
    db.session.refresh(stored)
    assert stored.state == CallState.ENDED and stored.ended_by_id == patient_user.id
    assert stored.duration is not None and stored.minutes == 1
    lines = db.session.execute(sa.select(ChatMessage.text, ChatMessage.params).order_by(ChatMessage.id)).all()
    assert [line.text for line in lines] == ["call_started", "call_ended"]
    assert lines[1].params == {"minutes": 1}
    # Nothing more can happen to an ended call.
    assert ask(doctor_sock, "hangup", call=call_id) == {"ok": False, "error": "call_ended"}


def test_decline_tells_the_doctor_and_writes_a_line(connect, pair, db):
    """The patient declines: the doctor's pages hear it, the call is declined, the chat says so."""
    doctor, patient_user, appointment = pair
    doctor_sock, patient_sock = connect(doctor), connect(patient_user)
    call_id = start(doctor_sock, appointment)["call"]["call"]
    drain(doctor_sock)

    ack = ask(patient_sock, "decline", call=call_id)

    assert ack["ok"] is True and ack["call"]["state"] == "declined"
    assert [c["state"] for c in calls_seen(doctor_sock)] == ["declined"]
    assert db.session.scalar(sa.select(ChatMessage.text)) == "call_declined"
    assert ask(patient_sock, "accept", call=call_id) == {"ok": False, "error": "call_ended"}


def test_the_doctor_cancels_a_ringing_call_and_every_page_stops_ringing(connect, pair, db):
    """Cancel while ringing: each of the patient's pages is told the call was cancelled."""
    doctor, patient_user, appointment = pair
    doctor_sock = connect(doctor)
    pages = [connect(patient_user), connect(patient_user)]
    call_id = start(doctor_sock, appointment)["call"]["call"]
    for page in pages:
        drain(page)

    ack = ask(doctor_sock, "cancel", call=call_id)

    assert ack["ok"] is True and ack["call"]["state"] == "cancelled"
    for page in pages:
        assert [c["state"] for c in calls_seen(page)] == ["cancelled"]
    assert ask(pages[0], "accept", call=call_id) == {"ok": False, "error": "call_ended"}


def test_two_tabs_accept_one_wins_and_the_other_is_told_answered_elsewhere(connect, pair, db):
    """Of two accepts from two tabs of the patient, the first wins; the second is refused answered_elsewhere and
    both tabs hear that the call was answered (by whom)."""
    doctor, patient_user, appointment = pair
    doctor_sock = connect(doctor)
    first, second = connect(patient_user), connect(patient_user)
    call_id = start(doctor_sock, appointment)["call"]["call"]
    drain(first)
    drain(second)

    won = ask(first, "accept", call=call_id)
    lost = ask(second, "accept", call=call_id)

    assert won["ok"] is True
    assert lost == {"ok": False, "error": "answered_elsewhere"}
    told = calls_seen(second)
    assert [(c["state"], c["answered_by"]) for c in told] == [("accepted", str(patient_user.public_id))]
    stored = db.session.scalar(sa.select(Call))
    assert stored.answered_connection is not None and stored.state == CallState.ACCEPTED


def test_signals_reach_only_the_other_side_answering_socket(connect, pair):
    """Offers, answers and candidates go to the other side's socket in the call; the patient's other tab, the
    sender itself and anybody else get none, and a socket not in the call is refused as stale."""
    doctor, patient_user, appointment = pair
    doctor_sock = connect(doctor)
    answering, other_tab = connect(patient_user), connect(patient_user)
    call_id = start(doctor_sock, appointment)["call"]["call"]
    ask(answering, "accept", call=call_id)
    connection = str(uuid.uuid4())
    offer = {"type": "offer", "sdp": "v=0\r\n"}

    assert ask(doctor_sock, "signal", call=call_id, connection=connection, description=offer) == {"ok": True}
    candidate = {"candidate": "candidate:1 1 udp 1 10.0.0.1 5000 typ host", "sdpMid": "0", "sdpMLineIndex": 0}
    assert ask(answering, "signal", call=call_id, connection=connection, candidate=candidate) == {"ok": True}

    to_patient = events(answering, CALL).get("signal", [])
    assert to_patient == [{"call": call_id, "connection": connection, "description": offer, "from": "caller"}]
    to_doctor = events(doctor_sock, CALL).get("signal", [])
    assert [s["candidate"]["candidate"] for s in to_doctor] == [candidate["candidate"]]
    assert to_doctor[0]["from"] == "answerer"
    assert events(other_tab, CALL) == {}
    assert ask(other_tab, "signal", call=call_id, connection=connection, description=offer) == {
        "ok": False,
        "error": "stale",
    }
    assert events(doctor_sock, CALL) == {}


def test_signals_before_an_answer_are_refused(connect, pair):
    """Nothing is relayed while the call still rings: nobody is in it yet on the patient's side."""
    doctor, patient_user, appointment = pair
    doctor_sock, patient_sock = connect(doctor), connect(patient_user)
    call_id = start(doctor_sock, appointment)["call"]["call"]
    offer = {"type": "offer", "sdp": "v=0\r\n"}

    ack = ask(doctor_sock, "signal", call=call_id, connection=str(uuid.uuid4()), description=offer)

    assert ack == {"ok": False, "error": "wrong_state"}
    assert events(patient_sock, CALL) == {}


def test_failed_records_the_reason_and_tells_both(connect, pair, db):
    """A browser that gets no media reports failed(no_media): the call fails with that reason for both sides."""
    doctor, patient_user, appointment = pair
    doctor_sock, patient_sock = connect(doctor), connect(patient_user)
    call_id = start(doctor_sock, appointment)["call"]["call"]
    ask(patient_sock, "accept", call=call_id)
    drain(patient_sock)

    assert ask(doctor_sock, "failed", call=call_id, reason="bogus") == {"ok": False, "error": "bad_request"}
    ack = ask(doctor_sock, "failed", call=call_id, reason="no_media")

    assert ack["ok"] is True and (ack["call"]["state"], ack["call"]["reason"]) == ("failed", "no_media")
    assert [(c["state"], c["reason"]) for c in calls_seen(patient_sock)] == [("failed", "no_media")]
    assert db.session.scalar(sa.select(ChatMessage.text)) == "call_failed"


def test_the_patient_cannot_start_and_the_doctor_cannot_accept(connect, pair):
    """Each side takes only its own actions: patients never call, the doctor never answers his own call."""
    doctor, patient_user, appointment = pair
    doctor_sock, patient_sock = connect(doctor), connect(patient_user)

    assert start(patient_sock, appointment) == {"ok": False, "error": "not_found"}
    call_id = start(doctor_sock, appointment)["call"]["call"]
    assert ask(doctor_sock, "accept", call=call_id) == {"ok": False, "error": "not_allowed"}
    assert ask(doctor_sock, "decline", call=call_id) == {"ok": False, "error": "not_allowed"}
    assert ask(patient_sock, "cancel", call=call_id) == {"ok": False, "error": "not_allowed"}
    assert ask(patient_sock, "hangup", call=call_id) == {"ok": False, "error": "wrong_state"}


def test_calling_again_after_a_drop_makes_a_new_call(connect, pair, db):
    """Calling again while a call is live replaces it (ended, reason replaced); every call is its own row."""
    doctor, patient_user, appointment = pair
    doctor_sock, patient_sock = connect(doctor), connect(patient_user)
    first = start(doctor_sock, appointment)["call"]["call"]
    ask(patient_sock, "accept", call=first)
    drain(patient_sock)

    second = start(doctor_sock, appointment)

    assert second["ok"] is True and second["call"]["call"] != first
    told = calls_seen(patient_sock)
    assert [(c["call"], c["state"], c["reason"]) for c in told] == [
        (first, "ended", "replaced"),
        (second["call"]["call"], "ringing", ""),
    ]
    third = start(doctor_sock, appointment)
    states = dict(db.session.execute(sa.select(Call.public_id, Call.state)).all())
    assert sorted(states.values()) == sorted([CallState.ENDED, CallState.CANCELLED, CallState.RINGING])
    assert states[uuid.UUID(third["call"]["call"])] == CallState.RINGING


def test_rejoin_after_a_reload_returns_to_the_call(connect, pair, db):
    """A reload during a call: the new page rejoins within the window, gets the call and ICE servers, and signals
    follow it; the old socket's leaving is recorded and cleared."""
    doctor, patient_user, appointment = pair
    doctor_sock, patient_sock = connect(doctor), connect(patient_user)
    call_id = start(doctor_sock, appointment)["call"]["call"]
    ask(patient_sock, "accept", call=call_id)
    ask(doctor_sock, "connected", call=call_id)

    with patient_sock.fresh_context():
        patient_sock.disconnect(namespace=CALL)
    stored = db.session.scalar(sa.select(Call))
    db.session.refresh(stored)
    assert stored.answerer_left_at is not None
    reloaded = connect(patient_user)
    ack = ask(reloaded, "rejoin", call=call_id)

    assert ack["ok"] is True and ack["call"]["state"] == "connected" and len(ack["ice_servers"]) == 2
    db.session.refresh(stored)
    assert stored.answerer_left_at is None
    connection = str(uuid.uuid4())
    ask(doctor_sock, "signal", call=call_id, connection=connection, description={"type": "offer", "sdp": "v=0"})
    assert [s["connection"] for s in events(reloaded, CALL)["signal"]] == [connection]


def test_rejoin_is_refused_for_a_finished_call_and_after_the_window(app, connect, pair, db):
    """No return to an ended call, nor after the rejoin window (the sweeper then ends it as dropped)."""
    from video.ticker import tick

    doctor, patient_user, appointment = pair
    doctor_sock, patient_sock = connect(doctor), connect(patient_user)
    call_id = start(doctor_sock, appointment)["call"]["call"]
    ask(patient_sock, "accept", call=call_id)
    ask(doctor_sock, "connected", call=call_id)
    with patient_sock.fresh_context():
        patient_sock.disconnect(namespace=CALL)
    stored = db.session.scalar(sa.select(Call))
    db.session.refresh(stored)
    later = stored.answerer_left_at + timedelta(seconds=app.config["CALL_REJOIN_SECONDS"] + 1)

    tick(later)

    db.session.refresh(stored)
    assert (stored.state, stored.reason) == (CallState.ENDED, "dropped")
    assert ask(connect(patient_user), "rejoin", call=call_id) == {"ok": False, "error": "call_ended"}


def test_a_ringing_call_whose_doctor_page_goes_away_stops_ringing(connect, pair, db):
    """The doctor's page that placed the call closes while it rings: the call is cancelled (caller_left) at once."""
    doctor, patient_user, appointment = pair
    doctor_sock, patient_sock = connect(doctor), connect(patient_user)
    call_id = start(doctor_sock, appointment)["call"]["call"]
    drain(patient_sock)

    with doctor_sock.fresh_context():
        doctor_sock.disconnect(namespace=CALL)

    assert [(c["state"], c["reason"]) for c in calls_seen(patient_sock)] == [("cancelled", "caller_left")]
    assert ask(patient_sock, "accept", call=call_id) == {"ok": False, "error": "call_ended"}
