"""Who gets what from /call: outsiders nothing at all, guardians a child's calls, garbage a bad_request."""

import uuid

import pytest
import sqlalchemy as sa

from app.models import Call, CallState, Role
from tests import factories
from tests.calls.conftest import CALL, PERSONAL, ask, calls_seen, events, start

EVENTS = ("accept", "decline", "cancel", "hangup", "connected", "failed", "signal", "rejoin")


def _outsider(kind: str, patient_user, appointment):
    """Someone with no part in the call: another patient, another doctor, a methodologist, reception, or a
    colleague who treats the same patient."""
    if kind == "other_patient":
        return factories.user(Role.PATIENT)
    if kind == "other_doctor":
        return factories.doctor()
    if kind == "colleague":
        colleague = factories.doctor()
        factories.appointment(
            patient_user.patient_profile, colleague, appointment.starts_at + factories.timedelta(days=2)
        )
        return colleague
    return factories.user(Role(kind))


def _payload(event: str, call_id: str) -> dict:
    """A well-formed payload for the event."""
    if event == "failed":
        return {"call": call_id, "reason": "no_media"}
    if event == "signal":
        return {"call": call_id, "connection": str(uuid.uuid4()), "description": {"type": "offer", "sdp": "v=0"}}
    return {"call": call_id}


@pytest.mark.parametrize("kind", ["other_patient", "other_doctor", "colleague", "methodologist", "reception"])
def test_an_outsider_gets_nothing_from_a_call(connect, pair, db, kind):
    """No ring, no signal, no ICE servers, and not_found for every event, at every stage of the call."""
    doctor, patient_user, appointment = pair
    outsider = connect(_outsider(kind, patient_user, appointment))
    doctor_sock, patient_sock = connect(doctor), connect(patient_user)

    assert start(outsider, appointment) == {"ok": False, "error": "not_found"}
    call_id = start(doctor_sock, appointment)["call"]["call"]
    ringing = [ask(outsider, event, _payload(event, call_id)) for event in EVENTS]
    ask(patient_sock, "accept", call=call_id)
    ask(doctor_sock, "signal", _payload("signal", call_id))
    answered = [ask(outsider, event, _payload(event, call_id)) for event in EVENTS]

    assert ringing == answered == [{"ok": False, "error": "not_found"}] * len(EVENTS)
    assert events(outsider, PERSONAL).get("call") is None
    assert events(outsider, CALL) == {}
    call = db.session.scalar(sa.select(Call))
    assert call.state == CallState.ACCEPTED and call.answered_by_id == patient_user.id


def test_a_guardian_answers_a_childs_call(connect, db):
    """A child without an account: the call rings for the active guardian, who may answer it; an ended
    guardianship hears nothing."""
    guardian, former = factories.user(Role.PATIENT), factories.user(Role.PATIENT)
    child = factories.dependant(guardian)
    from app.models import Guardianship

    db.session.add(Guardianship(guardian=former, patient=child, legal_basis="Court order", active=False))
    db.session.commit()
    doctor = factories.doctor()
    appointment = factories.appointment(
        child, doctor, factories.datetime.now(factories.UTC) + factories.timedelta(minutes=5)
    )
    doctor_sock, guardian_sock, former_sock = connect(doctor), connect(guardian), connect(former)

    call_id = start(doctor_sock, appointment)["call"]["call"]
    ringing = calls_seen(guardian_sock)
    ack = ask(guardian_sock, "accept", call=call_id)

    assert [c["patient"]["name"] for c in ringing] == [child.full_name]
    assert ack["ok"] is True and ack["call"]["answered_by"] == str(guardian.public_id)
    assert calls_seen(former_sock) == []
    assert ask(former_sock, "hangup", call=call_id) == {"ok": False, "error": "not_found"}


def test_an_unknown_call_is_not_found(connect, pair):
    """A well-formed id of no call answers not_found, like somebody else's."""
    sock = connect(pair[0])
    for event in EVENTS:
        assert ask(sock, event, _payload(event, str(uuid.uuid4()))) == {"ok": False, "error": "not_found"}
    assert ask(sock, "start", appointment=str(uuid.uuid4())) == {"ok": False, "error": "not_found"}


GARBAGE = [None, "text", 7, [], {}, {"call": "not-a-uuid"}, {"call": 12}, {"call": None}, {"call": "x" * 100}]
BAD_SIGNALS = [
    {},  # neither a description nor a candidate
    {"description": {"type": "offer", "sdp": "v=0"}, "candidate": None},  # both
    {"description": "v=0"},
    {"description": {"type": "bogus", "sdp": "v=0"}},
    {"description": {"type": "offer"}},
    {"description": {"type": "offer", "sdp": "x" * 100_001}},
    {"description": {"type": "offer", "sdp": "a\x00b"}},
    {"candidate": "candidate:1"},
    {"candidate": {"candidate": 5}},
    {"candidate": {"candidate": "c", "sdpMLineIndex": "0"}},
    {"candidate": {"candidate": "c", "sdpMLineIndex": True}},
    {"candidate": {"candidate": "c", "sdpMid": 0}},
    {"candidate": {"candidate": "c", "usernameFragment": ["u"]}},
]


@pytest.mark.parametrize("event", [*EVENTS, "start"])
def test_malformed_payloads_answer_bad_request(connect, pair, event):
    """Every event refuses a payload of the wrong shape with bad_request and keeps the connection."""
    sock = connect(pair[0])
    for payload in GARBAGE:
        if event == "start" and isinstance(payload, dict) and "call" in payload:
            payload = {"appointment": payload["call"]}
        with sock.fresh_context():
            ack = sock.emit(event, payload, namespace=CALL, callback=True)
        assert ack == {"ok": False, "error": "bad_request"}, payload
    assert sock.is_connected(CALL)


def test_malformed_signals_answer_bad_request(connect, pair):
    """A signal must carry one description or one candidate of the right shape, and a connection id."""
    doctor, patient_user, appointment = pair
    doctor_sock, patient_sock = connect(doctor), connect(patient_user)
    call_id = start(doctor_sock, appointment)["call"]["call"]
    ask(patient_sock, "accept", call=call_id)
    for fields in BAD_SIGNALS:
        assert ask(doctor_sock, "signal", call=call_id, connection=str(uuid.uuid4()), **fields) == {
            "ok": False,
            "error": "bad_request",
        }, fields
    no_connection = ask(doctor_sock, "signal", call=call_id, description={"type": "offer", "sdp": "v=0"})
    assert no_connection == {"ok": False, "error": "bad_request"}
    assert events(patient_sock, CALL) == {}


def test_an_ended_guardianship_takes_the_guardian_out_of_the_call(app, connect, db):
    """A guardian in a child's call whose guardianship reception ends gets no more signals, and every event of the
    call answers not_found."""
    guardian = factories.user(Role.PATIENT)
    child = factories.dependant(guardian)
    doctor = factories.doctor()
    appointment = factories.appointment(
        child, doctor, factories.datetime.now(factories.UTC) + factories.timedelta(minutes=5)
    )
    doctor_sock, guardian_sock = connect(doctor), connect(guardian)
    call_id = start(doctor_sock, appointment)["call"]["call"]
    assert ask(guardian_sock, "accept", call=call_id)["ok"] is True

    reception = app.test_client()
    reception.sign_in(factories.user(Role.RECEPTION).email)
    ended = reception.submit(f"/reception/patients/{child.public_id}/guardians/{guardian.public_id}/end")
    assert ended.status_code == 302
    ask(doctor_sock, "signal", _payload("signal", call_id))

    assert guardian_sock.is_connected(CALL)
    assert events(guardian_sock, CALL) == {}
    assert ask(guardian_sock, "hangup", call=call_id) == {"ok": False, "error": "not_found"}


def test_the_page_loader_answers_404_to_everyone_but_the_participants(app, pair, db):
    """get_call_or_404 (for call pages) gives the call to its doctor and patient, 404 to anyone else or a bad id,
    and audits the doctor's access."""
    from werkzeug.exceptions import NotFound

    from app.calls import states
    from app.models import AuditEvent
    from app.permissions import get_call_or_404

    doctor, patient_user, appointment = pair
    call, _ = states.start(appointment, doctor, factories.datetime.now(factories.UTC))
    with app.test_request_context():
        assert get_call_or_404(str(call.public_id), doctor, audit_action="view_call") == call
        assert get_call_or_404(call.public_id, patient_user) == call
        for outsider in (factories.doctor(), factories.user(Role.PATIENT), factories.user(Role.RECEPTION)):
            with pytest.raises(NotFound):
                get_call_or_404(str(call.public_id), outsider)
        with pytest.raises(NotFound):
            get_call_or_404("not-a-uuid", doctor)
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_id == str(call.public_id))).all()
    assert sorted(actions) == ["call_start", "view_call"]
