"""Withdrawn access in one process (no Redis: `make run`, a single worker): sessions end on sign-out, a password
change, "sign out of other devices" and deactivation; open sockets are closed or leave the rooms they lost."""

import pytest
import sqlalchemy as sa

from app.extensions import socketio
from app.models import Guardianship, Role, User
from tests import factories
from tests.chat.conftest import ask, received, send


def _copy(app, http):
    """A second client holding a copy of this client's session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", http.get_cookie("session").value)
    return thief


def _chat_connection(app, http):
    """A /chat test connection on this client's session (connected or refused)."""
    with app.app_context():
        return socketio.test_client(app, namespace="/chat", flask_test_client=http)


def _signed_out(http) -> bool:
    """The cabinet sends this session to the sign-in page."""
    page = http.get("/patient/")
    return page.status_code == 302 and "/auth/login" in page.headers["Location"]


def test_a_copied_cookie_stops_working_after_sign_out_and_the_open_socket_closes(app, connect):
    """The copy opened the cabinet before; after sign-out it is refused by pages and /chat, its socket closed."""
    user = factories.user(Role.PATIENT)
    sock = connect(user)
    thief = _copy(app, sock.http)
    assert thief.get("/patient/").status_code == 200
    copied_socket = _chat_connection(app, thief)
    assert copied_socket.is_connected("/chat")

    assert sock.http.submit("/auth/logout").status_code == 302

    assert not copied_socket.is_connected("/chat")
    assert not sock.is_connected("/chat")
    assert _signed_out(thief)
    assert not _chat_connection(app, thief).is_connected("/chat")


@pytest.mark.parametrize("how", ["password", "other devices"])
def test_other_sessions_end_and_this_one_carries_on(app, connect, db, how):
    """A password change or "sign out of other devices" ends the other session (pages, /chat, its open socket);
    the session that asked keeps its cabinet and connects again."""
    user = factories.user(Role.PATIENT)
    other = connect(user)
    here = app.test_client()
    here.sign_in(user.email)
    generation = user.session_generation

    if how == "password":
        new = "another-password-2026"
        answer = here.submit(
            "/auth/password", {"current_password": factories.PASSWORD, "new_password": new, "confirm": new}
        )
        assert "Every other session has been signed out." in here.get("/patient/").get_data(as_text=True)
    else:
        answer = here.submit("/auth/sessions/end-others")
        assert answer.headers["Location"].endswith("/auth/password")
        assert "You have been signed out on every other device." in here.get("/patient/").get_data(as_text=True)
    assert answer.status_code == 302

    db.session.refresh(user)
    assert user.session_generation == generation + 1
    assert not other.is_connected("/chat")
    assert _signed_out(other.http)
    assert not _chat_connection(app, other.http).is_connected("/chat")
    assert here.get("/patient/").status_code == 200
    assert _chat_connection(app, here).is_connected("/chat")


def test_the_password_page_offers_to_sign_out_other_devices_by_post_with_csrf(client, login_as, db):
    """The button is on the password page; a POST without the CSRF token is refused and ends nothing."""
    user = login_as(Role.DOCTOR)
    page = client.get("/auth/password").get_data(as_text=True)
    assert 'action="/auth/sessions/end-others"' in page and "Sign out of other devices" in page

    assert client.post("/auth/sessions/end-others").status_code == 400
    assert client.get("/auth/sessions/end-others").status_code == 405
    db.session.refresh(user)
    assert user.session_generation == 0
    assert client.get("/doctor/").status_code == 200


def test_every_event_rereads_the_session_even_without_a_push(app, connect, pair, db):
    """Sessions ended without the push reaching the socket (raised straight in the database): the next event answers
    unauthorized and the server closes the connection."""
    doctor, _patient_user, appointment = pair
    sock = connect(doctor)
    assert ask(sock, "join", appointment=str(appointment.public_id))["ok"] is True
    db.session.execute(
        sa.update(User).where(User.id == doctor.id).values(session_generation=User.session_generation + 1)
    )
    db.session.commit()

    assert ask(sock, "join", appointment=str(appointment.public_id)) == {"ok": False, "error": "unauthorized"}
    assert not sock.is_connected("/chat")


def test_a_deactivated_account_is_refused_by_pages_and_events(app, connect, pair, db):
    """An account set inactive loses its open session at the next request or event, and cannot connect again."""
    _doctor, patient_user, appointment = pair
    sock = connect(patient_user)
    patient_user.active = False
    db.session.commit()

    assert _signed_out(sock.http)
    assert send(sock, appointment, "still here?") == {"ok": False, "error": "unauthorized"}
    assert not sock.is_connected("/chat")
    assert not _chat_connection(app, sock.http).is_connected("/chat")


@pytest.mark.both_engines
def test_an_ended_guardianship_takes_the_open_socket_out_of_the_dependants_chat(app, connect, db):
    """The ex-guardian's socket stays connected (their own chats go on) but gets nothing more from the dependant's
    chat: no message, typing, read mark, unread count or window change; the patient still gets them."""
    doctor = factories.doctor()
    patient_user = factories.user(Role.PATIENT)
    guardian = factories.user(Role.PATIENT)
    db.session.add(Guardianship(guardian=guardian, patient=patient_user.patient_profile, legal_basis="Court order"))
    db.session.commit()
    appointment = factories.appointment(
        patient_user.patient_profile, doctor, factories.datetime.now(factories.UTC) + factories.timedelta(hours=1)
    )
    public_id = str(appointment.public_id)
    doctor_sock, patient_sock, guardian_sock = connect(doctor), connect(patient_user), connect(guardian)
    for sock in (doctor_sock, patient_sock, guardian_sock):
        assert ask(sock, "join", appointment=public_id)["ok"] is True
    assert send(doctor_sock, appointment, "before")["ok"] is True
    assert [m["text"] for m in received(guardian_sock)["message"]] == ["before"]
    received(patient_sock)

    reception = app.test_client()
    reception.sign_in(factories.user(Role.RECEPTION).email)
    answer = reception.submit(
        f"/reception/patients/{patient_user.patient_profile.public_id}/guardians/{guardian.public_id}/end"
    )
    assert answer.status_code == 302

    after = send(doctor_sock, appointment, "after")
    assert ask(doctor_sock, "typing", appointment=public_id) == {"ok": True}
    assert ask(patient_sock, "read", appointment=public_id, up_to=after["message"]["id"]) == {"ok": True}
    assert ask(doctor_sock, "extend", appointment=public_id, minutes=60)["ok"] is True

    assert guardian_sock.is_connected("/chat")
    assert received(guardian_sock) == {}
    to_patient = received(patient_sock)
    assert [m["text"] for m in to_patient["message"]] == ["after"]
    assert to_patient["typing"] and to_patient["window"]
    assert ask(guardian_sock, "join", appointment=public_id) == {"ok": False, "error": "not_found"}
